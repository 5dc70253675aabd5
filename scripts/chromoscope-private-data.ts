#!/usr/bin/env node
// The one command-line entry: `chromoscope-private-data <command> [options]` (the npm scripts are aliases).
import { runFromArgv } from "./lib/cli/command-registry";

runFromArgv(process.argv.slice(2));
