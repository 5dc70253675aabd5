/**
 * The policy pack as `pulumi policy publish` ships it: policy/ alone, copied to a folder outside
 * the project, its dependencies installed there from the local npm cache only (offline, from its
 * own lock file), type-checked with its own tsconfig, and its rules loaded and run there.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { policies } from "../../policy/rules";

const POLICY = join(__dirname, "..", "..", "policy");
const CACHE_HINT = "run `(cd policy && npm ci)` once (.ci/run does) so the npm cache holds the pack's dependencies";

/** Loads the copied pack's rules and runs one resource rule on a closed and an open public access block. */
const RUN_RULES = `
const { policies } = require("./rules");
const rule = policies.find((policy) => policy.name === "s3-public-access-block-all-flags");
const flags = { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };
const run = (name, props) => {
  const violations = [];
  rule.validateResource(
    { type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", name, urn: "urn:pulumi:dev::p::t::" + name, props, opts: {} },
    (message) => violations.push(message),
  );
  return violations;
};
process.stdout.write(JSON.stringify({
  names: policies.map((policy) => policy.name),
  closed: run("closed", flags),
  open: run("open", { ...flags, restrictPublicBuckets: false }),
}));
`;

describe("the policy pack on its own (as `pulumi policy publish` packs it)", function () {
  this.timeout(240_000);
  let folder: string;

  before(function () {
    folder = mkdtempSync(join(tmpdir(), "chromoscope-policy-pack-"));
    cpSync(POLICY, folder, { recursive: true, filter: (source) => !source.includes("node_modules") });
    const install = spawnSync("npm", ["ci", "--offline", "--no-audit", "--no-fund", "--ignore-scripts"], {
      cwd: folder,
      encoding: "utf8",
      timeout: 180_000,
    });
    if (install.status !== 0) {
      const reason = `npm ci --offline failed in a copy of policy/ (${install.stderr.trim().split("\n").pop()}): ${CACHE_HINT}`;
      if (process.env.CI === "true") throw new Error(reason);
      console.log(`      NOTICE: skipping the isolated policy-pack tests: ${reason}`);
      this.skip();
    }
  });

  after(() => {
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it("holds everything it needs: its own lock file, and no node_modules copied from the project", () => {
    assert.ok(existsSync(join(folder, "package-lock.json")));
    assert.ok(existsSync(join(folder, "node_modules", "@pulumi", "policy")));
    assert.ok(!existsSync(join(folder, "..", "components")), "the copy lies outside the project");
  });

  it("type-checks with its own tsconfig and its own TypeScript", () => {
    const tsc = spawnSync(process.execPath, [join(folder, "node_modules", "typescript", "bin", "tsc"), "-p", folder], {
      cwd: folder,
      encoding: "utf8",
    });
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
  });

  it("loads its rules there and runs them: the same rules as the project's, an open block reported", () => {
    const run = spawnSync(process.execPath, ["--require", "ts-node/register/transpile-only", "-e", RUN_RULES], {
      cwd: folder,
      encoding: "utf8",
      env: { ...process.env, TS_NODE_PROJECT: join(folder, "tsconfig.json") },
    });
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { names: string[]; closed: string[]; open: string[] };
    assert.deepEqual(
      result.names,
      policies.map((policy) => policy.name),
    );
    assert.deepEqual(result.closed, []);
    assert.equal(result.open.length, 1);
    assert.match(result.open[0], /restrictPublicBuckets/);
  });
});
