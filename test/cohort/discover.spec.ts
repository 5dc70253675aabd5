/** Discovery by prefix: which file plays which role, and what is left out. */
import * as assert from "node:assert/strict";
import { discoverSamples, roleOf } from "../../scripts/lib/cohort/discover";

describe("discovery", () => {
  const list = (keys: string[]) => keys.map((key) => ({ key, size: 10 }));
  const options = { prefix: "cohorts/p/", cancer: "Breast", assembly: "hg38", bucket: "b" };
  it("matches files by suffix", () => {
    assert.equal(roleOf("PD1.somatic.sv.bedpe"), "sv");
    assert.equal(roleOf("PD1.cna.annotated.tsv"), "cnv");
    assert.equal(roleOf("PD1.drivers.tsv"), "drivers");
    assert.equal(roleOf("PD1.indel.vcf.gz.tbi"), "vcf2Index");
    assert.equal(roleOf("PD1.bam.bai"), "bai");
    assert.equal(roleOf("README.md"), undefined);
  });
  it("ignores unknown files and deeper folders", async () => {
    const found = await discoverSamples(
      list(["cohorts/p/A/A.bedpe", "cohorts/p/A/A.cnv.tsv", "cohorts/p/A/README.md", "cohorts/p/A/sub/x.bedpe"]),
      options,
    );
    assert.deepEqual(found.problems, []);
    assert.deepEqual(found.ignored, ["cohorts/p/A/README.md", "cohorts/p/A/sub/x.bedpe"]);
    assert.deepEqual(found.layout, { folders: 1, flat: 0 });
  });
});
