/**
 * One rule for viewer URLs and one for key prefixes: the stack settings, the stack outputs parser,
 * the --viewer-url option and the link builder accept and refuse exactly the same values.
 */
import * as assert from "node:assert/strict";
import { keyPrefixProblem, viewerUrlProblem } from "../../components/address-rules";
import { resolveSettings, SettingKey } from "../../components/settings";
import { chromoscopeLink } from "../../scripts/lib/publication/chromoscope";
import { parseViewerUrlOption } from "../../scripts/lib/cli/output/publication-options";
import { userStackOutputs } from "../fixtures/stack-outputs";

const VIEWER_URLS: ReadonlyArray<[string, boolean]> = [
  ["https://chromoscope.bio/app/", true],
  ["https://viewer.lab.example.org/app/", true],
  ["https://viewer.lab.example.org:8443/app/", true],
  ["http://localhost:5173/app/", true],
  ["http://127.0.0.1:8080/app/", true],
  ["http://[::1]:8080/app/", true],
  ["http://viewer.lab.example.org/app/", false],
  ["https://chromoscope.bio/app/?showSamples=true", false],
  ["https://chromoscope.bio/app/?", false],
  ["https://chromoscope.bio/app/#top", false],
  ["https://user:secret@chromoscope.bio/app/", false],
  ["ftp://chromoscope.bio/app/", false],
  ["javascript:alert(1)", false],
  ["chromoscope.bio/app/", false],
  ["", false],
];

const KEY_PREFIXES: ReadonlyArray<[string, boolean]> = [
  ["studies/", true],
  ["lab/cohorts-2026/", true],
  ["a!_.'()-/", true],
  ["cohorts", false],
  ["/cohorts/", false],
  ["cohorts//", false],
  ["cohorts/*/", false],
  ["cohorts/?/", false],
  ["cohorts/../", false],
  ["./", false],
  ["coh orts/", false],
  ["cohörts/", false],
  ["", false],
];

function accepts(check: () => unknown): boolean {
  try {
    check();
    return true;
  } catch {
    return false;
  }
}

function settingAccepts(key: SettingKey, value: string): boolean {
  return accepts(() => resolveSettings((asked) => (asked === key ? value : undefined)));
}

describe("one rule for viewer URLs and for key prefixes, everywhere they are checked", () => {
  for (const [url, allowed] of VIEWER_URLS) {
    it(`${allowed ? "every check accepts" : "every check refuses"} the viewer URL ${JSON.stringify(url)}`, () => {
      assert.equal(viewerUrlProblem(url) === undefined, allowed, "the rule");
      assert.equal(settingAccepts("viewerUrl", url), allowed, "the viewerUrl setting");
      assert.equal(
        accepts(() => userStackOutputs({ viewerUrl: url })),
        allowed,
        "the viewerUrl stack output",
      );
      assert.equal(
        accepts(() => parseViewerUrlOption(url)),
        allowed,
        "--viewer-url",
      );
      assert.equal(
        accepts(() => chromoscopeLink({ viewerUrl: url, cohort: "c", configUrl: "https://x/c.json" })),
        allowed,
        "the link",
      );
    });
  }

  for (const [prefix, allowed] of KEY_PREFIXES) {
    it(`${allowed ? "every check accepts" : "every check refuses"} the key prefix ${JSON.stringify(prefix)}`, () => {
      assert.equal(keyPrefixProblem(prefix) === undefined, allowed, "the rule");
      assert.equal(settingAccepts("configPrefix", prefix), allowed, "the configPrefix setting");
      assert.equal(settingAccepts("dataPrefixes", JSON.stringify([prefix])), allowed, "the dataPrefixes setting");
      assert.equal(
        accepts(() => userStackOutputs({ ledgerPrefix: prefix })),
        allowed,
        "the ledgerPrefix output",
      );
      assert.equal(
        accepts(() => userStackOutputs({ dataPrefixes: [prefix] })),
        allowed,
        "the dataPrefixes output",
      );
    });
  }

  it("says why a viewer URL is refused, and what is allowed", () => {
    assert.match(String(viewerUrlProblem("http://viewer.lab.example.org/app/")), /plain http/);
    assert.throws(
      () => parseViewerUrlOption("https://chromoscope.bio/app/?x=1"),
      (error: Error & { fix?: string }) =>
        /--viewer-url .* carries a query/.test(error.message) && /https URL/.test(String(error.fix)),
    );
    assert.throws(
      () => resolveSettings((key) => (key === "viewerUrl" ? "https://chromoscope.bio/app/#x" : undefined)),
      /viewerUrl .*an https URL.*this one carries a fragment/,
    );
  });
});
