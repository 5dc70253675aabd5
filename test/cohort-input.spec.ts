import * as assert from "node:assert/strict";
import { parseChromoscopeLink, chromoscopeLink, buildConfig } from "../scripts/lib/publication/chromoscope";
import { discoverSamples, roleOf } from "../scripts/lib/cohort/discover";
import { parseDuration, formatDuration } from "../scripts/lib/text-format";
import { CliError } from "../scripts/lib/errors";
import { commonFolder, headerColumns } from "../scripts/lib/cohort/existence";
import { decideExpiry } from "../scripts/lib/publication/expiry";
import { parseManifest } from "../scripts/lib/cohort/manifest";
import {
  cohortNameProblem,
  cohortSlug,
  compactTimestamp,
  configObjectKey,
  publicationStem,
} from "../scripts/lib/naming";
import { formatProblem } from "../scripts/lib/cohort/samples";
import { resolveObjectKey, validateSamples } from "../scripts/lib/cohort/validate";

const rules = { bucket: "lab-bucket", dataPrefixes: ["cohorts/"] };

function manifest(name: string, text: string | Buffer) {
  return parseManifest(name, Buffer.isBuffer(text) ? text : Buffer.from(text));
}

function thrown(action: () => unknown): CliError {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof CliError, `expected a CliError, got ${error}`);
    return error;
  }
  assert.fail("did not throw");
}

describe("durations (--expires)", () => {
  for (const [text, seconds] of [
    ["3600", 3600],
    ["90m", 5400],
    ["36h", 129600],
    ["7d", 604800],
    ["8d", 691200],
    ["604801s", 604801],
  ] as const) {
    it(`parses ${text} as ${seconds} s`, () => assert.equal(parseDuration(text), seconds));
  }
  for (const text of ["0", "-1", "1e9", "abc", "1.5h", "", "7 days", "0d", "12345678901"]) {
    it(`refuses ${JSON.stringify(text)} as a usage error naming the option`, () => {
      const error = thrown(() => parseDuration(text));
      assert.equal(error.exitCode, 2);
      assert.match(error.message, /^--expires ".*" is not a duration$/);
      assert.match(error.fix!, /e\.g\. --expires 36h/);
    });
  }
  it("formats whole units", () => {
    assert.deepEqual([604800, 129600, 5400, 61].map(formatDuration), ["7d", "36h", "90m", "61s"]);
  });
});

describe("expiry policy", () => {
  const now = new Date("2026-11-27T12:00:00Z");
  const longTerm = { kind: "stack-presigner" as const };
  it("defaults to the tightest of S3, the stack and the session", () => {
    assert.equal(decideExpiry({ maxLinkLifetimeSeconds: 604800, credentials: longTerm, now }).seconds, 604800);
    assert.equal(decideExpiry({ maxLinkLifetimeSeconds: 86400, credentials: longTerm, now }).limit, "stack");
    const session = decideExpiry({
      maxLinkLifetimeSeconds: 604800,
      credentials: { kind: "session", expiresAt: new Date("2026-11-27T15:00:00Z") },
      now,
    });
    assert.equal(session.seconds, 3 * 3600);
    assert.equal(session.limit, "session");
  });
  it("refuses a request beyond the session and says when the credentials expire", () => {
    const error = thrown(() =>
      decideExpiry({
        requestedSeconds: 4 * 3600,
        maxLinkLifetimeSeconds: 604800,
        credentials: { kind: "session", expiresAt: new Date("2026-11-27T15:00:00Z") },
        now,
      }),
    );
    assert.equal(error.exitCode, 1);
    assert.match(error.message, /expire at 2026-11-27T15:00:00\.000Z \(in 3 hours\)/);
    assert.match(error.fix!, /--expires 3h, add --clamp, or sign with IAM-user long-term keys/);
  });
  it("clamps on request, with a warning", () => {
    const decision = decideExpiry({
      requestedSeconds: 691200,
      clamp: true,
      maxLinkLifetimeSeconds: 604800,
      credentials: longTerm,
      now,
    });
    assert.equal(decision.seconds, 604800);
    assert.match(decision.warnings[0], /shortened to 7d/);
  });
  it("limits session credentials without an expiry to an hour, with a warning", () => {
    const decision = decideExpiry({ maxLinkLifetimeSeconds: 604800, credentials: { kind: "session" }, now });
    assert.equal(decision.seconds, 3600);
    assert.match(decision.warnings[0], /do not say when they expire/);
  });
  it("refuses credentials that are about to expire", () => {
    assert.match(
      thrown(() =>
        decideExpiry({
          maxLinkLifetimeSeconds: 604800,
          credentials: { kind: "session", expiresAt: new Date(now.getTime() + 30_000) },
          now,
        }),
      ).message,
      /less than a minute/,
    );
  });
});

describe("cohort names and keys", () => {
  it("accepts names people write", () => {
    for (const name of [
      "PCAWG BRCA",
      "Demo Breast (hg38)",
      "Lab_42-cohort.v2",
      "Ovary, relapse",
      "Étude Lyon",
      "O'Neil+1",
    ]) {
      assert.equal(cohortNameProblem(name), undefined, name);
    }
  });
  const hostile = [
    "",
    "a/b",
    "..",
    "../x",
    ".hidden",
    "a\\b",
    "a&b",
    "a#b",
    "a?b",
    "a%2F",
    "tab\there",
    "nl\nx",
    " lead",
    "x".repeat(101),
  ];
  for (const name of hostile) {
    it(`refuses ${JSON.stringify(name.length > 20 ? `${name.slice(0, 10)}…(${name.length})` : name)}`, () =>
      assert.notEqual(cohortNameProblem(name), undefined));
  }
  it("keys configs by slug and UTC stamp, never by the raw name", () => {
    const stem = publicationStem("Demo Breast (hg38)", new Date("2026-11-27T09:08:07.006Z"), "0a1b2c3d");
    assert.equal(stem, "demo-breast-hg38/20261127T090807006Z-0a1b2c3d");
    assert.equal(configObjectKey("configs/", stem), "configs/demo-breast-hg38/20261127T090807006Z-0a1b2c3d.json");
    assert.equal(cohortSlug("Étude Lyon"), "etude-lyon");
    assert.equal(compactTimestamp(new Date("2026-01-02T03:04:05.678Z")), "20260102T030405678Z");
  });
});

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

describe("Chromoscope config and link", () => {
  it("keeps external= last and raw, and parses back as the app does", () => {
    const configUrl =
      "https://b.s3.eu-west-2.amazonaws.com/configs/x.json?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20261127%2Feu-west-2%2Fs3%2Faws4_request&X-Amz-Signature=ab";
    const link = chromoscopeLink({ viewerUrl: "https://chromoscope.bio/app/", cohort: "A & B #1", configUrl });
    assert.equal(
      link,
      `https://chromoscope.bio/app/?showSamples=false&cohortId=A%20%26%20B%20%231&external=${configUrl}`,
    );
    const parsed = parseChromoscopeLink(link);
    assert.equal(parsed.external, configUrl);
    assert.equal(parsed.cohortId, "A & B #1");
    const deep = parseChromoscopeLink(
      chromoscopeLink({ viewerUrl: "https://chromoscope.bio/app/", cohort: "c", configUrl, demoIndex: 2 }),
    );
    assert.equal(deep.external, configUrl);
    assert.equal(deep.demoIndex, 2);
  });

  it("serialises valid JSON with Chromoscope's field order, signing each file once", () => {
    const signed: string[] = [];
    const config = buildConfig(
      "c",
      [{ sample: { note: "n", cnv: "k2", sv: "k1", assembly: "hg38", cancer: "Breast", id: "PD1" }, source: "line 2" }],
      (key) => {
        signed.push(key);
        return `https://signed/${key}`;
      },
    );
    const text = Buffer.concat(config.chunks).toString();
    assert.equal(config.byteLength, Buffer.byteLength(text));
    assert.deepEqual(JSON.parse(text), {
      name: "c",
      samples: [
        { id: "PD1", cancer: "Breast", assembly: "hg38", sv: "https://signed/k1", cnv: "https://signed/k2", note: "n" },
      ],
    });
    assert.deepEqual(Object.keys(JSON.parse(text).samples[0]), ["id", "cancer", "assembly", "sv", "cnv", "note"]);
    assert.deepEqual(signed, ["k1", "k2"]);
    assert.equal(config.urlCount, 2);
  });
});

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
