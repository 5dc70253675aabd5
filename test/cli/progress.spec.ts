/**
 * Progress on a terminal from the first second: a step that runs longer than a second shows a line
 * on stderr (listing, checking, signing, uploading), a quick one prints nothing, and off a terminal
 * nothing is drawn; stdout never carries it.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { publishCohort } from "../../scripts/lib/publication/publish";
import { fromStackKey } from "../../scripts/lib/s3/credentials";
import { ObjectStore } from "../../scripts/lib/s3/object-store";
import { parseStackOutputs } from "../../scripts/lib/s3/outputs-source";
import {
  formatBytes,
  PROGRESS_DELAY_MS,
  stderrStream,
  terminalProgress,
  terminalTransferProgress,
} from "../../scripts/lib/cli/output/progress-bar";
import { publishCohortCommand } from "../../scripts/lib/cli/commands/publish-cohort-command";
import { run } from "../support/cli-runner";
import { PRESIGNER_KEY, TestBucket, startCohortBucket } from "../support/local-bucket";

const PREFIX = "cohorts/progress/";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The store, with a listing that takes `delayMs` before its first object (a large bucket). */
function slowListing(store: ObjectStore, delayMs: number): ObjectStore {
  return {
    ...store,
    bucket: store.bucket,
    async *list(prefix, options) {
      await sleep(delayMs);
      yield* store.list(prefix, options);
    },
    put: (...args) => store.put(...args),
    remove: (...args) => store.remove(...args),
    read: (...args) => store.read(...args),
  };
}

describe("progress on a terminal", function () {
  this.timeout(60_000);
  let bucket: TestBucket;

  before(async () => {
    ({ bucket } = await startCohortBucket(PREFIX, 3));
  });
  after(() => bucket.close());

  async function publishWithProgress(isTTY: boolean, listingDelayMs: number): Promise<string> {
    let drawn = "";
    const progress = terminalProgress(isTTY, stderrStream({ stderr: (text) => (drawn += text) }));
    const outputs = parseStackOutputs(JSON.parse(readFileSync(bucket.outputsFile, "utf8")), "test outputs");
    await publishCohort(
      {
        cohort: "Progress",
        source: { kind: "prefix", prefix: PREFIX, cancer: "Breast", assembly: "hg38" },
        dryRun: true,
      },
      {
        outputs,
        credentials: fromStackKey(PRESIGNER_KEY),
        store: slowListing(bucket.store, listingDelayMs),
        endpoint: bucket.server.endpoint,
        now: () => new Date(),
        randomHex: () => "0123abcd",
        progress,
      },
    );
    return drawn;
  }

  it("a listing that runs past a second shows its line from the first second, counting objects", async () => {
    const drawn = await publishWithProgress(true, PROGRESS_DELAY_MS + 500);
    assert.match(drawn, /reading +0 objects listed…/);
    assert.doesNotMatch(drawn, /signing/, "the quick signing step draws nothing");
  });

  it("quick steps draw nothing, and off a terminal nothing is ever drawn", async () => {
    assert.equal(await publishWithProgress(true, 0), "");
    assert.equal(await publishWithProgress(false, PROGRESS_DELAY_MS + 500), "");
  });

  it("a step with a known total shows a bar with the count and what is left", async () => {
    let drawn = "";
    const progress = terminalProgress(true, stderrStream({ stderr: (text) => (drawn += text) }));
    progress.start("sign", 10);
    progress.tick(4);
    await sleep(PROGRESS_DELAY_MS + 200);
    progress.tick();
    progress.stop();
    assert.match(drawn, /signing +\[=+-+\] 40% 4\/10 samples, \d+s left/);
  });

  it("an upload shows bytes sent, the rate and files done", async () => {
    let drawn = "";
    let clock = 0;
    const progress = terminalTransferProgress(true, stderrStream({ stderr: (text) => (drawn += text) }), () => clock);
    progress.start(4_000_000, 2);
    progress.advance("checked", 2_000_000);
    clock = 1000;
    progress.advance("sent", 1_000_000);
    progress.fileDone();
    await sleep(PROGRESS_DELAY_MS + 200);
    progress.advance("sent", 0);
    progress.stop();
    assert.match(drawn, /uploading +\[=+-+\] 75% \| 1\.0 MB sent, 1\.0 MB\/s \| 1\/2 files \| 1s left/);
  });

  it("an upload's total grows when a file read to compare must be sent too: never past 100% while sending", async () => {
    let drawn = "";
    const progress = terminalTransferProgress(true, stderrStream({ stderr: (text) => (drawn += text) }), () => 0);
    progress.start(2_000_000, 1);
    progress.advance("checked", 2_000_000);
    progress.grow(2_000_000);
    progress.advance("sent", 1_000_000);
    await sleep(PROGRESS_DELAY_MS + 200);
    progress.advance("sent", 0);
    progress.stop();
    assert.match(drawn, /uploading +\[=+-+\] 75% \| 1\.0 MB sent/);
    assert.doesNotMatch(drawn, /100%|-\d+s left/);
  });

  it("a stopped upload bar draws nothing more (after an interrupt, the error lines stay as printed)", async () => {
    let drawn = "";
    const progress = terminalTransferProgress(true, stderrStream({ stderr: (text) => (drawn += text) }), () => 0);
    progress.start(4_000_000, 2);
    await sleep(PROGRESS_DELAY_MS + 200);
    progress.advance("sent", 1_000_000);
    progress.stop();
    const before = drawn;
    progress.advance("sent", 1_000_000);
    progress.fileDone();
    assert.equal(drawn, before);
  });

  it("bytes read in decimal units, as S3 counts them", () => {
    assert.deepEqual([0, 999, 1000, 12_345_678, 2.5e12].map(formatBytes), [
      "0 B",
      "999 B",
      "1.0 KB",
      "12 MB",
      "2.5 TB",
    ]);
  });

  it("with --json on a terminal, stdout holds only the JSON", async () => {
    const result = await run(
      publishCohortCommand,
      [
        ...["--outputs", bucket.outputsFile, "--endpoint", bucket.server.endpoint, "--cohort", "Progress"],
        ...["--prefix", PREFIX, "--cancer", "Breast", "--assembly", "hg38", "--json"],
      ],
      { isTTY: true },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotThrow(() => JSON.parse(result.stdout));
  });
});
