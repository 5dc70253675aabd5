/**
 * The `chromoscope-private-data` command: a `bin` that works straight after `npm ci` (executable,
 * with a shebang), runs the JavaScript compiled at install, lists every command, and has the npm
 * scripts as its aliases. How fast it starts is measured by `npm run bench` (start-up section).
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { COMMANDS, PROGRAM_NAME } from "../../scripts/lib/cli/command-registry";
import { PROJECT_ROOT } from "../../scripts/lib/files";

const BIN = join(PROJECT_ROOT, "bin", "chromoscope-private-data.js");
const PACKAGE = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as {
  bin: Record<string, string>;
  scripts: Record<string, string>;
};

/** Runs the bin as the shell would: the file itself, by its shebang. */
function runBin(args: readonly string[]) {
  return spawnSync(BIN, args, { cwd: PROJECT_ROOT, encoding: "utf8", env: process.env });
}

describe("the chromoscope-private-data command (bin)", function () {
  this.timeout(120_000);

  it("is package.json's bin: a committed, executable file with a node shebang", () => {
    assert.deepEqual(PACKAGE.bin, { [PROGRAM_NAME]: "bin/chromoscope-private-data.js" });
    assert.match(readFileSync(BIN, "utf8"), /^#!\/usr\/bin\/env node\n/);
    const [mode] = execFileSync("git", ["ls-files", "-s", "bin/chromoscope-private-data.js"], {
      cwd: PROJECT_ROOT,
      encoding: "utf8",
    }).split(" ");
    assert.equal(mode, "100755", "git records the file as executable, so a fresh clone can run it");
  });

  it("commits no generated JavaScript: dist/ is built by npm ci (prepare) and ignored", () => {
    const tracked = execFileSync("git", ["ls-files", "dist", "*.js"], { cwd: PROJECT_ROOT, encoding: "utf8" })
      .split("\n")
      .filter(Boolean);
    assert.deepEqual(
      // Hand-written JavaScript only: the entry, the share page's browser script, test fixtures' pages.
      tracked.filter(
        (file) =>
          file !== "bin/chromoscope-private-data.js" &&
          !file.endsWith(".browser.js") &&
          !file.startsWith("test/fixtures/"),
      ),
      [],
    );
    assert.equal(PACKAGE.scripts.prepare, "npm run build");
    assert.match(readFileSync(join(PROJECT_ROOT, ".gitignore"), "utf8"), /^dist\/$/m);
  });

  it("--help lists every command; each command's --help exits 0 with its usage", () => {
    const list = runBin(["--help"]);
    assert.equal(list.status, 0, list.stderr);
    for (const command of COMMANDS) assert.match(list.stdout, new RegExp(`^  ${command.name} +\\S`, "m"));
    for (const command of COMMANDS) {
      const help = runBin([command.name, "--help"]);
      assert.equal(help.status, 0, `${command.name}: ${help.stderr}`);
      assert.match(help.stdout, new RegExp(`^Usage: ${command.name} \\[options\\]`, "m"));
    }
  });

  it("runs the compiled JavaScript (no ts-node) once npm ci has built dist/", function () {
    const result = runBin(["--help"]);
    if (process.env.CI !== "true" && /ts-node/.test(result.stderr)) {
      console.log("    notice: dist/ is older than the sources here (run `npm run build`); checked under CI=true");
      this.skip();
    }
    assert.equal(result.status, 0);
    assert.equal(result.stderr, "", "no note about ts-node: the compiled entry ran");
  });

  it("an unknown command is a usage error naming the commands, and the one meant when it is a slip", () => {
    for (const [typed, meant] of [
      ["cohort", "cohorts"],
      ["publish", "publish-cohort"],
      ["revoke-cohorts", "revoke-cohort"],
      ["doctr", "doctor"],
    ]) {
      const result = runBin([typed, "--stack", "dev"]);
      assert.equal(result.status, 2);
      assert.match(result.stderr, new RegExp(`^error: unknown command "${typed}": did you mean ${meant}\\?$`, "m"));
      assert.match(result.stderr, /^fix: use one of: demo, upload-cohort, publish-cohort, cohorts/m);
    }
    const far = runBin(["deploy"]);
    assert.match(far.stderr, /^error: unknown command "deploy"$/m);
  });

  it("every command has an npm script of its name that runs the bin, and npx finds it", () => {
    for (const command of COMMANDS) {
      assert.equal(PACKAGE.scripts[command.name], `node bin/chromoscope-private-data.js ${command.name}`);
    }
    // Without the npm_* settings of an npm or npx this suite may run under (CI's `npx -p node@24`).
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
    const viaNpx = spawnSync("npx", ["--no-install", PROGRAM_NAME, "--help"], {
      cwd: PROJECT_ROOT,
      encoding: "utf8",
      env,
    });
    assert.equal(viaNpx.status, 0, viaNpx.stderr);
    assert.match(viaNpx.stdout, /^Usage: chromoscope-private-data <command>/);
  });
});
