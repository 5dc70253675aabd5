/** Cohort names a lab writes, the hostile ones refused, and the config keys built from them. */
import * as assert from "node:assert/strict";
import {
  cohortNameProblem,
  cohortSlug,
  compactTimestamp,
  configObjectKey,
  publicationStem,
} from "../../scripts/lib/naming";

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
    assert.match(stem, /^demo-breast-hg38-[0-9a-f]{12}\/20261127T090807006Z-0a1b2c3d$/);
    assert.equal(configObjectKey("configs/", stem), `configs/${stem}.json`);
    assert.match(cohortSlug("Étude Lyon"), /^etude-lyon-[0-9a-f]{12}$/);
    assert.equal(cohortSlug("etude-lyon"), "etude-lyon", "a name that is its own slug keeps it");
    assert.equal(compactTimestamp(new Date("2026-01-02T03:04:05.678Z")), "20260102T030405678Z");
  });
});
