#!/usr/bin/env node
import { main } from "./lib/cli";
import { cohortsCommand } from "./lib/commands/cohorts";

main(cohortsCommand);
