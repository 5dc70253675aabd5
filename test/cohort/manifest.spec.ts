/** Manifests in TSV, CSV and JSON: what is read, and every problem reported with its line. */
import * as assert from "node:assert/strict";
import { parseManifest } from "../../scripts/lib/cohort/manifest";
import { formatProblem } from "../../scripts/lib/cohort/samples";
import { thrown } from "../support/thrown";

function manifest(name: string, text: string | Buffer) {
  return parseManifest(name, Buffer.isBuffer(text) ? text : Buffer.from(text));
}

describe("manifest parsing", () => {
  const header = "id\tcancer\tassembly\tsv\tcnv";
  const row = "PD1\tBreast\thg38\tcohorts/x/PD1.bedpe\tcohorts/x/PD1.cnv.tsv";

  it("reads TSV with a BOM, CRLF line ends and blank lines", () => {
    const parsed = manifest(
      "m.tsv",
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${header}\r\n\r\n${row}\r\n\r\n`)]),
    );
    assert.deepEqual(parsed.problems, []);
    assert.equal(parsed.samples.length, 1);
    assert.equal(parsed.samples[0].sample.id, "PD1");
    assert.equal(parsed.samples[0].source, "line 3");
  });

  it("reads quoted CSV fields that hold commas and tabs", () => {
    const parsed = manifest(
      "m.csv",
      `id,cancer,assembly,sv,cnv,note\nPD1,Breast,hg38,cohorts/x/a.bedpe,cohorts/x/a.tsv,"relapse, left\tbreast"\n`,
    );
    assert.deepEqual(parsed.problems, []);
    assert.equal(parsed.samples[0].sample.note, "relapse, left\tbreast");
  });

  it("reads JSON arrays and {samples: [...]} with inline drivers", () => {
    const sample = {
      id: "PD1",
      cancer: "Breast",
      assembly: "hg38",
      sv: "cohorts/a.bedpe",
      cnv: "cohorts/a.tsv",
      drivers: [{ chr: "chr17", pos: 7675088, gene: "TP53" }],
    };
    for (const text of [JSON.stringify([sample]), JSON.stringify({ name: "x", samples: [sample] })]) {
      const parsed = manifest("m.json", text);
      assert.deepEqual(parsed.problems, []);
      assert.deepEqual(parsed.samples[0].sample.drivers, sample.drivers);
    }
  });

  const refusals: Array<[string, string, string | Buffer, RegExp]> = [
    ["duplicate columns", "m.tsv", `id\tcancer\tid\n1\t2\t3`, /names the column "id" twice/],
    ["a missing header", "m.tsv", row, /the first line is not a header/],
    [
      "an unknown column with a suggestion",
      "m.tsv",
      `${header}\tbamIndex\n${row}\tx`,
      /unknown column "bamIndex".*rename it to "bai"/,
    ],
    ["a typo close to a field", "m.tsv", `${header}\tvcfIndx\n${row}\tx`, /rename it to "vcfIndex"/],
    [
      "a row with the wrong number of fields",
      "m.tsv",
      `${header}\n${row}\textra`,
      /line 2: has 6 fields but the header has 5/,
    ],
    [
      "a 10 MB field",
      "m.tsv",
      `${header}\tnote\n${row}\t${"x".repeat(10 * 1024 * 1024)}`,
      /line 2: is longer than \d+ bytes \(fix: keep every field under 16384 characters\)/,
    ],
    [
      "a 20,000-character note",
      "m.tsv",
      `${header}\tnote\n${row}\t${"x".repeat(20_000)}`,
      /line 2: note is 20000 characters long \(at most 16384\)/,
    ],
    ["JSON that is not an array of objects", "m.json", `{"id": "PD1"}`, /not an array of sample objects/],
    ["JSON samples that are not objects", "m.json", `[1, "x"]`, /sample #1: is not an object/],
    ["JSON with a number where a string belongs", "m.json", `[{"id": 5}]`, /id is a number, not a string/],
    ["invalid JSON", "m.json", `[{"id": "x"`, /is not valid JSON/],
    ["an empty manifest", "m.tsv", "", /holds no samples/],
  ];
  for (const [what, name, text, message] of refusals) {
    it(`reports ${what}`, () => {
      const parsed = manifest(name, text);
      assert.ok(parsed.problems.length > 0, "no problem reported");
      assert.match(parsed.problems.map(formatProblem).join("\n"), message);
    });
  }

  it("refuses binary garbage and non-UTF-8 as input errors", () => {
    assert.equal(
      thrown(() => manifest("m.tsv", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d])))
        .exitCode,
      1,
    );
    assert.match(thrown(() => manifest("m.tsv", Buffer.from("id\tcancer\n\u0000\u0001\u0002"))).message, /binary data/);
  });
});
