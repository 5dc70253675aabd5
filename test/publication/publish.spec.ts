import * as assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { parseChromoscopeLink } from "../../scripts/lib/publication/chromoscope";
import { publishCohortCommand } from "../../scripts/lib/cli/commands/publish-cohort-command";
import { ExampleSample } from "../../scripts/lib/dev/example-cohort";
import { writeLedgerEntry } from "../../scripts/lib/ledger/ledger";
import { cohortSlug } from "../../scripts/lib/naming";
import {
  fetchBytes,
  PRESIGNER_KEY,
  SESSION_KEY,
  SESSION_TOKEN,
  TestBucket,
  uploadExampleCohort,
  startCohortBucket,
} from "../support/local-bucket";
import { run } from "../support/cli-runner";
import { fixtureFor } from "../../scripts/lib/dev/genomic-fixtures";

const FILE_FIELDS = ["sv", "cnv", "drivers", "vcf", "vcfIndex", "vcf2", "vcf2Index", "bam", "bai", "thumbnail"];

function urlsOf(config: { samples: Array<Record<string, unknown>> }): string[] {
  return config.samples.flatMap((sample) =>
    FILE_FIELDS.filter((field) => typeof sample[field] === "string").map((field) => sample[field] as string),
  );
}

/** The object key a presigned path-style URL points to. */
function keyOf(url: string, bucket: string): string {
  const path = new URL(url).pathname;
  return decodeURIComponent(path.slice(`/${bucket}/`.length));
}

describe("publish-cohort against the embedded S3 server", function () {
  this.timeout(30_000);
  let bucket: TestBucket;
  let cohort: ExampleSample[];
  let manifest: string;

  before(async () => {
    ({ bucket, cohort, manifest } = await startCohortBucket("cohorts/demo-breast/", 3));
  });
  after(async () => bucket.close());

  const publish = (args: string[], io = {}) =>
    run(publishCohortCommand, ["--outputs", bucket.outputsFile, "--endpoint", bucket.server.endpoint, ...args], io);

  describe("a manifest cohort", () => {
    let result: Awaited<ReturnType<typeof publish>>;
    let outFile: string;
    before(async () => {
      outFile = `${bucket.directory}/published-config.json`;
      result = await publish(["--cohort", "Demo Breast (hg38)", "--manifest", manifest, "--out", outFile]);
    });

    it("exits 0 and prints only the link on stdout", () => {
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.trim().split("\n").length, 1);
      assert.match(
        result.stdout,
        /^https:\/\/chromoscope\.bio\/app\/\?showSamples=false&cohortId=Demo%20Breast%20\(hg38\)&external=http:\/\/127\.0\.0\.1:\d+\/chromoscope-test-data\/configs\/demo-breast-hg38-[0-9a-f]{12}\/\d{8}T\d{9}Z-[0-9a-f]{8}\.json\?X-Amz-Algorithm=AWS4-HMAC-SHA256&/,
      );
      assert.match(result.stderr, /Published cohort "Demo Breast \(hg38\)": 3 samples, 9 files presigned/);
      // Once, with the two ways around it: the self-hosted viewer, or the config through the upload dialog.
      assert.equal(result.stderr.split("Google Analytics").length - 1, 1);
      assert.match(
        result.stderr,
        /^Note: chromoscope\.bio loads Google Analytics, which records the page address, this link included.* viewer: "self-hosted".*upload dialog/m,
      );
      assert.match(result.stderr, /Links expire \d{4}-\d\d-\d\dT.*\(in 7 days; S3's 7-day maximum\)/);
    });

    it("puts external= last and unencoded, so Chromoscope fetches the config it names", async () => {
      const link = parseChromoscopeLink(result.stdout.trim());
      assert.equal(link.viewerUrl, "https://chromoscope.bio/app/");
      assert.equal(link.cohortId, "Demo Breast (hg38)");
      assert.ok(link.external);
      assert.ok(result.stdout.trim().endsWith(link.external), "nothing follows the config URL");
      const fetched = await fetchBytes(link.external);
      assert.equal(fetched.status, 200);
      assert.deepEqual(JSON.parse(fetched.body.toString()), JSON.parse(readFileSync(outFile, "utf8")));
    });

    it("writes --out with mode 0600", () => {
      assert.equal(statSync(outFile).mode & 0o777, 0o600);
    });

    it("publishes { name, samples } with every file replaced by a working presigned URL (exact bytes)", async () => {
      const config = JSON.parse(readFileSync(outFile, "utf8"));
      assert.equal(config.name, "Demo Breast (hg38)");
      assert.deepEqual(
        config.samples.map((s: { id: string }) => s.id),
        cohort.map(({ sample }) => sample.id),
      );
      const urls = urlsOf(config);
      assert.equal(urls.length, 9);
      const files = new Map(cohort.flatMap(({ files }) => files.map((file) => [file.key, file.body])));
      for (const url of urls) {
        const params = new URL(url).searchParams;
        assert.equal(params.get("X-Amz-SignedHeaders"), "host");
        assert.equal(params.get("x-id"), null);
        assert.ok(![...params.keys()].some((name) => name.toLowerCase().includes("checksum")), url);
        const fetched = await fetchBytes(url);
        assert.equal(fetched.status, 200, url);
        assert.equal(fetched.body.toString(), files.get(keyOf(url, bucket.bucket)));
      }
      assert.equal(config.samples[0].cancer, cohort[0].sample.cancer);
      assert.equal(config.samples[0].assembly, "hg38");
    });

    it("stores the config privately: an unsigned GET is refused", async () => {
      const link = parseChromoscopeLink(result.stdout.trim());
      const unsigned = link.external!.split("?")[0];
      assert.equal((await fetchBytes(unsigned)).status, 403);
    });

    it("refuses a URL with one signature character changed (403)", async () => {
      const [url] = urlsOf(JSON.parse(readFileSync(outFile, "utf8")));
      const signature = new URL(url).searchParams.get("X-Amz-Signature")!;
      const flipped = signature.slice(0, -1) + (signature.endsWith("0") ? "1" : "0");
      const tampered = url.replace(`X-Amz-Signature=${signature}`, `X-Amz-Signature=${flipped}`);
      assert.notEqual(tampered, url);
      assert.equal((await fetchBytes(tampered)).status, 403);
    });

    it("records the publication in the ledger with no secret and no URL", async () => {
      const ledger = await bucket.keys(`ledger/${cohortSlug("Demo Breast (hg38)")}/`);
      assert.equal(ledger.length, 1);
      const configs = await bucket.keys(`configs/${cohortSlug("Demo Breast (hg38)")}/`);
      assert.equal(configs.length, 1);
      assert.equal(ledger[0].replace(/^ledger\//, ""), configs[0].replace(/^configs\//, ""));
      const text = (await bucket.store.read(ledger[0])).toString();
      const entry = JSON.parse(text);
      assert.equal(entry.event, "publish");
      assert.equal(entry.cohort, "Demo Breast (hg38)");
      assert.equal(entry.configKey, configs[0]);
      assert.equal(entry.signingAccessKeyId, PRESIGNER_KEY.accessKeyId);
      assert.equal(Date.parse(entry.expiresAt) - Date.parse(entry.createdAt), 604_800_000);
      assert.deepEqual(
        entry.inputs.samples.map((s: { sv: string }) => s.sv),
        cohort.map(({ sample }) => sample.sv),
      );
      assert.ok(!text.includes(PRESIGNER_KEY.secretAccessKey));
      assert.ok(!text.includes("X-Amz-Signature"));
    });

    it("writes ledger entries create-only (If-None-Match: *), as the presigner's policy requires", async () => {
      const puts: Array<{ key: string; createOnly?: boolean }> = [];
      const recording = {
        ...bucket.store,
        bucket: bucket.bucket,
        put: async (key: string, _body: unknown, _type: string, options?: { createOnly?: boolean }) =>
          void puts.push({ key, createOnly: options?.createOnly }),
      };
      const entry = JSON.parse(
        (await bucket.store.read((await bucket.keys(`ledger/${cohortSlug("Demo Breast (hg38)")}/`))[0])).toString(),
      );
      await writeLedgerEntry(recording, "ledger/", "demo-breast-hg38/20990101T000000000Z-00000000", entry);
      assert.deepEqual(puts, [{ key: "ledger/demo-breast-hg38/20990101T000000000Z-00000000.json", createOnly: true }]);
    });

    it("never prints the secret key", () => {
      assert.ok(
        !result.stdout.includes(PRESIGNER_KEY.secretAccessKey) &&
          !result.stderr.includes(PRESIGNER_KEY.secretAccessKey),
      );
    });
  });

  it("prints {cohort, link, configKey, configUrl, expiresAt, samples, urls} with --json", async () => {
    const result = await publish(["--cohort", "json-cohort", "--manifest", manifest, "--expires", "36h", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout);
    assert.deepEqual(Object.keys(json).sort(), [
      "cohort",
      "configKey",
      "configUrl",
      "dryRun",
      "expiresAt",
      "link",
      "samples",
      "urls",
    ]);
    assert.equal(json.samples, 3);
    assert.equal(json.urls, 9);
    assert.ok(json.link.endsWith(`&external=${json.configUrl}`));
    assert.equal(new URL(json.configUrl).searchParams.get("X-Amz-Expires"), String(36 * 3600));
    assert.equal((await fetchBytes(json.configUrl)).status, 200);
  });

  it("lets a 1-second link lapse: 403 after it expires", async () => {
    const result = await publish(["--cohort", "short-lived", "--manifest", manifest, "--expires", "1s", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const { configUrl } = JSON.parse(result.stdout);
    assert.equal(new URL(configUrl).searchParams.get("X-Amz-Expires"), "1");
    await new Promise((resolve) => setTimeout(resolve, 2100));
    assert.equal((await fetchBytes(configUrl)).status, 403);
  });

  it("presigns keys with spaces, +, unicode and ()!*' that fetch back", async () => {
    const odd = [
      "cohorts/odd keys/sample one/PD 1.sv.bedpe",
      "cohorts/odd keys/a+b/PD+1.cna.tsv",
      "cohorts/odd keys/ünïcødé/δείγμα-🧬.drivers.tsv",
      "cohorts/odd keys/(x)!*'/PD1(1)!*'.tsv",
    ];
    const bodies = odd.map((key, i) => fixtureFor(key, `content ${i} of ${key}`));
    await bucket.upload(odd.map((key, i) => ({ key, body: bodies[i] })));
    const rows = [
      "id\tcancer\tassembly\tsv\tcnv\tdrivers",
      `ODD1\tBreast\thg38\t${odd[0]}\t${odd[1]}\t${odd[2]}`,
      `ODD2\tBreast\thg38\t${odd[0]}\t${odd[3]}\t`,
    ];
    const result = await publish([
      "--cohort",
      "odd",
      "--manifest",
      bucket.scratch("odd.tsv", rows.join("\n")),
      "--json",
      "--out",
      `${bucket.directory}/odd.json`,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const urls = urlsOf(JSON.parse(readFileSync(`${bucket.directory}/odd.json`, "utf8")));
    assert.equal(urls.length, 5);
    for (const url of urls) {
      const fetched = await fetchBytes(url);
      assert.equal(fetched.status, 200, url);
      assert.ok(fetched.body.equals(bodies[odd.indexOf(keyOf(url, bucket.bucket))]), url);
    }
  });

  describe("discovery (--prefix)", () => {
    it("finds samples in PREFIX/<sample>/<files> folders", async () => {
      await uploadExampleCohort(bucket, "cohorts/discover-folders/", 4, 7);
      const result = await publish([
        "--cohort",
        "folders",
        "--prefix",
        "cohorts/discover-folders/",
        "--cancer",
        "Ovary",
        "--assembly",
        "hg38",
        "--json",
      ]);
      assert.equal(result.code, 0, result.stderr);
      const config = JSON.parse((await fetchBytes(JSON.parse(result.stdout).configUrl)).body.toString());
      assert.deepEqual(
        config.samples.map((s: { id: string }) => s.id),
        ["PD4101", "PD4102", "PD4103", "PD4104"],
      );
      for (const sample of config.samples) {
        assert.equal(sample.cancer, "Ovary");
        assert.match(keyOf(sample.sv, bucket.bucket), /\.bedpe$/);
        assert.match(keyOf(sample.cnv, bucket.bucket), /\.cna\.annotated\.tsv$/);
        assert.match(keyOf(sample.drivers, bucket.bucket), /\.drivers\.tsv$/);
      }
    });

    it("finds samples in flat PREFIX/<sample>.<suffix> files, with VCF and BAM pairs", async () => {
      const flat = [
        "S1.sv.bedpe",
        "S1.cna.annotated.tsv",
        "S1.vcf.gz",
        "S1.vcf.gz.tbi",
        "S1.bam",
        "S1.bam.bai",
        "S2.bedpe",
        "S2.cnv.txt",
        "S2.indel.vcf.gz",
        "S2.indel.vcf.gz.tbi",
        "S2.bam",
        "S2.bai",
      ];
      await bucket.upload(flat.map((name) => ({ key: `cohorts/discover-flat/${name}`, body: fixtureFor(name) })));
      const result = await publish([
        "--cohort",
        "flat",
        "--prefix",
        "cohorts/discover-flat",
        "--cancer",
        "Liver",
        "--assembly",
        "hg19",
        "--json",
      ]);
      assert.equal(result.code, 0, result.stderr);
      const config = JSON.parse((await fetchBytes(JSON.parse(result.stdout).configUrl)).body.toString());
      const fields = (sample: Record<string, string>) =>
        Object.fromEntries(
          FILE_FIELDS.filter((f) => sample[f]).map((f) => [f, keyOf(sample[f], bucket.bucket).split("/").pop()]),
        );
      assert.deepEqual(fields(config.samples[0]), {
        sv: "S1.sv.bedpe",
        cnv: "S1.cna.annotated.tsv",
        vcf: "S1.vcf.gz",
        vcfIndex: "S1.vcf.gz.tbi",
        bam: "S1.bam",
        bai: "S1.bam.bai",
      });
      assert.deepEqual(fields(config.samples[1]), {
        sv: "S2.bedpe",
        cnv: "S2.cnv.txt",
        vcf2: "S2.indel.vcf.gz",
        vcf2Index: "S2.indel.vcf.gz.tbi",
        bam: "S2.bam",
        bai: "S2.bai",
      });
      assert.equal(config.samples[0].assembly, "hg19");
    });

    it("reports missing and ambiguous files per sample", async () => {
      await bucket.upload([
        { key: "cohorts/discover-bad/A/A.bedpe", body: "x" },
        { key: "cohorts/discover-bad/B/B.bedpe", body: "x" },
        { key: "cohorts/discover-bad/B/B.cnv.tsv", body: "x" },
        { key: "cohorts/discover-bad/B/B.cna.tsv", body: "x" },
      ]);
      const result = await publish([
        "--cohort",
        "bad",
        "--prefix",
        "cohorts/discover-bad/",
        "--cancer",
        "Liver",
        "--assembly",
        "hg38",
      ]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /discover-bad\/A\/: no CNV file/);
      assert.match(result.stderr, /discover-bad\/B\/: 2 files could be cnv: B\.cna\.tsv, B\.cnv\.tsv/);
    });
  });

  describe("refusals (nothing is published)", () => {
    async function assertRefused(args: string[], code: number, message: RegExp, io = {}): Promise<void> {
      const configsBefore = await bucket.keys("configs/");
      const ledgerBefore = await bucket.keys("ledger/");
      const result = await publish(args, io);
      assert.equal(result.code, code, `exit code; stderr: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, "");
      assert.deepEqual(await bucket.keys("configs/"), configsBefore, "no new config");
      assert.deepEqual(await bucket.keys("ledger/"), ledgerBefore, "no new ledger entry");
      assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
    }
    const tsv = (rows: string[][]) => rows.map((row) => row.join("\t")).join("\n");
    const header = ["id", "cancer", "assembly", "sv", "cnv"];

    it("a missing object", async () => {
      const file = bucket.scratch(
        "missing.tsv",
        tsv([
          header,
          [
            "M1",
            "Breast",
            "hg38",
            "cohorts/demo-breast/PD4101/PD4101.somatic.sv.bedpe",
            "cohorts/demo-breast/nope.tsv",
          ],
        ]),
      );
      await assertRefused(
        ["--cohort", "m", "--manifest", file],
        1,
        /line 2 \(M1\): cnv s3:\/\/chromoscope-test-data\/cohorts\/demo-breast\/nope\.tsv does not exist/,
      );
    });

    it("a duplicate id", async () => {
      const sv = cohort[0].sample.sv!;
      const cnv = cohort[0].sample.cnv!;
      const file = bucket.scratch(
        "dup.tsv",
        tsv([header, ["D1", "Breast", "hg38", sv, cnv], ["D1", "Breast", "hg38", sv, cnv]]),
      );
      await assertRefused(["--cohort", "d", "--manifest", file], 1, /line 3 \(D1\): id "D1" is also used by line 2/);
    });

    it("an unknown column, naming the right one", async () => {
      const file = bucket.scratch(
        "typo.tsv",
        tsv([
          [...header, "bam", "bamIndex"],
          ["T1", "Breast", "hg38", "a", "b", "c", "d"],
        ]),
      );
      await assertRefused(
        ["--cohort", "t", "--manifest", file],
        1,
        /unknown column "bamIndex" \(fix: rename it to "bai"\)/,
      );
    });

    it("a broken pair", async () => {
      const file = bucket.scratch(
        "pair.tsv",
        tsv([
          [...header, "vcf"],
          ["P1", "Breast", "hg38", cohort[0].sample.sv!, cohort[0].sample.cnv!, "cohorts/demo-breast/P1.vcf.gz"],
        ]),
      );
      await assertRefused(["--cohort", "p", "--manifest", file], 1, /vcf is set without vcfIndex/);
    });

    it("an expiry over the 7-day limit", async () => {
      await assertRefused(
        ["--cohort", "e", "--manifest", manifest, "--expires", "8d"],
        1,
        /--expires 8d is longer than the 7 days a SigV4 presigned URL can live/,
      );
    });

    it("an expiry over the stack's maxLinkLifetimeSeconds", async () => {
      const shortStack = bucket.scratch(
        "short-outputs.json",
        JSON.stringify({ ...bucket.outputs, maxLinkLifetimeSeconds: 86400 }),
      );
      const result = await run(publishCohortCommand, [
        "--outputs",
        shortStack,
        "--endpoint",
        bucket.server.endpoint,
        "--cohort",
        "e",
        "--manifest",
        manifest,
        "--expires",
        "2d",
      ]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /longer than the stack's maxLinkLifetimeSeconds \(1d\)/);
    });

    it("temporary credentials that expire sooner than asked, saying when and how to get longer links", async () => {
      const noKey = bucket.scratch(
        "nokey-outputs.json",
        JSON.stringify({ ...bucket.outputs, presignerAccessKeyId: undefined, presignerSecretAccessKey: undefined }),
      );
      const expiration = new Date(Date.now() + 3600_000);
      const credentialProvider = async () => ({ ...SESSION_KEY, sessionToken: SESSION_TOKEN, expiration });
      const args = ["--outputs", noKey, "--endpoint", bucket.server.endpoint, "--cohort", "s", "--manifest", manifest];
      const before = await bucket.keys("configs/");
      const refused = await run(publishCohortCommand, [...args, "--expires", "2h"], { credentialProvider });
      assert.equal(refused.code, 1);
      assert.match(
        refused.stderr,
        new RegExp(`temporary and expire at ${expiration.toISOString().replace(/\./g, "\\.")}`),
      );
      assert.match(refused.stderr, /IAM-user long-term keys/);
      assert.deepEqual(await bucket.keys("configs/"), before);

      const clamped = await run(publishCohortCommand, [...args, "--expires", "2h", "--clamp", "--json"], {
        credentialProvider,
      });
      assert.equal(clamped.code, 0, clamped.stderr);
      assert.match(clamped.stderr, /shortened to/);
      const url = new URL(JSON.parse(clamped.stdout).configUrl);
      assert.ok(Number(url.searchParams.get("X-Amz-Expires")) <= 3600);
      assert.equal(url.searchParams.get("X-Amz-Security-Token"), SESSION_TOKEN);
      assert.equal((await fetchBytes(url.toString())).status, 200);
      assert.ok(!clamped.stderr.includes(SESSION_TOKEN) && !refused.stderr.includes(SESSION_TOKEN));
    });

    it("usage errors exit 2", async () => {
      await assertRefused(["--cohort", "u"], 2, /no cohort given/);
      await assertRefused(["--cohort", "u", "--prefix", "cohorts/x/"], 2, /--prefix needs --cancer and --assembly/);
      await assertRefused(
        ["--cohort", "u", "--manifest", manifest, "--expires", "abc"],
        2,
        /--expires "abc" is not a duration/,
      );
      await assertRefused(
        ["--cohort", "u", "--manifest", manifest, "--prefix", "cohorts/"],
        2,
        /both describe the cohort/,
      );
    });
  });

  it("--dry-run validates and signs but uploads nothing", async () => {
    const before = await bucket.keys("configs/");
    const result = await publish([
      "--cohort",
      "dry",
      "--manifest",
      manifest,
      "--dry-run",
      "--out",
      `${bucket.directory}/dry.json`,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /Dry run: cohort "dry" is valid: 3 samples, 9 files presigned; nothing was uploaded/);
    assert.deepEqual(await bucket.keys("configs/"), before);
    assert.equal(urlsOf(JSON.parse(readFileSync(`${bucket.directory}/dry.json`, "utf8"))).length, 9);
  });

  it("checks content by default: refuses SV and CNV files without Chromoscope's header columns (not with --no-check-content)", async () => {
    await bucket.upload([
      { key: "cohorts/content/C1.bedpe", body: "chr1\t1\t2\tchr2\t3\t4\tsv1\t+\t-\n" },
      {
        key: "cohorts/content/C1.cnv.tsv",
        body: "chromosome\tstart\tend\ttotal_cn\tmajor_cn\tminor_cn\nchr1\t1\t100\t2\t1\t1\n",
      },
    ]);
    const file = bucket.scratch(
      "content.tsv",
      "id\tcancer\tassembly\tsv\tcnv\nC1\tBreast\thg38\tcohorts/content/C1.bedpe\tcohorts/content/C1.cnv.tsv\n",
    );
    const plain = await publish(["--cohort", "content", "--manifest", file, "--dry-run", "--no-check-content"]);
    assert.equal(plain.code, 0, plain.stderr);
    const checked = await publish(["--cohort", "content", "--manifest", file]);
    assert.equal(checked.code, 1);
    assert.match(
      checked.stderr,
      /sv s3:\/\/chromoscope-test-data\/cohorts\/content\/C1\.bedpe lacks the header columns chrom1, start1, end1, chrom2, start2, end2, sv_id, strand1, strand2/,
    );
    assert.doesNotMatch(checked.stderr, /C1\.cnv\.tsv lacks/);
  });

  it("still accepts --check-content (the flag of the days it was off by default) on the generated cohort", async () => {
    const result = await publish(["--cohort", "checked", "--manifest", manifest, "--check-content", "--dry-run"]);
    assert.equal(result.code, 0, result.stderr);
  });
});
