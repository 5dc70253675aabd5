/**
 * The documentation holds: every generated section equals what `npm run docs` writes from the code,
 * the README stays a short start (its first commands run the demo and the tests), and every
 * relative link of the README and docs/ leads to a file that exists.
 */
import * as assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { GENERATED_SECTIONS, generatedText } from "../scripts/docs-generator";

const ROOT = join(__dirname, "..");
const DOCUMENTS = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
];

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
});
