/**
 * The presigners the benchmark races, all signing the same GET of the same keys with the same
 * credentials, signing date and expiry:
 *  - the project's S3QueryPresigner;
 *  - `getSignedUrl` of @aws-sdk/s3-request-presigner with one reused S3Client, configured as the
 *    project's client is (checksums only when required);
 *  - @smithy/signature-v4's SignatureV4 reused across URLs (the signer inside the SDK), as a reference;
 *  - the crypto floor: per URL only one SHA-256 of the canonical request and one HMAC-SHA256 of the
 *    string to sign, over the very bytes the project signs (prepared beforehand, untimed).
 * `checkEquivalence` proves before any timing that they produce the same signatures, so the race
 * compares equal work.
 */
import { createHash, createHmac, hash, type Hash, type Hmac } from "node:crypto";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { SignatureV4 } from "@smithy/signature-v4";
import type { Checksum, HttpRequest, SourceData } from "@smithy/types";
import { MAX_PRESIGN_SECONDS } from "../../../../policy/documents/limits";
import { S3QueryPresigner, SigningCredentials } from "../../s3/presign";

export interface SigningSetup {
  /** A DNS-compatible name, so every signer addresses it virtual-hosted on the regional endpoint. */
  bucket: string;
  region: string;
  credentials: SigningCredentials;
  expiresInSeconds: number;
  signingDate: Date;
}

export const BENCH_SIGNING: SigningSetup = {
  bucket: "chromoscope-bench-data",
  region: "eu-west-2",
  // AWS's documentation example key pair: it exists on no account.
  credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
  expiresInSeconds: MAX_PRESIGN_SECONDS,
  signingDate: new Date("2026-01-15T09:30:00Z"),
};

export type ContestantId = "project" | "getSignedUrl" | "smithy" | "floor";
export type SignerId = ContestantId | "boto3";

export const SIGNER_LABELS: Record<SignerId, string> = {
  project: "project presigner (S3QueryPresigner)",
  getSignedUrl: "getSignedUrl, one reused S3Client",
  smithy: "@smithy/signature-v4, one reused signer",
  boto3: "boto3 generate_presigned_url (SigV4)",
  floor: "crypto floor (1 SHA-256 + 1 HMAC per URL)",
};

export interface Contestant {
  id: ContestantId;
  label: string;
  /** Signs keys[0..count) once; returns the total length produced, so no work can be skipped. */
  run(count: number): number | Promise<number>;
  /** What it produces for keys[index]: a URL, or for the floor the signature alone. */
  produce(index: number): string | Promise<string>;
}

export function projectContestant(setup: SigningSetup, keys: readonly string[]): Contestant {
  const presigner = new S3QueryPresigner({ ...setup });
  return {
    id: "project",
    label: SIGNER_LABELS.project,
    run(count) {
      let total = 0;
      for (let i = 0; i < count; i++) total += presigner.presignGet(keys[i]).length;
      return total;
    },
    produce: (index) => presigner.presignGet(keys[index]),
  };
}

export function getSignedUrlContestant(
  setup: SigningSetup,
  keys: readonly string[],
): Contestant & { client: S3Client } {
  const client = new S3Client({
    region: setup.region,
    credentials: { ...setup.credentials },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const sign = (key: string) =>
    getSignedUrl(client, new GetObjectCommand({ Bucket: setup.bucket, Key: key }), {
      expiresIn: setup.expiresInSeconds,
      signingDate: setup.signingDate,
    });
  return {
    id: "getSignedUrl",
    label: SIGNER_LABELS.getSignedUrl,
    client,
    async run(count) {
      let total = 0;
      for (let i = 0; i < count; i++) total += (await sign(keys[i])).length;
      return total;
    },
    produce: (index) => sign(keys[index]),
  };
}

/** SHA-256 and HMAC-SHA256 on node:crypto, in the shape SignatureV4 expects (as @smithy/hash-node). */
export class NodeSha256 implements Checksum {
  private state: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.state = this.fresh();
  }

  update(data: Uint8Array): void {
    this.state.update(toBuffer(data));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.state.digest());
  }

  reset(): void {
    this.state = this.fresh();
  }

  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash("sha256") : createHmac("sha256", toBuffer(this.secret));
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** The SDK's escapeUri: encodeURIComponent plus `!'()*`. */
function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function smithyContestant(setup: SigningSetup, keys: readonly string[]): Contestant {
  const signer = new SignatureV4({
    credentials: { ...setup.credentials },
    region: setup.region,
    service: "s3",
    sha256: NodeSha256,
    // S3 signs the path as sent (no double encoding); the payload is not signed.
    uriEscapePath: false,
    applyChecksum: false,
  });
  const hostname = `${setup.bucket}.s3.${setup.region}.amazonaws.com`;
  const sign = async (key: string): Promise<string> => {
    const request: HttpRequest = {
      method: "GET",
      protocol: "https:",
      hostname,
      path: `/${key.split("/").map(escapeUri).join("/")}`,
      query: {},
      headers: { host: hostname, "X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD" },
    };
    const signed = await signer.presign(request, { expiresIn: setup.expiresInSeconds, signingDate: setup.signingDate });
    const parameters = signed.query ?? {};
    const query = Object.keys(parameters)
      .sort()
      .map((name) => `${escapeUri(name)}=${escapeUri(String(parameters[name]))}`)
      .join("&");
    return `${signed.protocol}//${signed.hostname}${signed.path}?${query}`;
  };
  return {
    id: "smithy",
    label: SIGNER_LABELS.smithy,
    async run(count) {
      let total = 0;
      for (let i = 0; i < count; i++) total += (await sign(keys[i])).length;
      return total;
    },
    produce: (index) => sign(keys[index]),
  };
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

/**
 * The canonical request a presigned GET URL signs, read back from the URL (SigV4: method, path,
 * canonical query without the signature, the host header, the signed header list, the payload).
 */
export function canonicalRequestOf(url: string): string {
  const parsed = new URL(url);
  const query = url.slice(url.indexOf("?") + 1);
  const canonicalQuery = query
    .split("&")
    .filter((parameter) => !parameter.startsWith("X-Amz-Signature="))
    .join("&");
  const path = url.slice(parsed.origin.length, url.indexOf("?"));
  return `GET\n${path}\n${canonicalQuery}\nhost:${parsed.host}\n\nhost\nUNSIGNED-PAYLOAD`;
}

export function floorContestant(setup: SigningSetup, keys: readonly string[], count: number): Contestant {
  // Untimed preparation: the exact canonical requests of the project's URLs, already UTF-8 encoded
  // (hashing bytes is the cheapest input node:crypto takes, so this is a floor, not a rival).
  const presigner = new S3QueryPresigner({ ...setup });
  const canonicalRequests: Buffer[] = [];
  for (let i = 0; i < count; i++)
    canonicalRequests.push(Buffer.from(canonicalRequestOf(presigner.presignGet(keys[i]))));
  const shortDate = presigner.amzDate.slice(0, 8);
  const scope = `${shortDate}/${setup.region}/s3/aws4_request`;
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${setup.credentials.secretAccessKey}`, shortDate), setup.region), "s3"),
    "aws4_request",
  );
  const stringToSignHead = `AWS4-HMAC-SHA256\n${presigner.amzDate}\n${scope}\n`;
  const signature = (index: number) =>
    createHmac("sha256", signingKey)
      .update(stringToSignHead + hash("sha256", canonicalRequests[index], "hex"))
      .digest("hex");
  return {
    id: "floor",
    label: SIGNER_LABELS.floor,
    run(runCount) {
      let total = 0;
      for (let i = 0; i < runCount; i++) total += signature(i).length;
      return total;
    },
    produce: signature,
  };
}

/** The `name=value` query parameters of a URL, raw, in order. */
function parameters(url: string): string[] {
  return url.slice(url.indexOf("?") + 1).split("&");
}

/**
 * Checks that every contestant signs what the project signs, for the given key indexes: smithy's
 * URL is byte-identical, getSignedUrl's differs only by the SDK's `x-id=GetObject` marker (which
 * it also signs), and the floor's HMAC equals the project's signature. Returns the mismatches.
 */
export async function checkEquivalence(
  contestants: readonly Contestant[],
  indexes: readonly number[],
): Promise<string[]> {
  const project = contestants.find((contestant) => contestant.id === "project");
  if (!project) return ["the project presigner is not among the contestants"];
  const mismatches: string[] = [];
  for (const index of indexes) {
    const reference = String(await project.produce(index));
    const referenceSignature = parameters(reference)
      .find((parameter) => parameter.startsWith("X-Amz-Signature="))!
      .slice("X-Amz-Signature=".length);
    const unsigned = (url: string) =>
      parameters(url).filter((parameter) => !/^(X-Amz-Signature|x-id)=/.test(parameter));
    for (const contestant of contestants) {
      if (contestant === project) continue;
      const produced = String(await contestant.produce(index));
      const same =
        contestant.id === "floor"
          ? produced === referenceSignature
          : contestant.id === "getSignedUrl"
            ? produced.startsWith(reference.slice(0, reference.indexOf("?") + 1)) &&
              parameters(produced).includes("x-id=GetObject") &&
              unsigned(produced).join("&") === unsigned(reference).join("&")
            : produced === reference;
      if (!same) mismatches.push(`${contestant.label} differs from the project presigner for key #${index}`);
    }
  }
  return mismatches;
}
