/**
 * The checksums S3 computes, on published vectors: CRC-64/NVME (its catalogue check value, the NVM
 * Express specification's 4 KiB buffers, and the AWS CRT's and S3 test suites' strings), CRC-32 and
 * CRC-32C (catalogue check values, and the AWS CRT Debian's python3 ships on random bytes), and the
 * combination of CRCs that makes a multipart upload's full-object checksum from its parts'.
 */
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { ChecksumAlgorithm, checksumOf, checksummer, combineCrc, emptyCrc } from "../../scripts/lib/s3/checksums";
import { seededBytes } from "../../scripts/lib/dev/seeded-random";
import { runBotocoreJob } from "../../scripts/lib/dev/botocore-runner";

const hex = (algorithm: ChecksumAlgorithm, bytes: Buffer | string) =>
  Buffer.from(checksumOf(algorithm, Buffer.from(bytes)), "base64").toString("hex");

describe("checksums S3 computes", () => {
  describe("CRC-64/NVME on published vectors", () => {
    const vectors: Array<[string, Buffer, string]> = [
      ["the catalogue's check string 123456789", Buffer.from("123456789"), "ae8b14860a799888"],
      ["32 zero bytes (AWS CRT)", Buffer.alloc(32), "cf3473434d4ecf3b"],
      ["4 KiB of zeros (NVM Express)", Buffer.alloc(4096), "6482d367eb22b64e"],
      ["4 KiB of 0xFF (NVM Express)", Buffer.alloc(4096, 0xff), "c0ddba7302eca3ac"],
      ['"aaaaaaaaaa" (AWS S3 checksum tests)', Buffer.from("aaaaaaaaaa"), "0c1a80036d65c555"],
      ['"hello world!" (crc64fast-nvme)', Buffer.from("hello world!"), "d9160d1fa8e418e3"],
    ];
    for (const [name, bytes, expected] of vectors) {
      it(name, () => assert.equal(hex("CRC64NVME", bytes), expected));
    }
    it("the same value at any alignment in memory and for any split into updates (bit by bit as reference)", () => {
      // The CRC reads whole 32-bit words where it can: pieces that start off a 4-byte boundary, or
      // end inside a word, take the byte-by-byte steps before and after.
      const data = seededBytes(203, 4);
      let reference = 0xffffffffffffffffn;
      for (const byte of data) {
        reference ^= BigInt(byte);
        for (let bit = 0; bit < 8; bit++)
          reference = reference & 1n ? (reference >> 1n) ^ 0x9a6c9329ac4bc9b5n : reference >> 1n;
      }
      const expected = (reference ^ 0xffffffffffffffffn).toString(16).padStart(16, "0");
      for (let offset = 0; offset < 8; offset++) {
        const shifted = Buffer.alloc(data.length + 8);
        data.copy(shifted, offset);
        const bytes = shifted.subarray(offset, offset + data.length);
        assert.equal(hex("CRC64NVME", bytes), expected, `offset ${offset}`);
        for (const split of [1, 3, 5, 8, 13, 100]) {
          const sum = checksummer("CRC64NVME");
          for (let start = 0; start < bytes.length; start += split) sum.update(bytes.subarray(start, start + split));
          assert.equal(sum.digest().toString("hex"), expected, `offset ${offset}, pieces of ${split}`);
        }
      }
    });
    it("base64 of the big-endian value, as S3 sends it", () => {
      assert.equal(checksumOf("CRC64NVME", Buffer.from("Hello, World!\n")), "SoXXbx67KpE=");
      assert.equal(checksumOf("CRC64NVME", Buffer.alloc(0)), "AAAAAAAAAAA=");
    });
  });

  it("CRC-32 and CRC-32C: the catalogue's check values", () => {
    assert.equal(hex("CRC32", "123456789"), "cbf43926");
    assert.equal(hex("CRC32C", "123456789"), "e3069283");
  });

  it("SHA-1 and SHA-256: base64 of the digest", () => {
    assert.equal(checksumOf("SHA256", Buffer.from("abc")), createHash("sha256").update("abc").digest("base64"));
    assert.equal(checksumOf("SHA1", Buffer.from("abc")), "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
  });

  it("combining the CRCs of consecutive pieces gives the CRC of the whole, for every CRC", () => {
    const data = seededBytes(100_003, 7);
    const cuts = [0, 1, 8, 4096, 50_000, 50_001, 100_003];
    for (const algorithm of ["CRC64NVME", "CRC32", "CRC32C"] as const) {
      let whole = emptyCrc(algorithm);
      for (let i = 1; i < cuts.length; i++) {
        const piece = data.subarray(cuts[i - 1], cuts[i]);
        whole = combineCrc(algorithm, whole, Buffer.from(checksumOf(algorithm, piece), "base64"), piece.length);
      }
      assert.equal(whole.toString("base64"), checksumOf(algorithm, data), algorithm);
    }
  });

  it("CRC-32 and CRC-32C equal the AWS CRT's (Debian's python3-awscrt) on random bytes", function () {
    const samples = [0, 1, 7, 64, 1000, 65_537].map((length, seed) => seededBytes(length, seed + 1));
    const result = runBotocoreJob<{ crc32: number[]; crc32c: number[] }>(
      String.raw`
import base64, json, sys
job = json.loads(sys.stdin.read())
try:
    from awscrt import checksums
except ImportError as error:
    print(json.dumps({"unavailable": "cannot import awscrt: %s" % error})); sys.exit(0)
data = [base64.b64decode(sample) for sample in job["samples"]]
print(json.dumps({"crc32": [checksums.crc32(d) for d in data], "crc32c": [checksums.crc32c(d) for d in data]}))
`,
      { samples: samples.map((sample) => sample.toString("base64")) },
      { timeoutMs: 30_000, maxBuffer: 1024 * 1024 },
    );
    if (!result.available) {
      if (process.env.CI === "true" || result.failed) assert.fail(result.reason);
      console.log(`      (skipped: ${result.reason})`);
      return this.skip();
    }
    samples.forEach((sample, index) => {
      assert.equal(parseInt(hex("CRC32", sample), 16), result.output.crc32[index], `CRC-32 of ${sample.length} bytes`);
      assert.equal(
        parseInt(hex("CRC32C", sample), 16),
        result.output.crc32c[index],
        `CRC-32C of ${sample.length} bytes`,
      );
    });
  });
});
