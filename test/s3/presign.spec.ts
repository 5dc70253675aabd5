import assert from "node:assert/strict";
import { inspect } from "node:util";
import { ValidationError } from "../../scripts/lib/errors";
import {
  MAX_PRESIGN_SECONDS,
  S3QueryPresigner,
  SigningKeyCache,
  encodeKeyPath,
  objectUrl,
  type PresignerOptions,
} from "../../scripts/lib/s3/presign";
import {
  amzDate,
  buckets,
  credentials,
  endpoints,
  expiresInSeconds,
  keysOverLimit,
  literalVectors,
  locations,
  partitionHosts,
  sessionCredentials,
  signingDate,
} from "../fixtures/presign-vectors";

const base: PresignerOptions = {
  bucket: buckets.plain,
  region: "eu-west-1",
  credentials,
  expiresInSeconds,
  signingDate,
};
const presigner = (overrides: Partial<PresignerOptions> = {}): S3QueryPresigner =>
  new S3QueryPresigner({ ...base, signingKeyCache: new SigningKeyCache(), ...overrides });

/** [name, raw value] of each query parameter, in URL order. */
function queryPairs(url: string): Array<[string, string]> {
  return url
    .slice(url.indexOf("?") + 1)
    .split("&")
    .map((pair) => {
      const at = pair.indexOf("=");
      return [pair.slice(0, at), pair.slice(at + 1)] as [string, string];
    });
}
const param = (url: string, name: string): string | undefined => queryPairs(url).find(([n]) => n === name)?.[1];

/** assert.throws for a ValidationError whose message names `field`. */
function assertRefused(action: () => unknown, field: string | RegExp): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof ValidationError, `expected a ValidationError, got ${String(error)}`);
    assert.match(error.message, typeof field === "string" ? new RegExp(`\\b${field}\\b`) : field);
    assert.equal(error.exitCode, 1);
    return true;
  });
}

describe("S3QueryPresigner", function () {
  describe("query parameters", function () {
    it("puts the SDK's parameters in the SDK's order: sorted by name, X-Amz-Signature before X-Amz-SignedHeaders", function () {
      const url = presigner().presignGet("k");
      assert.deepEqual(
        queryPairs(url).map(([name]) => name),
        [
          "X-Amz-Algorithm",
          "X-Amz-Content-Sha256",
          "X-Amz-Credential",
          "X-Amz-Date",
          "X-Amz-Expires",
          "X-Amz-Signature",
          "X-Amz-SignedHeaders",
        ],
      );
    });

    it("puts X-Amz-Security-Token between X-Amz-Expires and X-Amz-Signature for session credentials", function () {
      const url = presigner({ credentials: sessionCredentials }).presignGet("k");
      assert.deepEqual(
        queryPairs(url).map(([name]) => name),
        [
          "X-Amz-Algorithm",
          "X-Amz-Content-Sha256",
          "X-Amz-Credential",
          "X-Amz-Date",
          "X-Amz-Expires",
          "X-Amz-Security-Token",
          "X-Amz-Signature",
          "X-Amz-SignedHeaders",
        ],
      );
    });

    it("percent-encodes the session token's / + = (RFC 3986)", function () {
      const url = presigner({ credentials: sessionCredentials }).presignGet("k");
      assert.equal(
        param(url, "X-Amz-Security-Token"),
        "IQoJb3JpZ2luX2VjEXAMPLE%2F%2F%2F%2F%2F%2F%2F%2F%2F%2FwEaCXVzLWVhc3QtMSJGMEQCIFAKE%2Btoken%2Fwith%3Dpadding%3D%3D",
      );
    });

    it("treats an empty session token as none, as the SDK does", function () {
      const withEmpty = presigner({ credentials: { ...credentials, sessionToken: "" } }).presignGet("k");
      assert.equal(withEmpty, presigner().presignGet("k"));
    });

    it("signs the host header only", function () {
      assert.equal(param(presigner().presignGet("k"), "X-Amz-SignedHeaders"), "host");
    });

    it("presigns reads only: the bucket policy denies presigned writes, so the presigner offers none", function () {
      const methods = Object.getOwnPropertyNames(S3QueryPresigner.prototype).filter((name) => name !== "constructor");
      assert.deepEqual(
        methods.filter((name) => /^presign/.test(name)),
        ["presignGet"],
      );
      assert.deepEqual(
        methods.filter((name) => /put|delete|post|write/i.test(name)),
        [],
      );
    });

    it("declares the payload unsigned: X-Amz-Content-Sha256=UNSIGNED-PAYLOAD", function () {
      assert.equal(param(presigner().presignGet("k"), "X-Amz-Content-Sha256"), "UNSIGNED-PAYLOAD");
    });

    it("sends no x-id marker and no checksum parameter", function () {
      const p = presigner({ credentials: sessionCredentials });
      assert.deepEqual(
        queryPairs(p.presignGet("k")).filter(([name]) => /^x-id$|checksum/i.test(name)),
        [],
      );
    });

    it("scopes the credential to the access key, signing day, region and s3", function () {
      assert.equal(
        param(presigner({ region: "ap-southeast-2" }).presignGet("k"), "X-Amz-Credential"),
        "AKIDEXAMPLE%2F20250102%2Fap-southeast-2%2Fs3%2Faws4_request",
      );
    });

    it("writes X-Amz-Date in whole seconds (signingDate's milliseconds are dropped)", function () {
      assert.equal(signingDate.getUTCMilliseconds(), 678);
      assert.equal(param(presigner().presignGet("k"), "X-Amz-Date"), amzDate);
      assert.equal(
        presigner().presignGet("k"),
        presigner({ signingDate: new Date("2025-01-02T03:04:05Z") }).presignGet("k"),
      );
    });
  });

  describe("literal vectors (signatures from botocore)", function () {
    for (const vector of literalVectors) {
      it(vector.name, function () {
        const p = presigner({
          bucket: vector.bucket,
          region: vector.region,
          endpoint: vector.endpoint,
          credentials: vector.session ? sessionCredentials : credentials,
        });
        assert.equal(p.presignGet(vector.key), vector.url);
      });
    }
  });

  describe("expiry", function () {
    it(`accepts 1 and ${MAX_PRESIGN_SECONDS} seconds and sends them as X-Amz-Expires`, function () {
      assert.equal(param(presigner({ expiresInSeconds: 1 }).presignGet("k"), "X-Amz-Expires"), "1");
      assert.equal(param(presigner({ expiresInSeconds: 604800 }).presignGet("k"), "X-Amz-Expires"), "604800");
    });

    for (const bad of [0, -1, 604801, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      it(`refuses ${bad} seconds with an error naming expiresInSeconds`, function () {
        assertRefused(() => presigner({ expiresInSeconds: bad }), "expiresInSeconds");
      });
    }

    it("reports expiresAt as the signing second plus the expiry", function () {
      assert.equal(presigner({ expiresInSeconds: 604800 }).expiresAt.toISOString(), "2025-01-09T03:04:05.000Z");
    });
  });

  describe("signing key cache", function () {
    it("derives the signing key once for many URLs and several presigners of one day, region and secret", function () {
      const cache = new SigningKeyCache();
      const first = new S3QueryPresigner({ ...base, signingKeyCache: cache });
      const second = new S3QueryPresigner({
        ...base,
        bucket: buckets.dotted,
        endpoint: endpoints.local,
        expiresInSeconds: 60,
        signingDate: new Date("2025-01-02T23:59:59Z"),
        signingKeyCache: cache,
      });
      for (let i = 0; i < 100; i++) {
        first.presignGet(`k${i}`);
        second.presignGet(`k${i}`);
      }
      assert.equal(cache.derivations, 1);
    });

    it("shares the key between access key ids and session tokens of the same secret (the key depends on the secret only)", function () {
      const cache = new SigningKeyCache();
      new S3QueryPresigner({ ...base, signingKeyCache: cache });
      new S3QueryPresigner({ ...base, credentials: sessionCredentials, signingKeyCache: cache });
      new S3QueryPresigner({
        ...base,
        credentials: { ...credentials, accessKeyId: "AKIDOTHER" },
        signingKeyCache: cache,
      });
      assert.equal(cache.derivations, 1);
    });

    it("derives a new key for another day, another region or another secret", function () {
      const cache = new SigningKeyCache();
      new S3QueryPresigner({ ...base, signingKeyCache: cache });
      new S3QueryPresigner({ ...base, signingDate: new Date("2025-01-03T00:00:00Z"), signingKeyCache: cache });
      new S3QueryPresigner({ ...base, region: "eu-west-2", signingKeyCache: cache });
      new S3QueryPresigner({
        ...base,
        credentials: { ...credentials, secretAccessKey: "another-secret" },
        signingKeyCache: cache,
      });
      assert.equal(cache.derivations, 4);
    });

    it("keeps at most maxEntries keys, dropping the oldest", function () {
      const cache = new SigningKeyCache(2);
      for (const region of ["eu-west-1", "eu-west-2", "eu-west-3"]) {
        new S3QueryPresigner({ ...base, region, signingKeyCache: cache });
      }
      assert.equal(cache.size, 2);
      new S3QueryPresigner({ ...base, region: "eu-west-3", signingKeyCache: cache });
      assert.equal(cache.derivations, 3);
      new S3QueryPresigner({ ...base, region: "eu-west-1", signingKeyCache: cache });
      assert.equal(cache.derivations, 4);
    });

    it("gives the same URLs from a warm cache as from a fresh one", function () {
      const cache = new SigningKeyCache();
      new S3QueryPresigner({ ...base, signingKeyCache: cache }).presignGet("warm-up");
      const warm = new S3QueryPresigner({ ...base, signingKeyCache: cache });
      assert.equal(warm.presignGet("a b"), presigner().presignGet("a b"));
    });
  });

  describe("addressing", function () {
    for (const location of locations) {
      it(`${location.name}: ${location.objectUrlOfK}`, function () {
        const p = presigner({ bucket: location.bucket, region: location.region, endpoint: location.endpoint });
        assert.equal(p.objectUrl("k"), location.objectUrlOfK);
        assert.ok(p.presignGet("k").startsWith(`${location.objectUrlOfK}?`));
      });
    }

    for (const [region, url] of partitionHosts) {
      it(`uses the partition's DNS suffix in ${region}`, function () {
        assert.equal(objectUrl({ bucket: buckets.plain, region }, "k"), url);
      });
    }

    it("objectUrl(location, key) is the presigned URL without its query", function () {
      const location = { bucket: buckets.dotted, region: "eu-west-1" };
      const url = presigner(location).presignGet("a b/é");
      assert.equal(objectUrl(location, "a b/é"), url.slice(0, url.indexOf("?")));
    });
  });

  describe("key encoding (encodeKeyPath)", function () {
    const table: ReadonlyArray<readonly [rule: string, raw: string, encoded: string]> = [
      ["a space is %20, never +", "a b", "a%20b"],
      ["a plus is %2B", "a+b", "a%2Bb"],
      ["a literal %2F is encoded once more, never decoded", "a%2Fb", "a%252Fb"],
      ["!'()* are encoded", "!'()*", "%21%27%28%29%2A"],
      ["unreserved -._~ stay", "a-b_c.d~e", "a-b_c.d~e"],
      ["? # & = are encoded", "?#&=", "%3F%23%26%3D"],
      ["/ stays and // is not collapsed", "a//b/", "a//b/"],
      ["dot segments are not normalized", "./x/../y", "./x/../y"],
      ["unicode is UTF-8, upper-case hex (NFC é)", "caf\u00e9", "caf%C3%A9"],
      ["NFD stays NFD", "cafe\u0301", "cafe%CC%81"],
      ["astral characters are 4 bytes", "\u{1F600}", "%F0%9F%98%80"],
      ["control characters are encoded", "\t\n", "%09%0A"],
    ];
    for (const [rule, raw, encoded] of table) {
      it(`${rule}: ${JSON.stringify(raw)} -> ${encoded}`, function () {
        assert.equal(encodeKeyPath(raw), encoded);
      });
    }

    it("accepts a key of exactly 1024 UTF-8 bytes", function () {
      assert.equal(encodeKeyPath("\u{1F600}".repeat(256)), "%F0%9F%98%80".repeat(256));
    });
  });

  describe("validation", function () {
    it("refuses an empty key with an error naming key", function () {
      assertRefused(() => presigner().presignGet(""), "key");
    });

    for (const { name, key } of keysOverLimit) {
      it(`refuses a key over 1024 UTF-8 bytes (${name})`, function () {
        assertRefused(() => presigner().presignGet(key), /key is longer than 1024 UTF-8 bytes/);
      });
    }

    it("refuses a key that is not valid Unicode (lone surrogate)", function () {
      assertRefused(() => presigner().presignGet("a\ud800b"), "key");
    });

    for (const region of ["", "EU-WEST-1", "eu-west-1 ", "eu_west_1", "euwest1", "aws-global", "eu-west-1.evil.com"]) {
      it(`refuses the region ${JSON.stringify(region)} with an error naming region`, function () {
        assertRefused(() => presigner({ region }), "region");
      });
    }

    for (const endpoint of [
      "",
      "127.0.0.1:4569",
      "ftp://127.0.0.1",
      "http://",
      "http://:4569",
      "http://127.0.0.1:4569/?x=1",
      "http://127.0.0.1:4569/#top",
      "http://127.0.0.1:4569/a b",
      "http://127.0.0.1:4569/a%20b",
      "http://127.0.0.1:4569/../x",
      "http://127.0.0.1:4569//",
    ]) {
      it(`refuses the endpoint ${JSON.stringify(endpoint)} with an error naming endpoint`, function () {
        assertRefused(() => presigner({ endpoint }), "endpoint");
      });
    }

    it("does not repeat an endpoint's user info (it may hold a password)", function () {
      assert.throws(
        () => presigner({ endpoint: "http://user:hunter2@127.0.0.1:4569" }),
        (error: Error) =>
          error instanceof ValidationError && /endpoint/.test(error.message) && !error.message.includes("hunter2"),
      );
    });

    for (const bucket of [
      "",
      "ab",
      "a/b",
      "arn:aws:s3:::b",
      "s3://b",
      "-bucket",
      "bucket-",
      "my bucket",
      "b".repeat(256),
    ]) {
      it(`refuses the bucket ${JSON.stringify(bucket.length > 20 ? `${bucket.slice(0, 8)}…` : bucket)} with an error naming bucket`, function () {
        assertRefused(() => presigner({ bucket }), "bucket");
      });
    }

    it("refuses an invalid signingDate", function () {
      assertRefused(() => presigner({ signingDate: new Date("not a date") }), "signingDate");
    });

    it("refuses an empty access key id or secret, naming the field", function () {
      assertRefused(() => presigner({ credentials: { ...credentials, accessKeyId: "" } }), /credentials\.accessKeyId/);
      assertRefused(
        () => presigner({ credentials: { ...credentials, secretAccessKey: "" } }),
        /credentials\.secretAccessKey/,
      );
    });

    it("never shows the secret access key in errors or when the presigner is inspected", function () {
      const secret = credentials.secretAccessKey;
      const failures: unknown[] = [];
      for (const action of [
        () => presigner({ credentials: { ...credentials, accessKeyId: "bad/id" } }),
        () => presigner({ expiresInSeconds: 0 }),
        () => presigner({ region: "nowhere" }),
        () => presigner().presignGet(""),
      ]) {
        try {
          action();
        } catch (error) {
          failures.push(error);
        }
      }
      assert.equal(failures.length, 4);
      for (const error of failures) {
        const { message, fix } = error as ValidationError;
        assert.ok(!`${message} ${fix} ${inspect(error)}`.includes(secret));
      }
      assert.ok(!inspect(presigner(), { depth: 10, showHidden: true }).includes(secret));
      assert.ok(!JSON.stringify(presigner()).includes(secret));
    });
  });
});
