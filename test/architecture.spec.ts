/**
 * The shape docs/architecture.md describes, held: layers that import only downwards, small folders
 * and files, unique file names, tests in the folders the document lists, and a repository that
 * cites nothing outside itself.
 */
import * as assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";

const ROOT = join(__dirname, "..");
const LIB = join(ROOT, "scripts", "lib");
const MAX_SOURCE_LINES = 400;
const MAX_LIB_ROOT_FILES = 8;
/** About 12: the doctor keeps one module per check, 14 of them. */
const MAX_FILES_PER_FOLDER = 14;
const TEST = join(ROOT, "test");
/** The top of test/ keeps the repository-wide specs only; the rest sit in folders a newcomer can find. */
const MAX_TEST_TOP_FILES = 12;
const MIN_TEST_FOLDERS = 4;
/** Folders of test/ that hold no specs: harnesses and data. */
const TEST_HELPER_FOLDERS = ["support", "fixtures"];
/** Layers of scripts/lib, in order: a folder imports only from its own layer or an earlier one. */
const LAYERS: Record<string, number> = {
  "": 0,
  s3: 1,
  cohort: 2,
  ledger: 3,
  upload: 3,
  publication: 4,
  "sign-in": 4,
  lifecycle: 5,
  doctor: 6,
  access: 6,
  cli: 7,
  dev: 7,
};

function filesUnder(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    if (name === "node_modules" || name.startsWith(".")) return [];
    const path = join(directory, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const SOURCE_FOLDERS = ["components", "scripts", "policy"].map((folder) => join(ROOT, folder));
const SOURCES = [join(ROOT, "index.ts"), ...SOURCE_FOLDERS.flatMap(filesUnder)].filter((file) =>
  /\.(ts|js|css)$/.test(file),
);
const rel = (file: string) => relative(ROOT, file);

/** Relative imports of a TypeScript file, resolved to paths (without extension). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers = [...text.matchAll(/(?:from|require\()\s*"(\.{1,2}\/[^"]+)"/g)].map((match) => match[1]);
  return specifiers.map((specifier) => resolve(dirname(file), specifier));
}

/** The source file an import names (its path without extension, or a folder's index), if it is one. */
function sourceFileOf(target: string, sources: ReadonlySet<string>): string | undefined {
  return [target, `${target}.ts`, `${target}.js`, join(target, "index.ts")].find((path) => sources.has(path));
}

/** Every import cycle among `files` (type-only imports included), as "a -> b -> a", each once. */
function importCycles(files: readonly string[]): string[] {
  const sources = new Set(files);
  const edges = new Map(files.map((file) => [file, importsOf(file).flatMap((t) => sourceFileOf(t, sources) ?? [])]));
  const cycles = new Set<string>();
  const done = new Set<string>();
  const visit = (file: string, path: string[]) => {
    const at = path.indexOf(file);
    if (at >= 0) {
      // Written from its first file in sort order, so that a cycle met from any of its files reads the same.
      const cycle = path.slice(at).map(rel);
      const first = cycle.indexOf([...cycle].sort()[0]);
      const rotated = [...cycle.slice(first), ...cycle.slice(0, first)];
      cycles.add([...rotated, rotated[0]].join(" -> "));
      return;
    }
    if (done.has(file)) return;
    for (const next of edges.get(file) ?? []) visit(next, [...path, file]);
    done.add(file);
  };
  for (const file of files) visit(file, []);
  return [...cycles];
}

/** The scripts/lib folder a path belongs to ("" for the root files), or undefined outside it. */
function libFolder(path: string): string | undefined {
  const inside = relative(LIB, path);
  if (inside.startsWith("..")) return undefined;
  const parts = inside.split("/");
  return parts.length === 1 ? "" : parts[0];
}

describe("architecture (docs/architecture.md)", () => {
  it(`no source file outside test/ has more than ${MAX_SOURCE_LINES} lines`, () => {
    const long = SOURCES.map((file) => ({ file: rel(file), lines: readFileSync(file, "utf8").split("\n").length }))
      .filter(({ lines }) => lines > MAX_SOURCE_LINES)
      .map(({ file, lines }) => `${file}: ${lines}`);
    assert.deepEqual(long, []);
  });

  it(`scripts/lib keeps at most ${MAX_LIB_ROOT_FILES} files itself, and no folder holds more than ${MAX_FILES_PER_FOLDER}`, () => {
    const rootFiles = readdirSync(LIB).filter((name) => statSync(join(LIB, name)).isFile());
    assert.ok(rootFiles.length <= MAX_LIB_ROOT_FILES, `scripts/lib holds ${rootFiles.join(", ")}`);
    const folders = new Map<string, number>();
    for (const file of SOURCE_FOLDERS.flatMap(filesUnder))
      folders.set(dirname(file), (folders.get(dirname(file)) ?? 0) + 1);
    const crowded = [...folders]
      .filter(([, count]) => count > MAX_FILES_PER_FOLDER)
      .map(([folder, count]) => `${rel(folder)}: ${count}`);
    assert.deepEqual(crowded, []);
  });

  it("no two source files share a name (the tools' entry points, index.ts, aside)", () => {
    const byName = new Map<string, string[]>();
    for (const file of SOURCES.filter((path) => basename(path) !== "index.ts")) {
      byName.set(basename(file), [...(byName.get(basename(file)) ?? []), rel(file)]);
    }
    assert.deepEqual(
      [...byName.values()].filter((files) => files.length > 1),
      [],
    );
  });

  it("no folder of scripts/lib imports one of a later layer: the library never imports the CLI", () => {
    const offenders: string[] = [];
    for (const file of filesUnder(LIB).filter((path) => path.endsWith(".ts"))) {
      const from = libFolder(file)!;
      for (const target of importsOf(file)) {
        const to = libFolder(target);
        if (to === undefined || to === from) continue;
        if (LAYERS[to] > LAYERS[from]) offenders.push(`${rel(file)} imports ${rel(target)}`);
      }
    }
    assert.deepEqual(offenders, []);
  });

  it("no source file imports itself back, through however many others (type-only imports count)", () => {
    assert.deepEqual(importCycles(SOURCES.filter((file) => /\.(ts|js)$/.test(file))), []);
  });

  it("the shipped CLI never imports the development folder; the registry loads the demo and bench from dev/commands", () => {
    const offenders = filesUnder(join(LIB, "cli"))
      .filter((file) => file.endsWith(".ts") && file !== join(LIB, "cli", "command-registry.ts"))
      .flatMap((file) => importsOf(file).map((target) => ({ file, target })))
      .filter(({ target }) => libFolder(target) === "dev")
      .map(({ file, target }) => `${rel(file)} imports ${rel(target)}`);
    assert.deepEqual(offenders, []);
    const registry = readFileSync(join(LIB, "cli", "command-registry.ts"), "utf8");
    assert.deepEqual(
      [...new Set([...registry.matchAll(/"(\.\.\/dev\/[^"]+)"/g)].map((match) => match[1]))],
      ["../dev/commands/demo-command", "../dev/commands/bench-command"],
    );
    assert.deepEqual(
      readdirSync(join(LIB, "dev", "commands")).sort(),
      ["bench-command.ts", "demo-command.ts"],
      "the development commands live in one place",
    );
  });

  it(`test/ keeps at most ${MAX_TEST_TOP_FILES} files at its top and its specs in the folders docs/architecture.md lists`, () => {
    const entries = readdirSync(TEST).map((name) => ({ name, folder: statSync(join(TEST, name)).isDirectory() }));
    const topFiles = entries.filter((entry) => !entry.folder).map((entry) => entry.name);
    assert.ok(topFiles.length <= MAX_TEST_TOP_FILES, `test/ holds ${topFiles.length} files: ${topFiles.join(", ")}`);
    const specFolders = entries
      .filter((entry) => entry.folder && !TEST_HELPER_FOLDERS.includes(entry.name))
      .map((entry) => entry.name)
      .sort();
    assert.ok(specFolders.length >= MIN_TEST_FOLDERS, `test/ has ${specFolders.length} folders of specs`);
    const architecture = readFileSync(join(ROOT, "docs", "architecture.md"), "utf8");
    const listed = [...architecture.matchAll(/^\| `test\/([a-z0-9-]+)\/` \|/gm)].map((match) => match[1]).sort();
    assert.deepEqual(specFolders, listed, "docs/architecture.md lists every folder of test/, and only those");
    const misplaced = filesUnder(TEST)
      .filter((file) => file.endsWith(".spec.ts"))
      .map((file) => relative(TEST, file).split("/"))
      .filter((parts) => parts.length > 2 || (parts.length === 2 && TEST_HELPER_FOLDERS.includes(parts[0])))
      .map((parts) => parts.join("/"));
    assert.deepEqual(misplaced, [], "specs sit at the top of test/ or one folder down, never among helpers");
  });

  it("the repository cites no file outside itself (no design notes of another folder)", () => {
    const files = [
      "README.md",
      "index.ts",
      ...["docs", "components", "scripts", "policy", "test", ".ci"].flatMap((folder) => filesUnder(join(ROOT, folder))),
    ];
    const citing = files
      .filter((file) => /\.(ts|js|md|css|json|ya?ml)$|\/run$/.test(file) && file !== __filename)
      .filter((file) => /DESIGN\.md|\.\.\/shared\/|§\s*\d/.test(readFileSync(file, "utf8")))
      .map(rel);
    assert.deepEqual(citing, []);
  });
});
