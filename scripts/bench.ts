#!/usr/bin/env node
import { main } from "./lib/cli";
import { benchCommand } from "./lib/bench/command";

main(benchCommand);
