/**
 * The documentation holds: every generated section equals what `npm run docs` writes from the code,
 * the README stays a short start (its first commands run the demo and the tests), every relative
 * link of the README and docs/ leads to a file that exists, and so does every path of the repository
 * that the code, the tests and the docs name.
 */
import * as assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { GENERATED_SECTIONS, generatedText } from "../scripts/docs-generator";

const ROOT = join(__dirname, "..");
const DOCUMENTS = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
];

/** Where the repository's files are: its documents, code, tests, examples and settings. */
const NAMED_IN = ["README.md", "index.ts", "package.json", "Pulumi.yaml", "tsconfig.json", "tsconfig.build.json"];
const NAMED_IN_FOLDERS = ["docs", "components", "scripts", "policy", "test", "bin", "examples", ".ci"];
/** Paths named on purpose that are not this repository's: a file a script writes, and Chromoscope's sources (src/). */
const NOT_OURS = new Set(["docs/share-page.png"]);
const CHROMOSCOPE_SOURCES = "src/";

function filesUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    if (name === "node_modules") return [];
    const path = join(folder, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * The repository paths a text names: anything under one of its top folders (`scripts/lib/naming.ts`,
 * `test/fixtures/`), and every TypeScript file, which may be named from its own folder, from
 * scripts/lib (`s3/presign.ts`, as docs/architecture.md writes them) or by its name alone.
 */
function namedPaths(text: string): string[] {
  const notInside = String.raw`(?<![\w@./:*+-])`;
  const underTop = new RegExp(
    `${notInside}(?:${NAMED_IN_FOLDERS.join("|").replace(".", "\\.")}|patches)/[\\w.@+/-]*`,
    "g",
  );
  const typescript = new RegExp(`${notInside}(?:\\.{1,2}/)?[\\w-][\\w.-]*(?:/[\\w.-]+)*\\.ts\\b`, "g");
  return [...text.matchAll(underTop), ...text.matchAll(typescript)].map((match) => match[0].replace(/\.$/, ""));
}

describe("documentation", () => {
  for (const section of GENERATED_SECTIONS) {
    it(`${section.file}: the ${section.name} section is what \`npm run docs\` writes`, () => {
      const text = generatedText(readFileSync(join(ROOT, section.file), "utf8"), section);
      assert.ok(text !== undefined, `${section.file} lacks the ${section.name} markers`);
      assert.equal(text, section.render(), `${section.file} is stale: run \`npm run docs\``);
    });
  }

  it("the README is a start of at most 250 lines whose first commands run the demo and the tests", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    assert.ok(readme.split("\n").length <= 250, `README.md has ${readme.split("\n").length} lines`);
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
    const commands = firstBlock
      .split("\n")
      .map((line) => line.replace(/#.*$/, "").trim())
      .filter(Boolean);
    assert.deepEqual(commands, ["npm ci", "npm run demo", "npm test"]);
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }
    ).scripts;
    assert.ok(scripts.demo && scripts.test, "both commands exist");
  });

  it("every relative link in the README and docs/ leads to a file of the repository", () => {
    const broken: string[] = [];
    for (const document of DOCUMENTS) {
      const text = readFileSync(join(ROOT, document), "utf8");
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:|#)/.test(target)) continue;
        const path = join(ROOT, dirname(document), target.split("#")[0]);
        if (!existsSync(path)) broken.push(`${document} -> ${target}`);
      }
    }
    assert.deepEqual(broken, []);
  });

  it("every path of the repository named in its code, tests and docs exists", () => {
    const files = [
      ...NAMED_IN.map((name) => join(ROOT, name)),
      ...NAMED_IN_FOLDERS.flatMap((f) => filesUnder(join(ROOT, f))),
      // Lock files name their dependencies' own files.
    ].filter((file) => /\.(ts|js|mjs|md|json|ya?ml|css|html)$|\/run$/.test(file) && !file.endsWith("-lock.json"));
    const names = new Set(files.map((file) => basename(file)));
    // A spec names by its name alone the files it writes into a temporary folder.
    const writtenBySpec = (file: string, path: string) => file.startsWith(join(ROOT, "test")) && !path.includes("/");
    const exists = (file: string, path: string) =>
      NOT_OURS.has(path) ||
      writtenBySpec(file, path) ||
      path.startsWith(CHROMOSCOPE_SOURCES) ||
      [ROOT, dirname(file), join(ROOT, "scripts", "lib")].some((base) => existsSync(join(base, path))) ||
      (!path.includes("/") && names.has(path));
    const missing = files.flatMap((file) =>
      namedPaths(readFileSync(file, "utf8"))
        .filter((path) => !exists(file, path))
        .map((path) => `${relative(ROOT, file)} names ${path}`),
    );
    assert.deepEqual([...new Set(missing)], []);
  });
});
