/** Sample validation: required fields, paired indexes, formats Chromoscope reads, and object keys inside the stack's bucket and data prefixes. */
import * as assert from "node:assert/strict";
import { formatProblem } from "../../scripts/lib/cohort/samples";
import { resolveObjectKey, validateSamples } from "../../scripts/lib/cohort/validate";

const rules = { bucket: "lab-bucket", dataPrefixes: ["cohorts/"] };

describe("sample validation", () => {
  const base = {
    id: "PD1",
    cancer: "Breast",
    assembly: "hg38",
    sv: "cohorts/a/PD1.bedpe",
    cnv: "cohorts/a/PD1.cnv.tsv",
  };
  const check = (sample: Record<string, unknown>) =>
    validateSamples([{ sample: sample as never, source: "line 2" }], rules);

  it("accepts a complete sample and resolves s3:// URIs of the stack's bucket to keys", () => {
    const result = check({ ...base, sv: "s3://lab-bucket/cohorts/a/PD1.bedpe" });
    assert.deepEqual(result.problems, []);
    assert.equal(result.samples[0].sample.sv, "cohorts/a/PD1.bedpe");
  });

  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ["a missing required field", { ...base, cnv: undefined }, /cnv is missing/],
    ["an unknown assembly", { ...base, assembly: "GRCh37" }, /assembly "GRCh37" is not supported.*hg19 or hg38/],
    ["vcf without vcfIndex", { ...base, vcf: "cohorts/a/x.vcf.gz" }, /vcf is set without vcfIndex/],
    ["bai without bam", { ...base, bai: "cohorts/a/x.bai" }, /bai is set without bam/],
    [
      "an uncompressed VCF",
      { ...base, vcf: "cohorts/a/x.vcf", vcfIndex: "cohorts/a/x.vcf.tbi" },
      /vcf "cohorts\/a\/x\.vcf" is not a \.vcf\.gz file/,
    ],
    ["a CSI index", { ...base, vcf: "cohorts/a/x.vcf.gz", vcfIndex: "cohorts/a/x.vcf.gz.csi" }, /cannot read CSI/],
    [
      "a .json drivers file",
      { ...base, drivers: "cohorts/a/drivers.json" },
      /\.json file, which Chromoscope cannot recognise once presigned/,
    ],
    [
      "another bucket",
      { ...base, sv: "s3://other-bucket/cohorts/a.bedpe" },
      /is in bucket "other-bucket", not the stack's bucket "lab-bucket"/,
    ],
    ["an absolute path", { ...base, sv: "/data/PD1.bedpe" }, /is an absolute path/],
    ["a ../ segment", { ...base, sv: "cohorts/../secrets/x.bedpe" }, /has a "\." or "\.\." segment/],
    ["a URL", { ...base, sv: "https://example.org/x.bedpe" }, /is a URL/],
    ["a key outside the data prefixes", { ...base, sv: "configs/x.bedpe" }, /outside the data prefixes \(cohorts\/\)/],
    ["a backslash", { ...base, sv: "cohorts\\a.bedpe" }, /contains a backslash/],
    ["an id with a slash", { ...base, id: "PD/1" }, /id "PD\/1" contains characters that are not allowed/],
    ["an id with markup", { ...base, id: "<img src=x onerror=alert(1)>" }, /contains characters that are not allowed/],
    ["an empty id", { ...base, id: "" }, /id is missing/],
  ];
  for (const [what, sample, message] of cases) {
    it(`reports ${what}`, () => {
      const result = check(sample);
      assert.equal(result.samples.length, 0);
      assert.match(result.problems.map(formatProblem).join("\n"), message);
    });
  }

  it("reports every problem of every sample at once", () => {
    const result = validateSamples(
      [
        { sample: { ...base, assembly: "x", cnv: undefined }, source: "line 2" },
        { sample: { ...base, id: "PD2", vcf: "cohorts/a/x.vcf.gz" }, source: "line 3" },
      ],
      rules,
    );
    assert.equal(result.problems.length, 3);
  });

  it("resolves raw keys without encoding them", () => {
    assert.deepEqual(resolveObjectKey("cohorts/a b/+/ü(1)!*'.bedpe", rules), { key: "cohorts/a b/+/ü(1)!*'.bedpe" });
  });
});
