#!/usr/bin/env node
import { main } from "./lib/cli";
import { revokeCohortCommand } from "./lib/commands/revoke-cohort";

main(revokeCohortCommand);
