#!/usr/bin/env node
// The `chromoscope-private-data` command. It runs the JavaScript that `npm ci` compiles into dist/
// (`npm run build`), which starts in a fraction of the time ts-node takes, while dist/ holds exactly
// what the build of these sources wrote (build-stamp.js compares their contents). Otherwise (a
// checkout changed since the build, or a compiled file changed after it) it runs the sources through
// ts-node, configured by this project's own tsconfig.json alone: nothing in the folder the command
// is run from (a cohort folder, say) is read as configuration, so nothing there can run as code.
"use strict";
const path = require("node:path");
const { buildProblem } = require("./build-stamp.js");

const ROOT = path.join(__dirname, "..");
const COMPILED = path.join(ROOT, "dist", "scripts", "chromoscope-private-data.js");
const SOURCE = path.join(ROOT, "scripts", "chromoscope-private-data.ts");

const problem = buildProblem(ROOT);
if (problem === undefined) {
  require(COMPILED);
} else {
  process.stderr.write(
    `note: ${problem}, so the TypeScript sources run through ts-node (slower to start); \`npm run build\` compiles them\n`,
  );
  require("ts-node").register({
    transpileOnly: true,
    // This project's settings only: ts-node would otherwise look for a tsconfig.json from the
    // working folder upwards and run what its "ts-node" section names ("require", "compiler"...).
    project: path.join(ROOT, "tsconfig.json"),
    skipProject: false,
    cwd: ROOT,
    compiler: "typescript",
  });
  require(SOURCE);
}
