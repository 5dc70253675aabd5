/**
 * The `chromoscope-private-data` command: a `bin` that works straight after `npm ci` (executable,
 * with a shebang), runs the JavaScript compiled at install, lists every command, and has the npm
 * scripts as its aliases. How fast it starts is measured by `npm run bench` (start-up section).
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { COMMANDS, PROGRAM_NAME } from "../../scripts/lib/cli/command-registry";
import { withoutNpmVariables } from "../../scripts/lib/cli/shell";
import { PROJECT_ROOT } from "../../scripts/lib/files";

const BIN = join(PROJECT_ROOT, "bin", "chromoscope-private-data.js");
const PACKAGE = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as {
  bin: Record<string, string>;
  scripts: Record<string, string>;
};

/** Runs the bin as the shell would: the file itself, by its shebang. */
function runBin(args: readonly string[]) {
  return spawnSync(BIN, args, { cwd: PROJECT_ROOT, encoding: "utf8", env: withoutNpmVariables(process.env) });
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
      // Hand-written JavaScript only: the entry and its build stamp, the share page's browser script, test fixtures' pages.
      tracked.filter(
        (file) =>
          file !== "bin/chromoscope-private-data.js" &&
          file !== "bin/build-stamp.js" &&
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

  describe("dist/ or the sources: told apart by content, the sources run with the project's own settings", () => {
    // A copy of the project (its node_modules linked), so the test can build, edit and break it.
    let copy: string;
    let bin: string;
    const marker = (what: string) => join(copy, `ran-${what}`);
    const runCopy = (args: readonly string[], cwd = copy) =>
      spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", env: withoutNpmVariables(process.env) });
    const usage = /^Usage: chromoscope-private-data <command>/;

    before(function () {
      this.timeout(300_000);
      copy = mkdtempSync(join(tmpdir(), "chromoscope-bin-"));
      for (const entry of ["bin", "scripts", "components", join("policy", "documents")])
        cpSync(join(PROJECT_ROOT, entry), join(copy, entry), { recursive: true });
      for (const file of ["package.json", "Pulumi.yaml", "tsconfig.json", "tsconfig.build.json"])
        cpSync(join(PROJECT_ROOT, file), join(copy, file));
      symlinkSync(join(PROJECT_ROOT, "node_modules"), join(copy, "node_modules"), "dir");
      bin = join(copy, "bin", "chromoscope-private-data.js");
    });
    after(() => rmSync(copy, { recursive: true, force: true }));

    it("without dist/, a tsconfig.json planted in the folder it runs from runs nothing", () => {
      const cohortFolder = join(copy, "cohort");
      mkdirSync(cohortFolder);
      writeFileSync(
        join(cohortFolder, "planted.js"),
        `require("fs").writeFileSync(${JSON.stringify(marker("planted-tsconfig"))}, "ran");`,
      );
      writeFileSync(join(cohortFolder, "tsconfig.json"), JSON.stringify({ "ts-node": { require: ["./planted.js"] } }));
      const result = runCopy(["--help"], cohortFolder);
      assert.ok(!existsSync(marker("planted-tsconfig")), "the planted tsconfig's ts-node.require did not run");
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, usage);
      assert.match(
        result.stderr,
        /^note: dist\/ is missing, or holds no record of its build, so the TypeScript sources run through ts-node/,
      );
    });

    it("`npm run build` records the build: a fresh one runs, whatever the files' times say", function () {
      this.timeout(300_000);
      const build = spawnSync("sh", ["-c", PACKAGE.scripts.build], { cwd: copy, encoding: "utf8" });
      assert.equal(build.status, 0, build.stdout + build.stderr);
      assert.ok(existsSync(join(copy, "dist", "build-stamp.json")));
      const fresh = runCopy(["--help"]);
      assert.equal(fresh.stderr, "", "the compiled entry ran");
      // A checkout touches files without changing them: still the same build.
      const later = new Date(Date.now() + 60_000);
      utimesSync(join(copy, "scripts", "lib", "naming.ts"), later, later);
      assert.equal(runCopy(["--help"]).stderr, "");
    });

    it("a source changed since the build: the sources run, and the note names the file", () => {
      const source = join(copy, "scripts", "lib", "naming.ts");
      const original = readFileSync(source);
      writeFileSync(source, Buffer.concat([original, Buffer.from("\n// changed by a pull\n")]));
      try {
        const result = runCopy(["--help"]);
        assert.equal(result.status, 0, result.stderr);
        assert.match(result.stdout, usage);
        assert.match(
          result.stderr,
          /^note: scripts\/lib\/naming\.ts changed since the last `npm run build`, so the TypeScript sources run through ts-node/,
        );
      } finally {
        writeFileSync(source, original);
      }
      assert.equal(runCopy(["--help"]).stderr, "", "the same content again: the build is fresh again");
    });

    it("a line added to a compiled file after the build never runs: the sources run instead", () => {
      const compiled = join(copy, "dist", "scripts", "chromoscope-private-data.js");
      writeFileSync(
        compiled,
        `${readFileSync(compiled, "utf8")}\nrequire("fs").writeFileSync(${JSON.stringify(marker("added-line"))}, "ran");\n`,
      );
      const result = runCopy(["--help"]);
      assert.ok(!existsSync(marker("added-line")), "the added line did not run");
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, usage);
      assert.match(
        result.stderr,
        /^note: dist\/scripts\/chromoscope-private-data\.js does not hold what `npm run build` wrote, so the TypeScript sources run through ts-node/,
      );
    });
  });

  it("every command has an npm script of its name that runs the bin, and npx finds it", () => {
    for (const command of COMMANDS) {
      assert.equal(PACKAGE.scripts[command.name], `node bin/chromoscope-private-data.js ${command.name}`);
    }
    // Without the npm_* settings of an npm or npx this suite may run under (CI's `npx -p node@24`).
    const viaNpx = spawnSync("npx", ["--no-install", PROGRAM_NAME, "--help"], {
      cwd: PROJECT_ROOT,
      encoding: "utf8",
      env: withoutNpmVariables(process.env),
    });
    assert.equal(viaNpx.status, 0, viaNpx.stderr);
    assert.match(viaNpx.stdout, /^Usage: chromoscope-private-data <command>/);
  });
});
