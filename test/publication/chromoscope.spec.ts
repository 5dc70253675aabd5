/** The Chromoscope config and link: field order, one signature per file, and `external=` last and raw. */
import * as assert from "node:assert/strict";
import { parseChromoscopeLink, chromoscopeLink, buildConfig } from "../../scripts/lib/publication/chromoscope";

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
