#!/usr/bin/env node
import { main } from "./lib/cli";
import { refreshCohortCommand } from "./lib/commands/refresh-cohort";

main(refreshCohortCommand);
