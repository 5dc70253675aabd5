#!/usr/bin/env node
import { main } from "./lib/cli";
import { publishCohortCommand } from "./lib/commands/publish-cohort";

main(publishCohortCommand);
