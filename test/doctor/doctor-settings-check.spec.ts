import * as assert from "node:assert/strict";
import { judgeSettings } from "../../scripts/lib/doctor/checks/settings-impact-check";
import { NEVER_EXPIRES, Publication } from "../../scripts/lib/ledger/fold";
import { StackOutputs } from "../../components/stack-outputs";
import { userStackOutputs } from "../fixtures/stack-outputs";

const NOW = new Date("2026-12-01T12:00:00.000Z");
const KEY = "AKIASLOTAKEY00000001";
const DAY = 86_400;
const INLINE = [{ gene: "TP53" }];
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

/** A live publication signed `signedAgo` seconds before NOW, living `life` seconds, with one sample under cohorts/. */
function publication(cohort: string, signedAgo: number, life: number, extra: Partial<Publication> = {}): Publication {
  return {
    cohort,
    configKey: `configs/${cohort.toLowerCase()}/20261201T000000000Z-00000001.json`,
    signingAccessKeyId: KEY,
    signer: "stack-key",
    createdAt: at(-signedAgo),
    expiresAt: at(life - signedAgo),
    ledgerKey: `ledger/${cohort.toLowerCase()}/1.json`,
    inputs: {
      // Inline drivers are not a key: only sv and cnv are files.
      samples: [
        {
          id: "PD1",
          cancer: "Breast",
          assembly: "hg38",
          sv: "cohorts/b/PD1.bedpe",
          cnv: "cohorts/b/PD1.cnv.tsv",
          drivers: INLINE,
        },
      ],
      viewerUrl: "https://chromoscope.bio/app/",
    },
    ...extra,
  };
}

function outputs(overrides: Record<string, unknown> = {}): StackOutputs {
  const key = { slot: "a", accessKeyId: KEY, createdAt: "2026-11-20T00:00:00Z", rotationDueAt: "2026-12-20T00:00:00Z" };
  return userStackOutputs({
    activeKeySlot: "a",
    accessKeys: [key],
    allowedOrigins: ["https://chromoscope.bio"],
    ...overrides,
  });
}

describe("doctor: the stack's settings against the live publications (pure)", () => {
  it("passes with no live publication, saying so", () => {
    const finding = judgeSettings(
      outputs(),
      [publication("Old", 8 * DAY, 7 * DAY)],
      NOW,
      " (1 unreadable ledger entry skipped)",
    );
    const detail =
      "no live publication in the ledger to check the settings against (1 unreadable ledger entry skipped)";
    assert.deepEqual(finding, { status: "pass", detail });
  });

  it("passes when every live publication fits the settings", () => {
    const finding = judgeSettings(outputs(), [publication("A", DAY, 7 * DAY), publication("B", 7 * DAY, 7 * DAY)], NOW);
    assert.equal(finding.status, "pass");
    assert.equal(
      finding.detail,
      "2 live publications fit the settings (configPrefix, dataPrefixes, allowedOrigins, maxLinkLifetimeSeconds)",
    );
  });

  describe("maxLinkLifetimeSeconds lowered below the links' life", () => {
    const lowered = outputs({ maxLinkLifetimeSeconds: DAY });

    it("fails naming the publications signed longer ago than the new cap (the bucket policy refuses them at once)", () => {
      const finding = judgeSettings(
        lowered,
        [publication("Two Days Old", 2 * DAY, 7 * DAY), publication("Fresh", 3600, 3600)],
        NOW,
      );
      assert.equal(finding.status, "fail");
      assert.equal(
        finding.detail,
        'the stack\'s settings break 1 live publication already: "Two Days Old" (configs/two days old/20261201T000000000Z-00000001.json): ' +
          "it was signed 2 days ago, more than maxLinkLifetimeSeconds (86400) lets the bucket policy accept",
      );
      assert.match(
        finding.fix!,
        /^restore the setting \(`pulumi config set chromoscope-private-data:<key> <value>`, then `pulumi up`\), or publish/,
      );
    });

    it("warns naming those it will kill before they expire, and when", () => {
      const finding = judgeSettings(lowered, [publication("Young", 3600, 7 * DAY)], NOW);
      assert.equal(finding.status, "warn");
      assert.equal(
        finding.detail,
        'the stack\'s settings will break 1 live publication before they expire: "Young" (configs/young/20261201T000000000Z-00000001.json): ' +
          "fails after 2026-12-02T11:00:00Z: maxLinkLifetimeSeconds (86400) caps its signature age before it expires at 2026-12-08T11:00:00Z",
      );
      const fix =
        "refresh those cohorts (`npm run refresh-cohort`) and share the new links before 2026-12-02T11:00:00Z, or raise maxLinkLifetimeSeconds again";
      assert.equal(finding.fix, fix);
    });

    it("is exact at the cap: a signature exactly the cap old is still accepted, a millisecond more is not", () => {
      const atCap = publication("At Cap", DAY, 7 * DAY);
      assert.equal(judgeSettings(lowered, [atCap], NOW).status, "warn");
      assert.equal(judgeSettings(lowered, [atCap], new Date(NOW.getTime() + 1)).status, "fail");
    });
  });

  it("fails when a data prefix the publications read from was removed or renamed", () => {
    const finding = judgeSettings(outputs({ dataPrefixes: ["data/"] }), [publication("Moved", 3600, DAY)], NOW);
    assert.equal(finding.status, "fail");
    assert.match(
      finding.detail,
      /"Moved" \(\S+\): 2 of its data files \(e\.g\. cohorts\/b\/PD1\.bedpe\) are outside dataPrefixes data\/, so the/,
    );
  });

  it("fails when the config prefix was renamed", () => {
    const finding = judgeSettings(outputs({ configPrefix: "published/" }), [publication("Renamed", 3600, DAY)], NOW);
    assert.equal(finding.status, "fail");
    assert.match(finding.detail, /: its config is outside configPrefix published\/, so the presigner may not read it$/);
  });

  it('fails when allowedOrigins no longer names a publication\'s viewer, and passes with "*"', () => {
    const inputs = { ...publication("x", 0, 1).inputs, viewerUrl: "https://Viewer.Lab.example.org/app/" };
    const selfHosted = publication("Self Hosted", 3600, DAY, { inputs });
    const finding = judgeSettings(outputs(), [selfHosted], NOW);
    assert.equal(finding.status, "fail");
    assert.match(
      finding.detail,
      /its viewer's origin https:\/\/viewer\.lab\.example\.org is not in allowedOrigins, so the browser may not read the files/,
    );
    assert.equal(
      judgeSettings(outputs({ allowedOrigins: ["https://viewer.lab.example.org"] }), [selfHosted], NOW).status,
      "pass",
    );
    assert.equal(judgeSettings(outputs({ allowedOrigins: ["*"] }), [selfHosted], NOW).status, "pass");
  });

  it("a sign-in publication: no signature to age and no CORS to pass, only the prefixes the viewer serves", () => {
    const signIn = (extra: Partial<Publication> = {}) =>
      publication("Sign", 400 * DAY, 0, {
        access: "sign-in",
        dataFolder: "cohorts/b/",
        signingAccessKeyId: "",
        expiresAt: NEVER_EXPIRES,
        inputs: { ...publication("Sign", 0, DAY).inputs, viewerUrl: "https://d111111abcdef8.cloudfront.net/app/" },
        ...extra,
      });
    const lowered = outputs({ maxLinkLifetimeSeconds: DAY, allowedOrigins: ["https://chromoscope.bio"] });
    assert.equal(judgeSettings(lowered, [signIn()], NOW).status, "pass");
    const moved = judgeSettings(outputs({ dataPrefixes: ["samples/"] }), [signIn()], NOW);
    assert.equal(moved.status, "fail");
    assert.match(moved.detail, /outside dataPrefixes samples\/, so the viewer's distribution does not serve them$/);
  });

  it("judges only live publications: not expired, revoked or dead ones", () => {
    const renamed = outputs({ configPrefix: "published/" });
    const revoked = publication("Revoked", 3600, DAY, { revokedAt: at(-60) });
    const dead = publication("Dead", 3600, DAY, { signingAccessKeyId: "AKIAROTATEDOUT000003" });
    const expired = publication("Expired", 2 * DAY, DAY);
    assert.equal(judgeSettings(renamed, [revoked, dead, expired], NOW).status, "pass");
  });

  it("lists at most three breaks, then how many more", () => {
    const many = ["A", "B", "C", "D", "E"].map((name) => publication(name, 3600, DAY));
    const finding = judgeSettings(outputs({ configPrefix: "published/" }), many, NOW);
    assert.match(
      finding.detail,
      /^the stack's settings break 5 live publications already: "A" .*; "B" .*; "C" [^;]*; and 2 more$/,
    );
  });
});
