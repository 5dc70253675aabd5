#!/usr/bin/env node
import { main } from "./lib/cli";
import { doctorCommand } from "./lib/commands/doctor";

main(doctorCommand);
