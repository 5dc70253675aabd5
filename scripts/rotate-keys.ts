#!/usr/bin/env node
import { main } from "./lib/cli";
import { rotateKeysCommand } from "./lib/commands/rotate-keys";

main(rotateKeysCommand);
