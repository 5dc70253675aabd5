#!/usr/bin/env node
// The `chromoscope-private-data` command. It runs the JavaScript that `npm ci` compiles into dist/
// (`npm run build`), which starts in a fraction of the time ts-node takes; when dist/ is missing or
// older than the TypeScript sources (a checkout edited since), it runs the sources through ts-node.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.join(__dirname, "..");
const COMPILED = path.join(ROOT, "dist", "scripts", "chromoscope-private-data.js");
const SOURCE = path.join(ROOT, "scripts", "chromoscope-private-data.ts");
/** Every folder the command's sources come from. */
const SOURCE_FOLDERS = ["scripts", "components", path.join("policy", "documents")];

/**
 * Whether any TypeScript file under `folder` changed after `time`.
 * @param {string} folder
 * @param {number} time milliseconds since the epoch
 * @returns {boolean}
 */
function changedSince(folder, time) {
  return fs.readdirSync(folder, { withFileTypes: true }).some((entry) => {
    const child = path.join(folder, entry.name);
    if (entry.isDirectory()) return changedSince(child, time);
    return entry.name.endsWith(".ts") && fs.statSync(child).mtimeMs > time;
  });
}

function compiledIsCurrent() {
  /** @type {number} */
  let builtAt;
  try {
    builtAt = fs.statSync(COMPILED).mtimeMs;
  } catch {
    return false;
  }
  return !SOURCE_FOLDERS.some((folder) => changedSince(path.join(ROOT, folder), builtAt));
}

if (compiledIsCurrent()) {
  require(COMPILED);
} else {
  process.stderr.write(
    "note: dist/ is missing or older than the TypeScript sources, so they run through ts-node (slower to start); `npm run build` compiles them\n",
  );
  require("ts-node").register({ transpileOnly: true });
  require(SOURCE);
}
