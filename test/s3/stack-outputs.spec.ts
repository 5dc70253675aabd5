/**
 * The stack outputs file is never a leak: git ignores it, the README writes it readable by its
 * owner only, every command that reads `--outputs` warns (with the fix) when the file is open to
 * its group or others, and an unparsable file is reported without quoting any of it.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { CommandFactory } from "../../scripts/lib/cli/shell";
import { cohortsCommand } from "../../scripts/lib/cli/commands/cohorts-command";
import { doctorCommand } from "../../scripts/lib/cli/commands/doctor-command";
import { publishCohortCommand } from "../../scripts/lib/cli/commands/publish-cohort-command";
import { refreshCohortCommand } from "../../scripts/lib/cli/commands/refresh-cohort-command";
import { revokeCohortCommand } from "../../scripts/lib/cli/commands/revoke-cohort-command";
import { rotateKeysCommand } from "../../scripts/lib/cli/commands/rotate-keys-command";
import { EXPORT_OUTPUTS_COMMAND } from "../../scripts/lib/s3/outputs-source";
import { TestBucket, startCohortBucket } from "../support/local-bucket";
import { run } from "../support/cli-runner";

const ROOT = join(__dirname, "..", "..");
const WRITES_OUTPUTS = "pulumi stack output --json --show-secrets >";
const PRIVATE_WRITE = "(umask 077; pulumi stack output --json --show-secrets > outputs.json)";
/** Looks like an AWS secret access key; no window of it may reach stderr. */
const SECRET = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY00";

function sourceFiles(path: string): string[] {
  return readdirSync(path).flatMap((entry) => {
    const full = join(path, entry);
    return statSync(full).isDirectory() ? sourceFiles(full) : full.endsWith(".ts") ? [full] : [];
  });
}

/** Every 6-character window of the secret that stderr holds. */
function secretWindows(text: string): string[] {
  const found: string[] = [];
  for (let start = 0; start + 6 <= SECRET.length; start++)
    if (text.includes(SECRET.slice(start, start + 6))) found.push(SECRET.slice(start, start + 6));
  return found;
}

describe("the stack outputs file is never a leak", function () {
  this.timeout(60_000);

  describe("how it is written", () => {
    it("git ignores outputs.json and *.outputs.json, wherever they are", () => {
      for (const path of ["outputs.json", "dev.outputs.json", "stacks/prod.outputs.json"]) {
        const checked = spawnSync("git", ["check-ignore", "--no-index", "--quiet", path], { cwd: ROOT });
        assert.equal(checked.status, 0, `${path} is not ignored`);
      }
      const kept = spawnSync("git", ["check-ignore", "--no-index", "--quiet", "outputs.example.md"], { cwd: ROOT });
      assert.equal(kept.status, 1, "only outputs files are ignored");
    });

    it("the README and the docs write it only with umask 077, everywhere they show the command", () => {
      const documents = [
        "README.md",
        ...readdirSync(join(ROOT, "docs"))
          .filter((name) => name.endsWith(".md"))
          .map((name) => `docs/${name}`),
      ];
      let shown = 0;
      for (const document of documents) {
        // Wrapped help text splits the command over lines: compare with the whitespace collapsed.
        const text = readFileSync(join(ROOT, document), "utf8").replace(/\s+/g, " ");
        const writes = text.split(WRITES_OUTPUTS).length - 1;
        assert.equal(
          text.split(PRIVATE_WRITE).length - 1,
          writes,
          `${document} writes the outputs file without umask 077`,
        );
        shown += writes;
      }
      assert.ok(shown >= 2, "the README and the docs show how to write the file");
    });

    it("so do the tools' own fixes", () => {
      assert.equal(EXPORT_OUTPUTS_COMMAND, PRIVATE_WRITE);
      const offenders = sourceFiles(join(ROOT, "scripts"))
        .flatMap((file) =>
          readFileSync(file, "utf8")
            .split("\n")
            .map((line) => ({ file, line })),
        )
        .filter(({ line }) => line.includes(WRITES_OUTPUTS) && !line.includes(PRIVATE_WRITE));
      assert.deepEqual(offenders, []);
    });
  });

  describe("reading it", () => {
    let bucket: TestBucket;
    let manifest: string;
    before(async () => {
      ({ bucket, manifest } = await startCohortBucket("cohorts/outputs/", 2));
      const stack = ["--outputs", bucket.outputsFile, "--endpoint", bucket.server.endpoint];
      const published = await run(publishCohortCommand, [...stack, "--cohort", "Outputs", "--manifest", manifest]);
      assert.equal(published.code, 0, published.stderr);
    });
    after(() => bucket.close());

    /** Every command that reads --outputs, with arguments that get it past reading the file. */
    const commands: Array<[string, CommandFactory, () => string[]]> = [
      ["publish-cohort", publishCohortCommand, () => ["--cohort", "Outputs", "--manifest", manifest, "--dry-run"]],
      ["refresh-cohort", refreshCohortCommand, () => ["--cohort", "Outputs", "--dry-run"]],
      ["cohorts", cohortsCommand, () => []],
      ["revoke-cohort", revokeCohortCommand, () => ["--cohort", "Never published"]],
      ["rotate-keys", rotateKeysCommand, () => ["--print", "--generation", "0"]],
      ["doctor", doctorCommand, () => []],
    ];

    for (const [name, factory, extra] of commands) {
      it(`${name} warns, with the chmod 600 fix, when the file is open to its group or others, and not when it is private`, async () => {
        const path = bucket.scratch(`shared ${name}.outputs.json`, readFileSync(bucket.outputsFile));
        const args = () => ["--outputs", path, "--endpoint", bucket.server.endpoint, ...extra()];
        for (const [mode, who] of [
          [0o644, "its group and others"],
          [0o640, "its group"],
          [0o604, "others"],
        ] as const) {
          chmodSync(path, mode);
          const result = await run(factory, args());
          const expected =
            `warning: --outputs "${path}" is open to ${who} (mode ${mode.toString(8)}), ` +
            `and stack outputs hold the presigner's secret key: run \`chmod 600 '${path}'\`\n`;
          assert.ok(result.stderr.startsWith(expected), `mode ${mode.toString(8)}:\n${result.stderr}`);
        }
        chmodSync(path, 0o600);
        const quiet = await run(factory, args());
        assert.doesNotMatch(quiet.stderr, /chmod|is open to/);
      });
    }

    const NOT_SHOWN =
      /is not valid JSON \(a syntax error; the parser's message is not shown, as it would quote the file\)/;
    const unparsable: Array<[string, string, RegExp]> = [
      ["an unquoted secret (the parser would quote it)", `{"presignerSecretAccessKey": ${SECRET}}`, NOT_SHOWN],
      [
        "a missing comma after the secret",
        `{\n  "presignerSecretAccessKey": "${SECRET}"\n  "region": "eu-west-2"\n}`,
        /is not valid JSON \(a syntax error at line 3, column 3\)/,
      ],
      [
        "text after the object",
        `{"presignerSecretAccessKey": "${SECRET}"} ${SECRET}`,
        /is not valid JSON \(a syntax error at line 1, column 74\)/,
      ],
      [
        "a secret cut short",
        `{"presignerSecretAccessKey": "${SECRET}`,
        /is not valid JSON \(it ends early\); it may be truncated/,
      ],
      ["key=value text", `presignerSecretAccessKey=${SECRET}`, NOT_SHOWN],
    ];
    for (const [what, text, message] of unparsable) {
      it(`an outputs file holding ${what} is refused without quoting any of it`, async () => {
        const path = bucket.scratch("unparsable.outputs.json", text);
        chmodSync(path, 0o600);
        for (const [name, factory, extra] of commands) {
          const result = await run(factory, ["--outputs", path, "--endpoint", bucket.server.endpoint, ...extra()]);
          assert.equal(result.code, 1, `${name}: ${result.stderr}`);
          assert.match(result.stderr, message, name);
          assert.match(
            result.stderr,
            /fix: export it again with `\(umask 077; pulumi stack output --json --show-secrets > outputs\.json\)`/,
            name,
          );
          assert.deepEqual(secretWindows(result.stderr), [], `${name} quoted the file:\n${result.stderr}`);
        }
      });
    }

    it("an endpoint in the outputs file (a stand-in stack's server) is used, and --endpoint wins over it", async () => {
      const outputs = JSON.parse(readFileSync(bucket.outputsFile, "utf8")) as Record<string, unknown>;
      const named = bucket.scratch(
        "named.outputs.json",
        JSON.stringify({ ...outputs, endpoint: bucket.server.endpoint }),
      );
      const dead = bucket.scratch("dead.outputs.json", JSON.stringify({ ...outputs, endpoint: "http://127.0.0.1:9" }));
      const bad = bucket.scratch("bad.outputs.json", JSON.stringify({ ...outputs, endpoint: "ftp://127.0.0.1:9" }));
      for (const path of [named, dead, bad]) chmodSync(path, 0o600);
      const fast = { s3: { maxAttempts: 1, connectionTimeoutMs: 500, callTimeoutMs: 2000 } };
      assert.equal((await run(cohortsCommand, ["--outputs", named], fast)).code, 0);
      assert.equal((await run(cohortsCommand, ["--outputs", dead], fast)).code, 3);
      const flagWins = await run(cohortsCommand, ["--outputs", dead, "--endpoint", bucket.server.endpoint], fast);
      assert.equal(flagWins.code, 0, flagWins.stderr);
      const refused = await run(cohortsCommand, ["--outputs", bad], fast);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /endpoint: an http\(s\) base URL/);
    });
  });
});
