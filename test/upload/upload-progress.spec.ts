/**
 * What the upload tells its progress line: the total counts every byte read (to compare with S3's
 * checksum, or to send), and grows when a file read to compare turns out to differ, so the line
 * never passes 100% while bytes still move; an interrupt stops the line at once, before the parts in
 * flight settle, so that nothing is drawn over the error lines that follow.
 */
import * as assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TransferProgress, uploadFolder } from "../../scripts/lib/upload/folder-upload";
import { readLocalFolder } from "../../scripts/lib/upload/local-folder";
import { seededBytes } from "../../scripts/lib/dev/seeded-random";
import { startTestBucket, TestBucket } from "../support/local-bucket";

const PREFIX = "cohorts/progress/";
const MIB = 1024 * 1024;

/** Records every call, and checks the bytes read never pass the total as it stands. */
function recordingProgress(onAdvance: () => void = () => undefined) {
  const events: string[] = [];
  let total = 0;
  let advanced = 0;
  const progress: TransferProgress = {
    start: (bytes) => {
      total = bytes;
      events.push(`start ${bytes}`);
    },
    grow: (bytes) => {
      total += bytes;
      events.push(`grow ${bytes}`);
    },
    advance: (kind, bytes) => {
      advanced += bytes;
      assert.ok(advanced <= total, `${advanced} bytes read of a total of ${total}`);
      events.push(kind);
      onAdvance();
    },
    fileDone: () => undefined,
    stop: () => events.push("stop"),
  };
  return { progress, events, totals: () => ({ total, advanced }) };
}

describe("upload-cohort's progress line", function () {
  this.timeout(60_000);
  let bucket: TestBucket;
  let folder: string;
  const target = () => ({ client: bucket.client, store: bucket.store, bucket: bucket.bucket });

  beforeEach(async () => {
    bucket = await startTestBucket();
    folder = join(bucket.directory, "cohort");
    mkdirSync(join(folder, "S1"), { recursive: true });
  });
  afterEach(() => bucket.close());

  it("a file of the same size with other bytes: the total grows by the bytes to send, and ends at 100%", async () => {
    const local = seededBytes(300_000, 3);
    writeFileSync(join(folder, "S1/S1.bam"), local);
    writeFileSync(join(folder, "S1/S1.sv.bedpe"), "chrom1\tstart1\n");
    await bucket.upload([{ key: `${PREFIX}S1/S1.bam`, body: seededBytes(300_000, 4) }]);
    const { progress, events, totals } = recordingProgress();
    await uploadFolder(readLocalFolder(folder).files, PREFIX, target(), { concurrency: 1, progress });
    assert.deepEqual(events.slice(0, 2), [`start ${300_000 + 14}`, "checked"], "the BAM read once to compare");
    assert.ok(events.includes(`grow ${300_000}`), events.join(", "));
    assert.deepEqual(totals(), { total: 2 * 300_000 + 14, advanced: 2 * 300_000 + 14 });
    assert.ok((await bucket.store.read(`${PREFIX}S1/S1.bam`)).equals(local));
  });

  it("an interrupt stops the line at once, before the parts in flight settle", async () => {
    writeFileSync(join(folder, "S1/S1.bam"), seededBytes(12 * MIB, 5));
    const interruption = new AbortController();
    const { progress, events } = recordingProgress(() => {
      if (interruption.signal.aborted) return;
      interruption.abort("SIGINT");
      events.push("aborted");
    });
    await assert.rejects(
      uploadFolder(readLocalFolder(folder).files, PREFIX, target(), {
        concurrency: 1,
        partSize: 5 * MIB,
        interruption: interruption.signal,
        progress,
      }),
      { name: "InterruptedError" },
    );
    const aborted = events.indexOf("aborted");
    assert.equal(events[aborted - 1], "stop", `the line stopped as the signal came: ${events.join(", ")}`);
  });
});
