/**
 * The tools write only with header-signed requests. A deployed bucket's policy denies every
 * presigned (query-string signed) request but a read (policy/documents/bucket-policies.ts), so a tool that
 * wrote through a presigned URL would fail there although it works against a local server that
 * does not enforce bucket policies. Every command that writes runs here through the pass-through
 * fault proxy, which records how each request was signed.
 */
import * as assert from "node:assert/strict";
import { cohortsCommand } from "../../scripts/lib/cli/commands/cohorts-command";
import { publishCohortCommand } from "../../scripts/lib/cli/commands/publish-cohort-command";
import { refreshCohortCommand } from "../../scripts/lib/cli/commands/refresh-cohort-command";
import { revokeCohortCommand } from "../../scripts/lib/cli/commands/revoke-cohort-command";
import { FaultProxy, startFaultProxy } from "../support/fault-proxy";
import { TestBucket, startCohortBucket } from "../support/local-bucket";
import { run } from "../support/cli-runner";

describe("every request the tools send is header-signed (presigned writes are denied by the bucket policy)", function () {
  this.timeout(60_000);
  let bucket: TestBucket;
  let proxy: FaultProxy;
  let manifest: string;

  before(async () => {
    ({ bucket, manifest } = await startCohortBucket("cohorts/signing/", 3));
    proxy = await startFaultProxy({ target: bucket.server.endpoint });
  });
  after(async () => {
    await proxy.close();
    await bucket.close();
  });

  it("publish (with its share page), refresh, cohorts and revoke: every PUT, DELETE and read carries an Authorization header", async () => {
    const stack = ["--outputs", bucket.outputsFile, "--endpoint", proxy.endpoint];
    const steps = [
      await run(publishCohortCommand, [
        ...stack,
        "--cohort",
        "Signed writes",
        "--manifest",
        manifest,
        "--upload-share-page",
      ]),
      await run(refreshCohortCommand, [...stack, "--cohort", "Signed writes", "--upload-share-page"]),
      await run(cohortsCommand, [...stack]),
      await run(revokeCohortCommand, [...stack, "--cohort", "Signed writes"]),
    ];
    for (const step of steps) assert.equal(step.code, 0, step.stderr);

    const writes = proxy.requests.filter((request) => request.method !== "GET" && request.method !== "HEAD");
    const written = new Set(
      writes.map((request) => `${request.operation} ${request.key.split("/")[0]}/ ${request.key.split(".").pop()}`),
    );
    // Non-vacuous: configs, share pages and ledger entries were written, and configs and pages deleted.
    const expectedWrites = ["PutObject configs/ json", "PutObject configs/ html", "PutObject ledger/ json"];
    expectedWrites.push("DeleteObject configs/ json", "DeleteObject configs/ html");
    for (const expected of expectedWrites) {
      assert.ok(written.has(expected), `no ${expected} among ${[...written].join(", ")}`);
    }
    const notHeaderSigned = proxy.requests
      .filter((request) => request.signedIn !== "header")
      .map((request) => `${request.method} ${request.url} (${request.signedIn})`);
    assert.deepEqual(notHeaderSigned, []);
  });
});
