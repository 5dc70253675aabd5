#!/usr/bin/env node
import { main } from "./lib/cli";
import { demoCommand } from "./lib/commands/demo";

main(demoCommand);
