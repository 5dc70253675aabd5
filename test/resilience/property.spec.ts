/**
 * Property-based tests (fast-check) of everything that reads user input: manifests, samples, cohort
 * names, durations and stack outputs. For random input each either accepts it — and then what it
 * accepted round-trips or obeys the rules — or rejects it with a message and a fix (a Problem, or a
 * CliError with its exit code); it never throws anything else. Sizes and run counts are bounded so
 * the file runs in seconds; every run uses a fixed seed, which fast-check prints with any failure
 * (re-run with `{ seed, path }` from its report to replay the counterexample).
 */
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { chromoscopeLink, parseChromoscopeLink } from "../../scripts/lib/publication/chromoscope";
import { parseDuration } from "../../scripts/lib/text-format";
import { CliError, UsageError, ValidationError } from "../../scripts/lib/errors";
import { parseManifest } from "../../scripts/lib/cohort/manifest";
import {
  assertCohortName,
  cohortNameProblem,
  cohortSlug,
  configObjectKey,
  ledgerObjectKey,
  publicationStem,
  sampleIdProblem,
} from "../../scripts/lib/naming";
import { FILE_FIELDS, MANIFEST_COLUMNS, Problem, SampleInput } from "../../scripts/lib/cohort/samples";
import { parseStackOutputs } from "../../scripts/lib/s3/outputs-source";
import { validateSamples } from "../../scripts/lib/cohort/validate";

const SEED = 20261127;
const RUNS = { seed: SEED, numRuns: 300 } as const;
const rules = { bucket: "lab-bucket", dataPrefixes: ["cohorts/", "more/data/"] };
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

function assertProblem(problem: Problem): void {
  for (const part of [problem.source, problem.message, problem.fix])
    assert.ok(typeof part === "string" && part.length > 0, JSON.stringify(problem));
}

/** A rejection must be a CliError with a one-line message (user data escaped), a fix and the expected exit code. */
function assertRejection(error: unknown, exitCode: number): void {
  if (!(error instanceof CliError)) throw error;
  assert.equal(error.exitCode, exitCode, error.message);
  assert.ok(error.message.length > 0 && error.fix && error.fix.length > 0, error.message);
  assert.doesNotMatch(error.message, UNPRINTABLE, `one printable line: ${JSON.stringify(error.message)}`);
}

/** Any text: arbitrary code points, printable graphemes from every script, or Latin-1 with controls. */
const anyText = (maxLength: number) =>
  fc.oneof(
    fc.string({ unit: "binary", maxLength }),
    fc.string({ unit: "grapheme", maxLength }),
    fc.string({ unit: "binary-ascii", maxLength }),
  );

/** Printable, trimmed, non-empty values (what a cell can hold and read back unchanged). */
const cellValue = fc
  .string({
    unit: fc.oneof(
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }),
      fc.constantFrom("\t", ",", '"', "'", "#", " ", ";"),
    ),
    minLength: 1,
    maxLength: 24,
  })
  .map((value) => value.trim())
  .filter((value) => value !== "" && !/[\r\n]/.test(value) && !UNPRINTABLE.test(value.replace(/\t/g, "")));

const keySegment = fc
  .string({
    unit: fc.oneof(
      fc.constantFrom("a", "B", "7", "_", "-", ".", " ", "+", "(", ")", "!", "*", "'"),
      fc.string({ unit: "grapheme-composite", minLength: 1, maxLength: 1 }),
    ),
    minLength: 1,
    maxLength: 12,
  })
  .map((segment) => segment.trim())
  .filter(
    (segment) =>
      segment !== "" && segment !== "." && segment !== ".." && !/[\\/]/.test(segment) && !UNPRINTABLE.test(segment),
  );
const objectKey = fc
  .tuple(fc.constantFrom(...rules.dataPrefixes), fc.array(keySegment, { minLength: 1, maxLength: 4 }))
  .map(([prefix, segments]) => `${prefix}${segments.join("/")}`);

const sampleId = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.:+-]{0,30}$/);
const validSample: fc.Arbitrary<SampleInput> = fc.record(
  {
    id: sampleId,
    cancer: cellValue.filter((value) => !value.includes("\t")),
    assembly: fc.constantFrom("hg19", "hg38"),
    sv: objectKey,
    cnv: objectKey,
    drivers: objectKey.map((key) => `${key}.tsv`),
    note: cellValue,
  },
  { requiredKeys: ["id", "cancer", "assembly", "sv", "cnv"] },
);
const validSamples = fc.uniqueArray(validSample, { minLength: 1, maxLength: 8, selector: (sample) => sample.id });

/** Writes samples as TSV or CSV, quoting what needs it as a spreadsheet would, with the given line end, BOM and blank lines. */
function delimited(
  samples: readonly SampleInput[],
  delimiter: "\t" | ",",
  options: { crlf: boolean; bom: boolean; blankLines: boolean },
): string {
  const columns = MANIFEST_COLUMNS.filter((column) =>
    samples.some((sample) => (sample as unknown as Record<string, unknown>)[column] !== undefined),
  );
  const quote = (value: string) =>
    value.includes(delimiter) || value.includes('"') || /[\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
  const end = options.crlf ? "\r\n" : "\n";
  const lines = [
    columns.join(delimiter),
    ...samples.map((sample) =>
      columns
        .map((column) => quote(String((sample as unknown as Record<string, unknown>)[column] ?? "")))
        .join(delimiter),
    ),
  ];
  return `${options.bom ? "\ufeff" : ""}${lines.join(options.blankLines ? `${end}${end}` : end)}${end}`;
}

describe("property: manifests round-trip or are refused with a reason", function () {
  this.timeout(60_000);

  it("a generated TSV, CSV or JSON manifest (any BOM, line end, quoting, blank lines) parses back to exactly its samples, which validate unchanged", () => {
    fc.assert(
      fc.property(
        validSamples,
        fc.constantFrom("tsv", "csv", "json"),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        (samples, format, crlf, bom, blankLines) => {
          const text =
            format === "json"
              ? `${bom ? "\ufeff" : ""}${JSON.stringify(blankLines ? { samples } : samples, null, crlf ? 2 : 0)}`
              : delimited(samples, format === "tsv" ? "\t" : ",", { crlf, bom, blankLines });
          const parsed = parseManifest(`cohort.${format}`, Buffer.from(text, "utf8"));
          assert.deepEqual(parsed.problems, []);
          assert.deepEqual(
            parsed.samples.map(({ sample }) => sample),
            samples.map((sample) =>
              Object.fromEntries(Object.entries(sample).filter(([, value]) => value !== undefined)),
            ),
          );
          const validated = validateSamples(parsed.samples, rules);
          assert.deepEqual(validated.problems, []);
          assert.deepEqual(
            validated.samples.map(({ sample }) => sample),
            parsed.samples.map(({ sample }) => sample),
          );
        },
      ),
      RUNS,
    );
  });

  it("random text, bytes, JSON and near-manifests are parsed or refused, never crash", () => {
    const header = fc.shuffledSubarray([...MANIFEST_COLUMNS, "bamIndex", "sample", "", "id", "__proto__"], {
      minLength: 0,
      maxLength: 8,
    });
    const nearManifest = fc
      .tuple(
        header,
        fc.array(fc.array(anyText(12), { maxLength: 9 }), { maxLength: 6 }),
        fc.constantFrom("\t", ","),
        fc.constantFrom("\n", "\r\n", "\r"),
      )
      .map(([columns, rows, delimiter, end]) =>
        [columns.join(delimiter), ...rows.map((row) => row.join(delimiter))].join(end),
      );
    const content = fc.oneof(
      anyText(300).map((text) => Buffer.from(text, "utf8")),
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      fc.jsonValue({ maxDepth: 4 }).map((value) => Buffer.from(JSON.stringify(value) ?? "null", "utf8")),
      fc
        .array(
          fc.dictionary(fc.oneof(fc.constantFrom(...MANIFEST_COLUMNS), anyText(8)), fc.jsonValue({ maxDepth: 2 }), {
            maxKeys: 8,
          }),
          { maxLength: 5 },
        )
        .map((value) => Buffer.from(JSON.stringify(value), "utf8")),
      nearManifest.map((text) => Buffer.from(text, "utf8")),
    );
    fc.assert(
      fc.property(content, fc.constantFrom("m.tsv", "m.csv", "m.json", "m.txt", "manifest"), (bytes, name) => {
        try {
          const parsed = parseManifest(name, bytes);
          parsed.problems.forEach(assertProblem);
          assert.ok(parsed.samples.length > 0 || parsed.problems.length > 0, "an empty result always says why");
          for (const { sample, source } of parsed.samples) {
            assert.ok(typeof source === "string" && source !== "");
            for (const [field, value] of Object.entries(sample)) {
              assert.ok(MANIFEST_COLUMNS.includes(field), `only Chromoscope's fields: ${field}`);
              assert.ok(
                typeof value === "string" || (field === "drivers" && Array.isArray(value)),
                `${field} is a string`,
              );
            }
            // Whatever the parser let through, validation handles without throwing.
            validateSamples([{ sample, source }], rules).problems.forEach(assertProblem);
          }
        } catch (error) {
          assertRejection(error, 1);
        }
      }),
      { ...RUNS, numRuns: 600 },
    );
  });
});

describe("property: sample validation accepts only what is safe to sign", function () {
  this.timeout(60_000);
  const fieldValue = fc.oneof(
    { weight: 4, arbitrary: anyText(40) },
    { weight: 3, arbitrary: objectKey },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "s3://lab-bucket/cohorts/x.bedpe",
        "s3://other/cohorts/x",
        "/etc/passwd",
        "cohorts/../ledger/x",
        "C:\\x",
        "https://x/y",
        "configs/x.json",
        "hg19",
        "hg38",
      ),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  );
  const anySample = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.dictionary(fc.oneof(fc.constantFrom(...MANIFEST_COLUMNS), anyText(6)), fieldValue, { maxKeys: 10 }),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  );

  it("never throws; every accepted sample has a legal id, a known assembly and keys under a data prefix with no relative segment", () => {
    fc.assert(
      fc.property(fc.array(anySample, { maxLength: 5 }), (samples) => {
        const result = validateSamples(
          samples.map((sample, index) => ({ sample: sample as unknown as SampleInput, source: `line ${index + 2}` })),
          rules,
        );
        result.problems.forEach(assertProblem);
        for (const { sample } of result.samples) {
          assert.equal(sampleIdProblem(sample.id), undefined);
          assert.ok(sample.assembly === "hg19" || sample.assembly === "hg38");
          for (const field of FILE_FIELDS) {
            const key = sample[field];
            if (key === undefined || Array.isArray(key)) continue;
            assert.ok(
              rules.dataPrefixes.some((prefix) => key.startsWith(prefix)),
              key,
            );
            assert.ok(!key.split("/").some((segment) => segment === "." || segment === ".."), key);
            assert.ok(!key.includes("\\") && !/[\u0000-\u001f\u007f]/.test(key), key);
            assert.ok(Buffer.byteLength(key) <= 1024);
          }
        }
      }),
      { ...RUNS, numRuns: 600 },
    );
  });
});

describe("property: cohort names", function () {
  this.timeout(60_000);
  const hostilePieces = fc.constantFrom(
    "/",
    "..",
    "\\",
    "&",
    "#",
    "?",
    "%",
    "\u0000",
    "\n",
    "\u202e",
    "\u200b",
    "\u2028",
    ".",
    " ",
    "%2F",
    "\ud800",
    "🧬",
  );
  const anyName = fc.oneof(
    anyText(40),
    fc.array(fc.oneof(anyText(4), hostilePieces), { maxLength: 8 }).map((parts) => parts.join("")),
    fc.string({ unit: "grapheme", minLength: 95, maxLength: 110 }),
  );
  const legalCharacter = fc.oneof(
    fc.constantFrom("a", "Z", "0", "9", "_", "é", "ß", "Ω", "δ", "肺", "が", "स", "्", "ि", "Ж", "ﬁ", "²"),
    fc.constantFrom(" ", ".", ",", "(", ")", "+", "'", "-"),
  );
  const legalName = fc
    .tuple(
      fc.constantFrom("a", "Z", "7", "_", "É", "肺", "Ω", "स"),
      fc.array(legalCharacter, { maxLength: 60 }),
      fc.constantFrom("", "x", ")", "9"),
    )
    .map(([first, middle, last]) => `${first}${middle.join("")}${last}`)
    .filter((name) => name === name.trim());

  function assertUsableName(name: string): void {
    assert.equal(assertCohortName(name), name);
    const slug = cohortSlug(name);
    assert.match(slug, /^[a-z0-9_][a-z0-9._-]{0,63}$/, `slug of ${JSON.stringify(name)}`);
    const stem = publicationStem(name, new Date("2026-11-27T10:00:00Z"), "0a1b2c3d");
    assert.match(
      configObjectKey("configs/", stem),
      /^configs\/[a-z0-9_][a-z0-9._-]*\/20261127T100000000Z-0a1b2c3d\.json$/,
    );
    assert.match(
      ledgerObjectKey("ledger/", stem),
      /^ledger\/[a-z0-9_][a-z0-9._-]*\/20261127T100000000Z-0a1b2c3d\.json$/,
    );
    const configUrl =
      "https://b.s3.eu-west-2.amazonaws.com/configs/x.json?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=ab";
    const link = chromoscopeLink({ viewerUrl: "https://chromoscope.bio/app/", cohort: name, configUrl });
    const parsed = parseChromoscopeLink(link);
    assert.equal(parsed.cohortId, name, "cohortId decodes back to the name");
    assert.equal(parsed.external, configUrl, "the name cannot disturb external=");
    assert.match(link.slice(0, link.indexOf("&external=")), /^[\x21-\x7e]+$/);
  }

  it("any name over the allowed alphabet is accepted, keyed by a safe slug, and round-trips through the link", () => {
    fc.assert(
      fc.property(legalName, (name) => assertUsableName(name)),
      RUNS,
    );
  });

  it("any other string is either usable as above or refused with a one-line reason and the rule", () => {
    fc.assert(
      fc.property(anyName, (name) => {
        const problem = cohortNameProblem(name);
        if (problem === undefined) {
          assertUsableName(name);
          return;
        }
        assert.doesNotMatch(problem, UNPRINTABLE);
        try {
          assertCohortName(name);
          assert.fail("accepted a name with a problem");
        } catch (error) {
          assertRejection(error, 1);
          assert.ok(error instanceof ValidationError);
          assert.match(error.fix!, /^pass --cohort with 1-100 characters/);
        }
      }),
      { ...RUNS, numRuns: 1000 },
    );
  });
});

describe("property: --expires", function () {
  this.timeout(30_000);
  const units = { s: 1, m: 60, h: 3600, d: 86400 } as const;

  it("a positive whole number with a unit parses to its seconds", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9_999_999_999 }), fc.constantFrom("s", "m", "h", "d"), (count, unit) => {
        assert.equal(parseDuration(`${count}${unit}`), count * units[unit]);
      }),
      RUNS,
    );
  });

  it("anything else is a usage error naming --expires, a bare number included", () => {
    fc.assert(
      fc.property(fc.oneof(anyText(16), fc.stringMatching(/^[-+ ]?[0-9.eE_x]{0,12}[smhdwy ]{0,2}$/)), (text) => {
        try {
          const seconds = parseDuration(text);
          assert.ok(Number.isSafeInteger(seconds) && seconds >= 1, `${JSON.stringify(text)} -> ${seconds}`);
          assert.match(text.trim(), /^[1-9]\d{0,9}[smhd]$/);
        } catch (error) {
          assertRejection(error, 2);
          assert.ok(error instanceof UsageError);
          assert.match(error.message, /^--expires .* (is not a duration|has no unit)$/);
        }
      }),
      { ...RUNS, numRuns: 1000 },
    );
  });
});

describe("property: stack outputs", function () {
  this.timeout(30_000);
  const valid = {
    bucketName: "chromoscope-data-3f9a2c1",
    bucketArn: "arn:aws:s3:::chromoscope-data-3f9a2c1",
    region: "eu-west-2",
    dataPrefixes: ["cohorts/"],
    configPrefix: "configs/",
    ledgerPrefix: "ledger/",
    allowedOrigins: ["https://chromoscope.bio"],
    maxLinkLifetimeSeconds: 604800,
    presignerKind: "user",
    presignerUserName: "chromoscope-presigner",
    activeKeySlot: "a",
    presignerAccessKeyId: "AKIAEXAMPLEKEYSLOTA1",
    presignerSecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    accessKeys: [
      {
        slot: "a",
        accessKeyId: "AKIAEXAMPLEKEYSLOTA1",
        createdAt: "2026-11-01T00:00:00Z",
        rotationDueAt: "2026-12-01T00:00:00Z",
      },
    ],
    viewerUrl: "https://chromoscope.bio/app/",
  };
  const fields = Object.keys(valid);
  const mutated = fc
    .array(
      fc.tuple(
        fc.constantFrom(...fields, "extra"),
        fc.option(fc.oneof(fc.jsonValue({ maxDepth: 2 }), anyText(50)), { nil: undefined }),
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((changes) => {
      const outputs: Record<string, unknown> = { ...valid };
      for (const [field, value] of changes) {
        if (value === undefined) delete outputs[field];
        else outputs[field] = value;
      }
      return outputs;
    });

  it("mutated or random outputs are accepted only when valid, otherwise refused with the output named, and no secret is ever echoed", () => {
    fc.assert(
      fc.property(
        fc.oneof({ weight: 4, arbitrary: mutated }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) }),
        (raw) => {
          try {
            const outputs = parseStackOutputs(raw, '--outputs "outputs.json"');
            assert.match(outputs.bucketName, /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/);
            assert.ok(
              outputs.dataPrefixes.length > 0 &&
                outputs.dataPrefixes.every((prefix) => prefix.endsWith("/") && !prefix.startsWith("/")),
            );
            assert.ok(
              Number.isInteger(outputs.maxLinkLifetimeSeconds) &&
                outputs.maxLinkLifetimeSeconds >= 1 &&
                outputs.maxLinkLifetimeSeconds <= 604800,
            );
            if (outputs.presignerSecretAccessKey !== undefined)
              assert.match(outputs.presignerSecretAccessKey, /^[A-Za-z0-9/+=]{30,128}$/);
          } catch (error) {
            assertRejection(error, 1);
            assert.match((error as CliError).message, /^--outputs "outputs\.json"/);
            const secret = (raw as { presignerSecretAccessKey?: unknown } | null)?.presignerSecretAccessKey;
            if (typeof secret === "string" && secret.length >= 6) {
              const printed = [
                (error as CliError).message,
                (error as CliError).fix,
                ...(error as CliError).details,
              ].join("\n");
              assert.ok(!printed.includes(secret), "the secret is not echoed");
            }
          }
        },
      ),
      { ...RUNS, numRuns: 600 },
    );
  });
});
