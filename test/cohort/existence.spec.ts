/** The existence check's helpers: the folder a listing starts from, and a text file's header columns. */
import * as assert from "node:assert/strict";
import { commonFolder, headerColumns } from "../../scripts/lib/cohort/existence";

describe("existence checks", () => {
  it("lists the deepest folder shared by a prefix's keys", () => {
    assert.equal(commonFolder(["cohorts/p/A/a.bedpe", "cohorts/p/B/b.bedpe"], "cohorts/"), "cohorts/p/");
    assert.equal(commonFolder(["cohorts/a.bedpe", "cohorts/b.bedpe"], "cohorts/"), "cohorts/");
    assert.equal(commonFolder(["cohorts/p/A/a.bedpe"], "cohorts/"), "cohorts/p/A/");
  });
  it("reads header columns, allowing a leading #", () => {
    assert.deepEqual(headerColumns(Buffer.from("#chrom1\tstart1\n1\t2")), ["chrom1", "start1"]);
    assert.equal(headerColumns(Buffer.from([0x1f, 0x8b, 8, 0])), undefined);
  });
});
