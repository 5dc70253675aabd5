/** The existence check lists the folder that holds every referenced key of a prefix, and no wider. */
import * as assert from "node:assert/strict";
import { commonFolder } from "../../scripts/lib/cohort/existence";

describe("existence checks", () => {
  it("lists the deepest folder shared by a prefix's keys", () => {
    assert.equal(commonFolder(["cohorts/p/A/a.bedpe", "cohorts/p/B/b.bedpe"], "cohorts/"), "cohorts/p/");
    assert.equal(commonFolder(["cohorts/a.bedpe", "cohorts/b.bedpe"], "cohorts/"), "cohorts/");
    assert.equal(commonFolder(["cohorts/p/A/a.bedpe"], "cohorts/"), "cohorts/p/A/");
  });
});
