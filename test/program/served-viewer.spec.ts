/**
 * What the self-hosted viewer serves of a lab's plain Chromoscope build (servedViewer): the build's
 * files as built, its index.html without third-party tags, its start-up fetches pointed at the
 * project's start-up files on the viewer's own origin. The build folder is only read. A build where a
 * change cannot be applied is still served, with a warning naming what was not applied and what the
 * viewer then needs. With CHROMOSCOPE_DIST set to a real build of the audited commit, every change
 * is checked against it too.
 */
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Script } from "node:vm";
import {
  ownOriginIndexHtml,
  redirectStartupFetches,
  STARTUP_FILES,
  STARTUP_REDIRECTS,
} from "../../components/viewer/chromoscope-changes";
import { servedViewer, VIEWER_STARTUP_FOLDER } from "../../components/viewer/served-viewer";
import { inlineScriptHashes } from "../../components/viewer-site";
import { STAND_IN_VIEWER } from "../support/stand-in-viewer";

const THIRD_PARTY_TAG = /<(script|link)\b[^>]*\b(src|href)\s*=\s*["']?(https?:)?\/\//i;
const read = (viewer: ReturnType<typeof servedViewer>, key: string) =>
  viewer.files
    .find((file) => file.key === key)!
    .read()
    .toString("utf8");

/** Every file under a folder with its content hash and modification time. */
function fingerprint(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: "utf8" })
    .map((name) => join(folder, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => {
      const hash = createHash("sha256").update(readFileSync(path)).digest("hex");
      return `${path} ${hash} ${statSync(path).mtimeMs}`;
    })
    .sort();
}

describe("the served viewer (a plain build made self-sufficient as it is served)", () => {
  let build: string;
  beforeEach(() => {
    build = mkdtempSync(join(tmpdir(), "viewer-build-"));
    cpSync(STAND_IN_VIEWER, build, { recursive: true });
  });
  afterEach(() => rmSync(build, { recursive: true, force: true }));

  it("serves the build's files, the start-up files under app/startup/, and never writes into the build folder", () => {
    const before = fingerprint(build);
    const served = servedViewer(build);
    assert.deepEqual(
      served.files.map((file) => [file.key, file.origin]),
      [
        ["app/assets/app.js", "changed"],
        ["app/index.html", "changed"],
        ...STARTUP_FILES.map((name) => [`app/startup/${name}`, "added"]).sort(),
      ],
    );
    for (const file of served.files) {
      const bytes = file.read();
      assert.equal(file.size, bytes.length, file.key);
      assert.equal(file.sha256, createHash("sha256").update(bytes).digest("hex"), file.key);
    }
    assert.deepEqual(served.notApplied, []);
    assert.deepEqual(fingerprint(build), before, "the build folder is unchanged");
    assert.equal(servedViewer(build).digest, served.digest, "the same build serves the same bytes");
  });

  it("index.html names no third-party script, stylesheet or font; the rest of the page stays as built", () => {
    const built = readFileSync(join(build, "index.html"), "utf8");
    const served = servedViewer(build);
    const page = read(served, "app/index.html");
    assert.doesNotMatch(page, THIRD_PARTY_TAG);
    assert.doesNotMatch(page, /gtag|dataLayer/, "the analytics snippet is gone with its script");
    // Only whole lines went: the served page is the built one with lines left out, in order.
    const lines = built.split("\n");
    let next = 0;
    for (const line of page.split("\n")) {
      next = lines.indexOf(line, next) + 1;
      assert.ok(next > 0, `not a line of the build: ${line}`);
    }
    assert.deepEqual(served.scriptHashes, [inlineScriptHashes(built)[1]], "the shim's hash, unchanged");
    assert.equal(served.applied.filter((line) => line.startsWith("removed")).length, 7, served.applied.join("\n"));
  });

  it("points each start-up fetch at the viewer's own origin, in whole string literals of any quote; the script still parses", () => {
    const script = read(servedViewer(build), "app/assets/app.js");
    assert.doesNotMatch(script, /genomebrowser-uploads|raw\.githubusercontent\.com/);
    assert.match(script, /\(location\.origin\+"\/app\/startup\/cohort-list\.json"\)/);
    assert.doesNotThrow(() => new Script(script));
    const urls = STARTUP_REDIRECTS.map((redirect) => new RegExp(redirect.literal.source).exec(script)?.[0]);
    assert.deepEqual(urls, [undefined, undefined, undefined]);

    const hg38 =
      "https://raw.githubusercontent.com/sehilyi/gemini-datasets/master/data/UCSC.HG38.Human.CytoBandIdeogram.csv";
    const quoted = `a='${hg38}';b=\`${hg38}\`;c="see ${hg38}";d="${hg38}"`;
    const { script: changed, counts } = redirectStartupFetches(quoted);
    assert.deepEqual(counts, [0, 3, 0]);
    const own = '(location.origin+"/app/startup/UCSC.HG38.Human.CytoBandIdeogram.csv")';
    assert.equal(changed, `a=${own};b=${own};c="see ${hg38}";d=${own}`, "a URL inside a longer text is left alone");
  });

  it("still serves a build it cannot change, with a warning per start-up fetch not found naming what the viewer then needs", () => {
    const script = join(build, "assets", "app.js");
    writeFileSync(
      script,
      readFileSync(script, "utf8").replace(
        /https:\/\/(genomebrowser-uploads\.hms\.harvard\.edu|raw\.githubusercontent\.com)\//g,
        "https://example.org/",
      ),
    );
    const served = servedViewer(build);
    assert.equal(served.notApplied.length, 3);
    assert.match(served.notApplied[0], /^not found in the build's scripts, so not redirected: the public cohort list/);
    assert.match(served.notApplied[0], /which hms-dbmi\/chromoscope 552e5cfc fetches as it starts/);
    assert.match(
      served.notApplied[0],
      /links show its built-in sample instead of the cohort: the viewer then needs that list's host reachable/,
    );
    assert.match(
      served.notApplied[1],
      /the hg38 ideogram bands .* hg38 samples draw no ideogram unless that host is reachable/,
    );
    assert.equal(served.files.find((file) => file.key === "app/assets/app.js")!.origin, "build");
    assert.ok(
      served.files.some((file) => file.key === "app/index.html"),
      "the folder stays usable",
    );
  });

  it("the project's start-up files win over a build file of the same name, and say so", () => {
    mkdirSync(join(build, "startup"));
    writeFileSync(join(build, "startup", "cohort-list.json"), "{}");
    const served = servedViewer(build);
    assert.equal(
      read(served, "app/startup/cohort-list.json"),
      readFileSync(join(VIEWER_STARTUP_FOLDER, "cohort-list.json"), "utf8"),
    );
    assert.ok(
      served.applied.includes(
        "served the project's app/startup/cohort-list.json instead of the build's file of that name",
      ),
    );
  });

  it("leaves a page without third-party tags byte for byte as built", () => {
    const page =
      '<html><head><script type="module" src="/app/assets/x.js"></script>\n<link rel="icon" href="data:,"></head></html>';
    assert.deepEqual(ownOriginIndexHtml(page), { html: page, removed: [] });
  });
});

describe("the start-up files shipped with the project", () => {
  const readme = readFileSync(join(VIEWER_STARTUP_FOLDER, "README.md"), "utf8");

  it("the cohort list stand-in is one the app accepts (a name, at least one sample), naming only served files", () => {
    const list = JSON.parse(readFileSync(join(VIEWER_STARTUP_FOLDER, "cohort-list.json"), "utf8"));
    assert.ok(list.name && list.samples.length > 0);
    for (const sample of list.samples) {
      for (const field of ["id", "cancer", "assembly", "sv", "cnv"]) assert.ok(sample[field], field);
      for (const url of [sample.sv, sample.cnv]) {
        assert.match(url, /^\/app\/startup\//);
        assert.ok(STARTUP_FILES.includes(url.slice("/app/startup/".length)), url);
      }
    }
  });

  it("every served start-up file is in the README with its origin and terms; the CSVs' SHA-256 are the README's", () => {
    for (const name of STARTUP_FILES) assert.ok(readme.includes(`\`${name}\``), `${name} in README.md`);
    for (const name of STARTUP_FILES.filter((file) => file.endsWith(".csv"))) {
      const hash = createHash("sha256")
        .update(readFileSync(join(VIEWER_STARTUP_FOLDER, name)))
        .digest("hex");
      assert.ok(readme.includes(hash), `${name}: SHA-256 ${hash} in README.md`);
    }
    assert.match(readme, /freely available for any use/);
  });
});

describe("against a real Chromoscope build (CHROMOSCOPE_DIST, the audited commit)", function () {
  this.timeout(120_000);
  const dist = process.env.CHROMOSCOPE_DIST;

  before(function () {
    if (dist === undefined) {
      console.warn(
        "      NOTICE: skipping: set CHROMOSCOPE_DIST to a build of hms-dbmi/chromoscope 552e5cfc to check it",
      );
      this.skip();
    }
  });

  it("applies every change: the page names no third party, every start-up fetch is redirected", () => {
    const served = servedViewer(dist!);
    assert.deepEqual(served.notApplied, []);
    assert.doesNotMatch(read(served, "app/index.html"), THIRD_PARTY_TAG);
    const redirected = served.applied.filter((line) => line.startsWith("pointed"));
    assert.deepEqual(
      redirected.map((line) => /\((\d+)×\)$/.exec(line)![1]),
      ["1", "3", "2"],
      redirected.join("\n"),
    );
    assert.equal(served.scriptHashes.length, 1, "the process/global shim only");
  });
});
