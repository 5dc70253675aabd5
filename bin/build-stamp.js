#!/usr/bin/env node
// What `npm run build` compiled, by content: a SHA-256 of every TypeScript source the command is
// built from and of every file the build wrote into dist/, kept in dist/build-stamp.json. The bin
// runs dist/ only while both still match, so a checkout changed since the build (`git pull`) and a
// compiled file changed after it are told apart from a fresh build by what they hold, not by times.
// `node bin/build-stamp.js` (the last step of `npm run build`) writes the stamp.
"use strict";
const { createHash } = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

/** Every folder the command's sources come from, relative to the project. */
const SOURCE_FOLDERS = ["scripts", "components", path.join("policy", "documents")];
/** Files besides the sources that decide what the build writes. */
const BUILD_SETTINGS = ["tsconfig.json", "tsconfig.build.json"];
const STAMP = path.join("dist", "build-stamp.json");

/**
 * Every file under `folder` whose name ends with `extension`, relative to `root`, sorted.
 * @param {string} root
 * @param {string} folder relative to root
 * @param {string} extension
 * @returns {string[]}
 */
function filesUnder(root, folder, extension) {
  /** @type {string[]} */
  const found = [];
  /** @param {string} relative */
  const walk = (relative) => {
    for (const entry of fs.readdirSync(path.join(root, relative), { withFileTypes: true })) {
      const child = path.join(relative, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith(extension)) found.push(child);
    }
  };
  walk(folder);
  return found.sort();
}

/**
 * The SHA-256 of each file, by its path relative to `root`.
 * @param {string} root
 * @param {readonly string[]} files
 * @returns {Record<string, string>}
 */
function digests(root, files) {
  /** @type {Record<string, string>} */
  const result = {};
  for (const file of files)
    result[file] = createHash("sha256")
      .update(fs.readFileSync(path.join(root, file)))
      .digest("hex");
  return result;
}

/** @param {string} root */
function sourceDigests(root) {
  const sources = SOURCE_FOLDERS.flatMap((folder) => filesUnder(root, folder, ".ts"));
  return digests(root, [...BUILD_SETTINGS, ...sources]);
}

/** @param {string} root */
function compiledDigests(root) {
  return digests(root, filesUnder(root, "dist", ".js"));
}

/**
 * The first path whose digest differs between what was recorded and what is there now (a file
 * changed, added or removed), or undefined when they are the same.
 * @param {Record<string, string>} recorded
 * @param {Record<string, string>} current
 * @returns {string | undefined}
 */
function firstDifference(recorded, current) {
  const paths = [...new Set([...Object.keys(recorded), ...Object.keys(current)])].sort();
  return paths.find((file) => recorded[file] !== current[file]);
}

/**
 * @param {unknown} value
 * @returns {value is Record<string, string>}
 */
function isDigestTable(value) {
  return (
    typeof value === "object" && value !== null && Object.values(value).every((digest) => typeof digest === "string")
  );
}

/**
 * Why dist/ cannot be run as the build of these sources, or undefined when it can.
 * @param {string} root the project folder
 * @returns {string | undefined}
 */
function buildProblem(root) {
  /** @type {unknown} */
  let parsed;
  try {
    parsed = JSON.parse(fs.readFileSync(path.join(root, STAMP), "utf8"));
  } catch {
    return "dist/ is missing, or holds no record of its build";
  }
  const stamp = /** @type {{ sources?: unknown; compiled?: unknown } | null} */ (parsed);
  if (!isDigestTable(stamp?.sources) || !isDigestTable(stamp?.compiled)) return "dist/ holds no record of its build";
  const source = firstDifference(stamp.sources, sourceDigests(root));
  if (source !== undefined) return `${source} changed since the last \`npm run build\``;
  const compiled = firstDifference(stamp.compiled, compiledDigests(root));
  if (compiled !== undefined) return `${compiled} does not hold what \`npm run build\` wrote`;
  return undefined;
}

/**
 * Records the sources and dist/ as they are now (run right after the compiler).
 * @param {string} root
 */
function writeStamp(root) {
  const stamp = { sources: sourceDigests(root), compiled: compiledDigests(root) };
  fs.writeFileSync(path.join(root, STAMP), `${JSON.stringify(stamp, null, 1)}\n`);
}

module.exports = { buildProblem, writeStamp, STAMP };

if (require.main === module) writeStamp(path.join(__dirname, ".."));
