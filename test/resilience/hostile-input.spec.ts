/**
 * Hostile and malformed input, end to end through every command: each is answered with a clear
 * message (one `error:` line naming the input, a `fix:` line; no stack trace, no line broken by the
 * input itself), a non-zero exit, and no write anywhere: the bucket's keys and the config and ledger
 * objects are compared before and after, and so are the files in the test's folder. Legal names
 * with spaces, accents, other scripts and `( ' + ,` publish links that open exactly that cohort.
 * The rules themselves are unit-tested in test/cohort/ (names, manifests, samples) and test/publication/expiry.spec.ts; here they are proven through the CLI.
 */
import * as assert from "node:assert/strict";
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parseChromoscopeLink } from "../../scripts/lib/publication/chromoscope";
import { CommandFactory } from "../../scripts/lib/cli/shell";
import { cohortsCommand } from "../../scripts/lib/cli/commands/cohorts-command";
import { demoCommand } from "../../scripts/lib/dev/commands/demo-command";
import { doctorCommand } from "../../scripts/lib/cli/commands/doctor-command";
import { publishCohortCommand } from "../../scripts/lib/cli/commands/publish-cohort-command";
import { refreshCohortCommand } from "../../scripts/lib/cli/commands/refresh-cohort-command";
import { revokeCohortCommand } from "../../scripts/lib/cli/commands/revoke-cohort-command";
import { rotateKeysCommand } from "../../scripts/lib/cli/commands/rotate-keys-command";
import { ExampleSample } from "../../scripts/lib/dev/example-cohort";
import { LedgerEntry, writeLedgerEntry } from "../../scripts/lib/ledger/ledger";
import { cohortSlug, publicationStem, randomHex8 } from "../../scripts/lib/naming";
import { S3ConnectionOptions } from "../../scripts/lib/s3/object-store";
import { assertBucketIntact, assertLinkWorks, assertUnchanged, bucketState } from "../support/bucket-audit";
import { PRESIGNER_KEY, TestBucket, startCohortBucket } from "../support/local-bucket";
import { CommandRun, run } from "../support/cli-runner";

const FAST: Partial<S3ConnectionOptions> = {
  maxAttempts: 2,
  connectionTimeoutMs: 1_000,
  requestTimeoutMs: 2_000,
  callTimeoutMs: 5_000,
};
/** The only shapes a line of stderr may take when a command refuses its input. */
const STDERR_LINE =
  /^(error: | {2}- |fix: |warning: |Refreshing cohort "[^"]+" from its publication of |\(run with --help for usage\)$)/;

/** Every file under `directory` (the server's own storage excluded), with its size and mode. */
function filesUnder(directory: string, root = directory): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      if (relative(root, path) !== "s3") found.push(...filesUnder(path, root));
    } else {
      const stat = statSync(path);
      found.push(`${relative(root, path)} ${stat.size} ${stat.mtimeMs}`);
    }
  }
  return found.sort();
}

function assertClearRefusal(result: CommandRun, code: number, message: RegExp): void {
  assert.equal(result.code, code, `exit code; stderr: ${result.stderr}`);
  assert.equal(result.stdout, "", "nothing on stdout");
  assert.match(result.stderr, message);
  const lines = result.stderr.replace(/\n$/, "").split("\n");
  assert.equal(lines.filter((line) => line.startsWith("error: ")).length, 1, `one error line: ${result.stderr}`);
  for (const line of lines)
    assert.match(line, STDERR_LINE, `a well-formed line (the input did not break it): ${JSON.stringify(line)}`);
  assert.doesNotMatch(
    lines.join(""),
    /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u,
    "control, format and separator characters are escaped, not printed",
  );
  if (code !== 2 || !/^error: (required option|option|unknown option|too many)/m.test(result.stderr))
    assert.match(result.stderr, /^fix: \S/m, "a fix");
  assert.doesNotMatch(result.stderr, /\n\s+at |unexpected failure/, "no stack trace, no unexpected failure");
  assert.doesNotMatch(result.stderr, /X-Amz-Signature/);
  assert.ok(!result.stderr.includes(PRESIGNER_KEY.secretAccessKey), "no secret");
}

describe("hostile and malformed input through the CLI: refused clearly, nothing written", function () {
  this.timeout(60_000);
  let bucket: TestBucket;
  let cohort: ExampleSample[];
  let manifest: string;
  let uploaded: Map<string, string | Buffer>;

  before(async () => {
    ({ bucket, cohort, manifest, uploaded } = await startCohortBucket("cohorts/hostile/", 2));
  });
  after(async () => bucket.close());

  const stackArgs = () => ["--outputs", bucket.outputsFile, "--endpoint", bucket.server.endpoint];
  const sv = () => cohort[0].sample.sv!;
  const cnv = () => cohort[0].sample.cnv!;

  /** Runs a command that must refuse its input; checks the answer and that nothing was written anywhere. */
  async function refused(factory: CommandFactory, args: string[], code: number, message: RegExp): Promise<CommandRun> {
    const before = await bucketState(bucket.store);
    const filesBefore = filesUnder(bucket.directory);
    const result = await run(factory, args, { s3: FAST });
    assertClearRefusal(result, code, message);
    assertUnchanged(before, await bucketState(bucket.store));
    assert.deepEqual(filesUnder(bucket.directory), filesBefore, "no file written");
    return result;
  }
  const publishRefused = (extra: string[], code: number, message: RegExp) =>
    refused(publishCohortCommand, [...stackArgs(), ...extra], code, message);
  let manifests = 0;
  /** A manifest file in the scratch folder (written before the refusal is checked). */
  const manifestFile = (content: string | Buffer, extension = "tsv") =>
    bucket.scratch(`hostile-${manifests++}.${extension}`, content);
  const tsvRow = (fields: Record<string, string>) => {
    const row = { id: "PD1", cancer: "Breast", assembly: "hg38", sv: sv(), cnv: cnv(), ...fields };
    return `${Object.keys(row).join("\t")}\n${Object.values(row).join("\t")}\n`;
  };

  describe("cohort names", () => {
    const hostile: Array<[string, string]> = [
      ["empty", ""],
      ["a slash", "a/b"],
      ["a parent segment", "../etc"],
      ["only dots", ".."],
      ["a leading dot", ".hidden"],
      ["a backslash", "a\\b"],
      ["an ampersand", "R&D"],
      ["a hash", "cohort#1"],
      ["a question mark", "why?"],
      ["a percent sign", "100%"],
      ["percent-encoded traversal", "%2e%2e%2fledger"],
      ["a tab", "tab\there"],
      ["a newline", "line\nbreak"],
      ["a bell", "bell\u0007"],
      ["DEL", "del\u007f"],
      ["a right-to-left override", "\u202Eevil"],
      ["a zero-width space", "zero\u200Bwidth"],
      ["a line separator", "sep\u2028arated"],
      ["a leading space", " leading"],
      ["a trailing space", "trailing "],
      ["101 characters", "x".repeat(101)],
      ["an emoji", "tumour 🧬"],
      ["markup", "<script>alert(1)</script>"],
    ];
    for (const [what, name] of hostile) {
      it(`publish-cohort refuses ${what} (${JSON.stringify(name.length > 24 ? `${name.slice(0, 12)}…` : name)})`, async () => {
        await publishRefused(
          ["--cohort", name, "--manifest", manifest],
          1,
          /^error: cohort name .* (is empty|is 101 characters long \(at most 100\)|contains .* not allowed|starts with .*|starts or ends with a space)$/m,
        );
      });
    }
    for (const [command, factory] of [
      ["refresh-cohort", refreshCohortCommand],
      ["revoke-cohort", revokeCohortCommand],
      ["cohorts", cohortsCommand],
    ] as const) {
      for (const name of ["../x", "a/b", "", "bell\u0007", "\u202Eevil"]) {
        it(`${command} refuses --cohort ${JSON.stringify(name)}`, async () => {
          await refused(factory, [...stackArgs(), "--cohort", name], 1, /^error: cohort name .*$/m);
        });
      }
    }
    for (const [command, factory] of [
      ["refresh-cohort", refreshCohortCommand],
      ["revoke-cohort", revokeCohortCommand],
    ] as const) {
      it(`${command} refuses a cohort the ledger does not know, naming how to find the right one`, async () => {
        await refused(
          factory,
          [...stackArgs(), "--cohort", "Never Published"],
          1,
          /^error: cohort "Never Published" has no publication in the ledger \(s3:\/\/chromoscope-test-data\/ledger\/\)$/m,
        );
      });
    }
  });

  describe("legal names open exactly their cohort", () => {
    const legal = [
      "PCAWG Breast 2026",
      "Étude Lyon (rechute)",
      "O'Neil+1, batch 2",
      "肺がん コホート",
      "स्तन कैंसर",
      "Ωmega_δ-1.0",
      "E\u0301tude décomposée",
      "_underscore first",
    ];
    for (const name of legal) {
      it(`${JSON.stringify(name)}: the printed link's cohortId decodes back to the name and opens that cohort`, async () => {
        const result = await run(publishCohortCommand, [...stackArgs(), "--cohort", name, "--manifest", manifest]);
        assert.equal(result.code, 0, result.stderr);
        const link = result.stdout.trim();
        const parsed = parseChromoscopeLink(link);
        assert.equal(parsed.cohortId, name, "cohortId decodes to exactly the name");
        assert.match(
          link.slice(0, link.indexOf("&external=")),
          /^[\x21-\x7e]+$/,
          "the part before external= is plain ASCII (the name is percent-encoded)",
        );
        const config = await assertLinkWorks(link, bucket.bucket, uploaded);
        assert.equal(config.name, name, "the link opens that cohort");
        const configKey = new URL(parsed.external!).pathname.split("/").slice(2).join("/");
        assert.match(configKey, /^configs\/[a-z0-9._-]+\/\d{8}T\d{9}Z-[0-9a-f]{8}\.json$/, "keyed by an ASCII slug");
        assert.equal(configKey.split("/")[1], cohortSlug(name));
        const listed = await run(cohortsCommand, [...stackArgs(), "--cohort", name, "--json"]);
        assert.equal(listed.code, 0, listed.stderr);
        assert.deepEqual(
          JSON.parse(listed.stdout).map((publication: { cohort: string }) => publication.cohort),
          [name],
        );
      });
    }
  });

  describe("sample ids", () => {
    const hostile: Array<[string, string, RegExp]> = [
      ["a slash", "PD/1", /id "PD\/1" contains characters that are not allowed/],
      ["a parent segment", "..", /id "\.\." contains characters that are not allowed/],
      ["a leading dot", ".PD1", /id "\.PD1" contains characters that are not allowed/],
      ["a backslash", "PD\\1", /id "PD\\\\1" contains characters that are not allowed/],
      ["an ampersand", "a&b", /contains characters that are not allowed/],
      ["a hash", "a#b", /contains characters that are not allowed/],
      ["a question mark", "a?b", /contains characters that are not allowed/],
      ["a percent sign", "50%", /contains characters that are not allowed/],
      ["a space", "PD 1", /contains characters that are not allowed/],
      ["a non-ASCII letter", "PDü1", /contains characters that are not allowed/],
      ["markup", "<img src=x onerror=alert(1)>", /contains characters that are not allowed/],
      ["129 characters", "P".repeat(129), /is 129 characters long \(at most 128\)/],
      ["a control character (the manifest is refused as binary)", "a\u0007b", /contains binary data/],
      ["nothing (an empty id)", "", /id is missing/],
    ];
    for (const [what, id, message] of hostile) {
      it(`refuses an id with ${what}`, async () => {
        await publishRefused(["--cohort", "Ids", "--manifest", manifestFile(tsvRow({ id }))], 1, message);
      });
    }
  });

  describe("manifest formats", () => {
    const header = "id\tcancer\tassembly\tsv\tcnv";
    const row = (id: string) => `${id}\tBreast\thg38\t${sv()}\t${cnv()}`;

    const accepted: Array<[string, () => Buffer | string, string]> = [
      [
        "a UTF-8 BOM, CRLF line ends and blank lines",
        () =>
          Buffer.concat([
            Buffer.from([0xef, 0xbb, 0xbf]),
            Buffer.from(`${header}\r\n\r\n${row("BOM1")}\r\n\r\n${row("BOM2")}\r\n`),
          ]),
        "tsv",
      ],
      [
        "quoted CSV fields holding tabs and commas",
        () => `id,cancer,assembly,sv,cnv,note\nCSV1,Breast,hg38,${sv()},${cnv()},"relapse, left\tbreast"\n`,
        "csv",
      ],
      [
        "JSON with a BOM, as {samples: [...]}",
        () =>
          `\ufeff${JSON.stringify({ samples: [{ id: "JSON1", cancer: "Breast", assembly: "hg38", sv: sv(), cnv: cnv() }] })}`,
        "json",
      ],
    ];
    for (const [what, content, extension] of accepted) {
      it(`accepts ${what} and publishes exactly its samples`, async () => {
        const result = await run(publishCohortCommand, [
          ...stackArgs(),
          "--cohort",
          `Format ${extension}`,
          "--manifest",
          manifestFile(content(), extension),
          "--json",
        ]);
        assert.equal(result.code, 0, result.stderr);
        const config = await assertLinkWorks(JSON.parse(result.stdout).link, bucket.bucket, uploaded);
        const text = content().toString();
        for (const sample of config.samples) assert.ok(text.includes(String(sample.id)));
        if (extension === "csv") assert.equal(config.samples[0].note, "relapse, left\tbreast");
        if (extension === "tsv")
          assert.deepEqual(
            config.samples.map((sample) => sample.id),
            ["BOM1", "BOM2"],
          );
      });
    }

    const refusedFormats: Array<[string, () => Buffer | string, string, RegExp]> = [
      [
        "duplicate columns",
        () => `id\tcancer\tid\tassembly\tsv\tcnv\n${row("D1")}\n`,
        "tsv",
        /line 1: names the column "id" twice/,
      ],
      ["no header line", () => `${row("H1")}\n`, "tsv", /line 1: the first line is not a header/],
      [
        "a header with no id column",
        () => `cancer\tassembly\tsv\tcnv\nBreast\thg38\ta\tb\n`,
        "tsv",
        /the header has no "id" column/,
      ],
      [
        "a 10 MB field",
        () => `${header}\tnote\n${row("BIG")}\t${"x".repeat(10 * 1024 * 1024)}\n`,
        "tsv",
        /line 2: is longer than \d+ bytes/,
      ],
      [
        "a row with more fields than the header",
        () => `${header}\n${row("X1")}\textra\n`,
        "tsv",
        /line 2: has 6 fields but the header has 5/,
      ],
      [
        "an unknown column",
        () => `${header}\tbamIndex\n${row("U1")}\tx\n`,
        "tsv",
        /unknown column "bamIndex" \(fix: rename it to "bai"\)/,
      ],
      [
        "binary garbage",
        () => Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]),
        "tsv",
        /is not UTF-8 text|contains binary data/,
      ],
      [
        "Latin-1 text (not UTF-8)",
        () => Buffer.from(`${header}\nPD1\tcancer du sein\xe9\thg38\ta\tb\n`, "latin1"),
        "tsv",
        /is not UTF-8 text/,
      ],
      [
        "a JSON object that is not a sample list",
        () => `{"id": "PD1"}`,
        "json",
        /JSON is not an array of sample objects/,
      ],
      ["a JSON list of numbers", () => `[1, 2, 3]`, "json", /sample #1: is not an object/],
      ["a JSON string", () => `"cohorts/x.bedpe"`, "json", /JSON is not an array of sample objects/],
      ["JSON null", () => `null`, "json", /JSON is not an array of sample objects/],
      [
        "truncated JSON",
        () => JSON.stringify([{ id: "PD1", cancer: "Breast" }]).slice(0, 20),
        "json",
        /is not valid JSON/,
      ],
      [
        "JSON with a number for a string",
        () => JSON.stringify([{ id: 7, cancer: "Breast", assembly: "hg38", sv: sv(), cnv: cnv() }]),
        "json",
        /id is a number, not a string/,
      ],
      [
        "JSON with a nested object",
        () => JSON.stringify([{ id: "PD1", cancer: { name: "Breast" }, assembly: "hg38", sv: sv(), cnv: cnv() }]),
        "json",
        /cancer is a object, not a string|cancer is an? object, not a string/,
      ],
      ["an empty file", () => "", "tsv", /manifest: holds no samples/],
      ["a header and no rows", () => `${header}\n`, "tsv", /manifest: holds no samples/],
    ];
    for (const [what, content, extension, message] of refusedFormats) {
      it(`refuses ${what}`, async () => {
        await publishRefused(["--cohort", "Formats", "--manifest", manifestFile(content(), extension)], 1, message);
      });
    }

    it("refuses a manifest that is a folder (usage error)", async () => {
      const folder = join(bucket.directory, "a-folder.tsv");
      mkdirSync(folder, { recursive: true });
      await publishRefused(
        ["--cohort", "Formats", "--manifest", folder],
        2,
        /^error: --manifest ".*a-folder\.tsv": is a folder$/m,
      );
    });
    it("refuses a manifest that does not exist (usage error)", async () => {
      await publishRefused(
        ["--cohort", "Formats", "--manifest", join(bucket.directory, "nope.tsv")],
        2,
        /^error: --manifest ".*nope\.tsv": cannot read the file$/m,
      );
    });
  });

  describe("object keys", () => {
    const hostile: Array<[string, string, RegExp]> = [
      [
        "an s3:// URI of another bucket",
        "s3://other-lab-bucket/cohorts/hostile/PD1.sv.bedpe",
        /is in bucket "other-lab-bucket", not the stack's bucket "chromoscope-test-data"/,
      ],
      ["an s3:// URI without a key", "s3://chromoscope-test-data", /is not an s3:\/\/bucket\/key URI/],
      ["an absolute path", "/etc/passwd", /is an absolute path/],
      ["a Windows path", "C:\\data\\PD1.sv.bedpe", /is an absolute path/],
      ["a ../ segment into the ledger", "cohorts/../ledger/x.bedpe", /has a "\." or "\.\." segment/],
      ["a leading ../", "../cohorts/hostile/PD1.sv.bedpe", /has a "\." or "\.\." segment/],
      ["a ./ segment", "cohorts/./hostile/PD1.sv.bedpe", /has a "\." or "\.\." segment/],
      ["an https URL", "https://evil.example/PD1.sv.bedpe", /is a URL/],
      ["a file URL", "file:///etc/passwd", /is a URL/],
      ["a key under the config prefix", "configs/x/y.bedpe", /is outside the data prefixes \(cohorts\/\)/],
      ["a key under the ledger prefix", "ledger/x/y.bedpe", /is outside the data prefixes \(cohorts\/\)/],
      ["a backslash", "cohorts\\hostile\\PD1.sv.bedpe", /contains a backslash/],
      ["a key over 1,024 bytes", `cohorts/${"k".repeat(1100)}.bedpe`, /is longer than S3's 1,024-byte key limit/],
      [
        "a key that does not exist",
        "cohorts/hostile/nope.sv.bedpe",
        /sv s3:\/\/chromoscope-test-data\/cohorts\/hostile\/nope\.sv\.bedpe does not exist/,
      ],
    ];
    for (const [what, key, message] of hostile) {
      it(`refuses ${what}`, async () => {
        await publishRefused(["--cohort", "Keys", "--manifest", manifestFile(tsvRow({ sv: key }))], 1, message);
      });
    }
  });

  describe("--expires", () => {
    for (const value of ["0", "-1", "1e9", "abc", "1.5h", "7 days", "", "0x10", "1\n2"]) {
      it(`refuses ${JSON.stringify(value)} as a usage error`, async () => {
        await publishRefused(
          ["--cohort", "Expires", "--manifest", manifest, "--expires", value],
          2,
          /^error: --expires ".*" is not a duration$/m,
        );
      });
    }
    it('refuses "36" (no unit: not silently 36 seconds), repeating it with each unit', async () => {
      await publishRefused(
        ["--cohort", "Expires", "--manifest", manifest, "--expires", "36"],
        2,
        /^error: --expires "36" has no unit\nfix: say which unit: --expires 36s \(seconds\), 36m \(minutes\), 36h \(hours\) or 36d \(days\)$/m,
      );
    });
    for (const [value, message] of [
      ["8d", /--expires 8d is longer than the 7 days a SigV4 presigned URL can live/],
      ["604801s", /--expires 604801s is longer than the 7 days a SigV4 presigned URL can live/],
      ["99999999d", /is longer than the 7 days/],
    ] as const) {
      it(`refuses ${value} as longer than S3 allows`, async () => {
        await publishRefused(["--cohort", "Expires", "--manifest", manifest, "--expires", value], 1, message);
      });
    }
    it("refuses an over-long --expires on refresh-cohort too", async () => {
      const published = await run(publishCohortCommand, [
        ...stackArgs(),
        "--cohort",
        "Refresh Expires",
        "--manifest",
        manifest,
      ]);
      assert.equal(published.code, 0, published.stderr);
      await refused(
        refreshCohortCommand,
        [...stackArgs(), "--cohort", "Refresh Expires", "--expires", "8d"],
        1,
        /--expires 8d is longer than the 7 days/,
      );
      await refused(
        refreshCohortCommand,
        [...stackArgs(), "--cohort", "Refresh Expires", "--expires", "-1"],
        2,
        /--expires "-1" is not a duration/,
      );
    });
  });

  describe("stack outputs files", () => {
    const valid = () => JSON.stringify(bucket.outputs, null, 2);
    const withOutputs = (changes: Record<string, unknown>) => JSON.stringify({ ...bucket.outputs, ...changes });
    const cases: Array<[string, () => string | undefined, number, RegExp]> = [
      [
        "truncated",
        () => valid().slice(0, Math.floor(valid().length / 2)),
        1,
        /is not valid JSON \(.*\); it may be truncated$/m,
      ],
      [
        "missing fields",
        () => JSON.stringify({ bucketName: bucket.bucket }),
        1,
        /is missing or has invalid stack outputs: region: missing; dataPrefixes: missing/,
      ],
      [
        "the [secret] placeholder",
        () => withOutputs({ presignerSecretAccessKey: "[secret]" }),
        1,
        /presignerSecretAccessKey is the placeholder "\[secret\]": the outputs were exported without --show-secrets/,
      ],
      [
        "a secret that is not one",
        () => withOutputs({ presignerSecretAccessKey: "hunter2" }),
        1,
        /presignerSecretAccessKey does not look like an AWS secret access key \(a 7-character value\)/,
      ],
      [
        "a secret without its key id",
        () => withOutputs({ presignerAccessKeyId: undefined }),
        1,
        /presignerSecretAccessKey is set without presignerAccessKeyId/,
      ],
      ["a JSON array", () => JSON.stringify([bucket.outputs]), 1, /does not hold a JSON object of stack outputs/],
      ["not JSON", () => "bucketName=chromoscope-test-data", 1, /is not valid JSON/],
      ["empty", () => "", 1, /is not valid JSON/],
      ["a bucket name with a path", () => withOutputs({ bucketName: "../evil" }), 1, /bucketName: an S3 bucket name/],
      [
        "a config prefix at the root",
        () => withOutputs({ configPrefix: "/" }),
        1,
        /configPrefix: a key prefix such as "cohorts\/"/,
      ],
      [
        "a wildcard prefix",
        () => withOutputs({ dataPrefixes: ["*"] }),
        1,
        /dataPrefixes\.0: a key prefix such as "cohorts\/"/,
      ],
      ["a lifetime over 7 days", () => withOutputs({ maxLinkLifetimeSeconds: 604801 }), 1, /maxLinkLifetimeSeconds/],
      ["missing", () => undefined, 2, /^error: --outputs ".*": cannot read the file$/m],
    ];
    let files = 0;
    for (const [what, content, code, message] of cases) {
      for (const [name, factory] of [
        ["publish-cohort", publishCohortCommand],
        ["cohorts", cohortsCommand],
        ["doctor", doctorCommand],
      ] as const) {
        it(`${name} refuses an outputs file that is ${what}`, async () => {
          const text = content();
          const path =
            text === undefined
              ? join(bucket.directory, "no-such-outputs.json")
              : bucket.scratch(`outputs-${files++}.json`, text);
          const extra = name === "publish-cohort" ? ["--cohort", "Outputs", "--manifest", manifest] : [];
          const result = await refused(
            factory,
            ["--outputs", path, "--endpoint", bucket.server.endpoint, ...extra],
            code,
            message,
          );
          assert.ok(!result.stderr.includes("hunter2"), "the bad secret is not printed either");
        });
      }
    }
    it("publish-cohort refuses an outputs path that is a folder", async () => {
      await refused(
        publishCohortCommand,
        [
          "--outputs",
          bucket.directory,
          "--endpoint",
          bucket.server.endpoint,
          "--cohort",
          "Outputs",
          "--manifest",
          manifest,
        ],
        2,
        /^error: --outputs ".*": cannot read the file$/m,
      );
    });
  });

  describe("the other commands' options", () => {
    for (const endpoint of [
      "ftp://127.0.0.1:21",
      "not a url",
      "http://127.0.0.1:4569/?x=1",
      "http://127.0.0.1:4569/#frag",
      "javascript:alert(1)",
    ]) {
      it(`doctor refuses --endpoint ${JSON.stringify(endpoint)}`, async () => {
        await refused(
          doctorCommand,
          ["--outputs", bucket.outputsFile, "--endpoint", endpoint],
          2,
          /^error: --endpoint ".*" is not an http\(s\) URL$/m,
        );
      });
    }
    it("doctor reports an endpoint where nothing listens as failed checks (exit 1), not a crash", async () => {
      const result = await run(
        doctorCommand,
        ["--outputs", bucket.outputsFile, "--endpoint", "http://127.0.0.1:1", "--json"],
        { s3: FAST },
      );
      assert.equal(result.code, 1, result.stderr);
      const report = JSON.parse(result.stdout) as { checks: Array<{ id: string; status: string; detail: string }> };
      assert.equal(report.checks.find((check) => check.id === "bucket")?.status, "fail");
      assert.match(
        report.checks.find((check) => check.id === "bucket")!.detail,
        /nothing answers at 127\.0\.0\.1:1 \(connection refused\)/,
      );
    });
    for (const generation of ["-1", "abc", "1.5", "1e3", "99999999999999999999", "", "0x2", "3 4"]) {
      it(`rotate-keys refuses --generation ${JSON.stringify(generation)}`, async () => {
        await refused(
          rotateKeysCommand,
          [...stackArgs(), "--print", "--generation", generation],
          2,
          /^error: --generation is ".*", not a whole number$/m,
        );
      });
    }
    it("revoke-cohort refuses --generation without --rotate", async () => {
      await refused(
        revokeCohortCommand,
        [...stackArgs(), "--cohort", "Anything", "--generation", "3"],
        2,
        /--generation goes with --rotate/,
      );
    });
    for (const [args, message] of [
      [["--port", "abc"], /--port must be a whole number from 0 to 65535, got "abc"/],
      [["--port", "70000"], /--port must be a whole number from 0 to 65535, got "70000"/],
      [["--port", "-1"], /--port must be a whole number/],
      [["--samples", "0"], /--samples must be a whole number from 1 to 1000, got "0"/],
      [["--samples", "1001"], /--samples must be a whole number from 1 to 1000/],
      [["--samples", "2e3"], /--samples must be a whole number/],
    ] as const) {
      it(`demo refuses ${args.join(" ")}`, async () => {
        await refused(demoCommand, [...args, "--data-dir", join(bucket.directory, "demo-never"), "--once"], 2, message);
      });
    }
    it("demo refuses a --data-dir that is a file", async () => {
      await refused(
        demoCommand,
        ["--data-dir", bucket.outputsFile, "--port", "0", "--once"],
        2,
        /^error: --data-dir .*: cannot create the folder/m,
      );
    });
  });

  describe("after all of the above", () => {
    it("every config is complete and every ledger entry whole and pointing at its config", async () => {
      assertBucketIntact(await bucketState(bucket.store));
    });
  });

  describe("hostile ledger entries (the ledger is data in the bucket)", () => {
    async function forge(cohort: string, changes: Record<string, unknown>): Promise<void> {
      const createdAt = new Date();
      const stem = publicationStem(cohort, createdAt, randomHex8());
      const entry = {
        event: "publish",
        cohort,
        configKey: `configs/${stem}.json`,
        signingAccessKeyId: PRESIGNER_KEY.accessKeyId,
        createdAt: createdAt.toISOString(),
        expiresAt: new Date(createdAt.getTime() + 3600_000).toISOString(),
        inputs: { samples: [], viewerUrl: "https://chromoscope.bio/app/" },
        ...changes,
      } as unknown as LedgerEntry;
      await writeLedgerEntry(bucket.store, "ledger/", stem, entry);
    }

    it("revoke-cohort never deletes a key outside configs/ that a forged entry names: reported, and nothing deleted", async () => {
      await forge("Forged Key", { configKey: sv() });
      const result = await refused(
        revokeCohortCommand,
        [...stackArgs(), "--cohort", "Forged Key"],
        1,
        /cohort "Forged Key" has no publication in the ledger/,
      );
      assert.match(
        result.stderr,
        /^warning: ledger entry ledger\/forged-key-[0-9a-f]{12}\/\S+\.json names config cohorts\/hostile\/\S+, which is not in cohort "Forged Key"'s config folder \(configs\/forged-key-[0-9a-f]{12}\/\): ignored$/m,
      );
      assert.ok((await bucket.keys("cohorts/hostile/")).includes(sv()), "the data object is still there");
    });

    it("an entry in Bravo's ledger folder naming Alpha's config: revoking Bravo reports it, leaves Alpha, revokes Bravo's own", async () => {
      const publish = async (cohort: string) => {
        const args = [...stackArgs(), "--cohort", cohort, "--manifest", manifest, "--json", "--upload-share-page"];
        const result = await run(publishCohortCommand, args);
        assert.equal(result.code, 0, result.stderr);
        return JSON.parse(result.stdout) as { configKey: string; sharePage: { key: string } };
      };
      const alpha = await publish("Alpha Target");
      const bravo = await publish("Bravo Forger");
      await forge("Bravo Forger", { configKey: alpha.configKey });

      const listed = await run(cohortsCommand, [...stackArgs(), "--cohort", "Bravo Forger", "--json", "--show-links"]);
      assert.equal(listed.code, 0, listed.stderr);
      const configKeys = (JSON.parse(listed.stdout) as Array<{ configKey: string }>).map((entry) => entry.configKey);
      assert.deepEqual(configKeys, [bravo.configKey], "cohorts lists, and signs a link to, Bravo's own only");
      assert.match(listed.stderr, /^warning: ledger entry \S+ names config configs\/alpha-target-/m);

      const revoked = await run(revokeCohortCommand, [...stackArgs(), "--cohort", "Bravo Forger", "--yes"]);
      assert.equal(revoked.code, 0, revoked.stderr);
      const forged =
        /^warning: ledger entry (ledger\/bravo-forger-[0-9a-f]{12}\/\S+\.json) names config (\S+), which is not in cohort "Bravo Forger"'s config folder \(configs\/bravo-forger-[0-9a-f]{12}\/\): ignored$/m.exec(
          revoked.stderr,
        );
      assert.ok(forged, revoked.stderr);
      assert.equal(forged[2], alpha.configKey);
      const keys = await bucket.keys("configs/");
      assert.ok(keys.includes(alpha.configKey) && keys.includes(alpha.sharePage.key), "Alpha's config and page stay");
      assert.ok(!keys.includes(bravo.configKey) && !keys.includes(bravo.sharePage.key), "Bravo's own are revoked");
    });

    it("refresh-cohort refuses recorded samples that are not samples, or that point outside the data prefixes", async () => {
      await forge("Forged Samples", {
        inputs: {
          samples: [
            null,
            7,
            { id: "../x", cancer: "Breast", assembly: "hg38", sv: "/etc/passwd", cnv: "ledger/x.json" },
            { id: "PD2", cancer: ["x"], assembly: "hg38", sv: sv(), cnv: cnv() },
          ],
          viewerUrl: "https://chromoscope.bio/app/",
        },
      });
      const result = await refused(
        refreshCohortCommand,
        [...stackArgs(), "--cohort", "Forged Samples"],
        1,
        /^error: \d+ problems in cohort "Forged Samples"; nothing was published$/m,
      );
      assert.match(
        result.stderr,
        /sample 1 recorded in ledger\/forged-samples-[0-9a-f]{12}\/\S+: is null, not a sample object/,
      );
      assert.match(result.stderr, /sample 2 recorded in .*: is a number, not a sample object/);
      assert.match(result.stderr, /id "\.\.\/x" contains characters that are not allowed/);
      assert.match(result.stderr, /sv: "\/etc\/passwd" is an absolute path/);
      assert.match(result.stderr, /cnv: "ledger\/x\.json" is outside the data prefixes/);
      assert.match(result.stderr, /cancer is a list, not a string/);
    });

    it("refresh-cohort refuses a recorded viewer URL that is not an app URL (no link to another site is printed)", async () => {
      await forge("Forged Viewer", {
        inputs: {
          samples: [{ id: "PD1", cancer: "Breast", assembly: "hg38", sv: sv(), cnv: cnv() }],
          viewerUrl: "javascript:alert(document.cookie)",
          viewerUrlSource: "option",
        },
      });
      await refused(
        refreshCohortCommand,
        [...stackArgs(), "--cohort", "Forged Viewer"],
        1,
        /the viewer URL recorded in ledger\/forged-viewer-[0-9a-f]{12}\/\S+ \("javascript:alert\(document\.cookie\)"\) is not a Chromoscope app URL/,
      );
    });

    it("cohorts skips entries that are not JSON, incomplete or full of terminal escapes, with a warning, and lists the rest", async () => {
      const entry = (changes: Record<string, unknown>) =>
        JSON.stringify({
          event: "publish",
          cohort: "Half",
          configKey: "configs/half.json",
          signingAccessKeyId: "AKIA",
          createdAt: "2026-01-01T00:00:00Z",
          expiresAt: "2026-01-02T00:00:00Z",
          inputs: { samples: [] },
          ...changes,
        });
      await bucket.store.put(
        "ledger/garbage/20260101T000000000Z-00000000.json",
        "\u001b[2J\u0000 not json",
        "application/json",
      );
      await bucket.store.put(
        "ledger/garbage/20260101T000000001Z-00000000.json",
        entry({ createdAt: "yesterday" }),
        "application/json",
      );
      await bucket.store.put(
        "ledger/garbage/20260101T000000002Z-00000000.json",
        entry({ configKey: "configs/\u001b[31mred.json" }),
        "application/json",
      );
      await bucket.store.put("ledger/garbage/20260101T000000003Z-00000000.json", "[1, 2]", "application/json");
      for (const args of [["--json"], []]) {
        const result = await run(cohortsCommand, [...stackArgs(), ...args]);
        assert.equal(result.code, 0, result.stderr);
        assert.match(
          result.stderr,
          /warning: ledger entry ledger\/garbage\/20260101T000000000Z-00000000\.json is unreadable \(not valid JSON\); skipped/,
        );
        assert.match(
          result.stderr,
          /warning: ledger entry ledger\/garbage\/20260101T000000001Z-00000000\.json is neither a complete publish nor a revoke entry; skipped/,
        );
        assert.match(
          result.stderr,
          /warning: ledger entry ledger\/garbage\/20260101T000000002Z-00000000\.json is unreadable \(configKey holds control characters\); skipped/,
        );
        assert.match(
          result.stderr,
          /warning: ledger entry ledger\/garbage\/20260101T000000003Z-00000000\.json is unreadable \(not a JSON object\); skipped/,
        );
        assert.doesNotMatch(
          result.stdout + result.stderr,
          /[\u0000-\u0008\u000b-\u001f\u007f]/,
          "no control character reaches the terminal",
        );
        assert.ok(result.stdout.includes("PCAWG Breast 2026") && !result.stdout.includes("Half"));
      }
    });
  });
});
