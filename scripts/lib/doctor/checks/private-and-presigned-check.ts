/** Check: an unsigned GET of real data is refused, and a presigned GET of it is served to the viewer. */
import { S3QueryPresigner } from "../../s3/presign";
import { CheckStatus, Finding, rank, TEST_LINK_SECONDS } from "../doctor-model";
import { Probe } from "../probe";
import { allowedOrigins } from "./cors-check";

interface HttpAnswer {
  status: number;
  /** S3's error code from an XML error body. */
  code?: string;
  allowOrigin?: string | null;
}

async function httpGet(probe: Probe, url: string, size: number, origin?: string): Promise<HttpAnswer> {
  // One byte is enough to prove access; an empty object cannot satisfy a range.
  const headers: Record<string, string> = size > 0 ? { Range: "bytes=0-0" } : {};
  if (origin !== undefined) headers.Origin = origin;
  const response = await probe.clients.fetch(url, {
    headers,
    redirect: "manual",
    cache: "no-store",
    signal: AbortSignal.timeout(probe.requestTimeoutMs),
  });
  let code: string | undefined;
  if (response.status >= 300) code = /<Code>([^<]+)<\/Code>/.exec(await response.text().catch(() => ""))?.[1];
  else await response.body?.cancel().catch(() => undefined);
  return { status: response.status, code, allowOrigin: response.headers.get("access-control-allow-origin") };
}

const PRESIGNED_FAILURE_FIXES: Record<string, string> = {
  SignatureDoesNotMatch:
    "the secret key does not match the access key: export the stack outputs again with --show-secrets",
  InvalidAccessKeyId: "the access key no longer exists: export fresh stack outputs (the keys may have been rotated)",
  ExpiredToken: "refresh the session (e.g. aws sso login) and run the doctor again",
  RequestTimeTooSkewed: "this machine's clock is wrong: sync it (e.g. with NTP)",
};

/**
 * Per data prefix, an unsigned GET of a real object is refused (403) and a presigned GET
 * of the same object (TEST_LINK_SECONDS, from a viewer origin) is served.
 */
export async function privateAndPresignedFinding(probe: Probe): Promise<Finding> {
  const presigner = new S3QueryPresigner({
    bucket: probe.bucket,
    region: probe.outputs.region,
    endpoint: probe.context.endpoint,
    credentials: probe.credentials.credentials,
    expiresInSeconds: TEST_LINK_SECONDS,
    signingDate: probe.context.now,
  });
  const origin = allowedOrigins(probe.outputs).find((candidate) => candidate !== "*");
  const parts: string[] = [];
  const fixes: string[] = [];
  const links: string[] = [];
  let status: CheckStatus = "pass";
  const raise = (to: CheckStatus) => {
    if (rank(to) > rank(status)) status = to;
  };
  for (const prefix of probe.outputs.dataPrefixes) {
    const listing = await probe.listing(prefix);
    if (listing.error !== undefined) {
      raise("warn");
      parts.push(`${prefix}: not tested (the prefix could not be listed)`);
      continue;
    }
    const object = listing.testObject;
    if (object === undefined) {
      raise("warn");
      parts.push(`${prefix} is empty: nothing to test`);
      fixes.push(`upload a cohort under ${prefix} and run the doctor again`);
      continue;
    }
    const unsigned = await httpGet(probe, presigner.objectUrl(object.key), object.size);
    const link = presigner.presignGet(object.key);
    const signed = await httpGet(probe, link, object.size, origin);
    if (probe.context.showLinks) links.push(link);
    const found: string[] = [];
    if (unsigned.status === 403) found.push("unsigned GET refused (403)");
    else if (unsigned.status >= 200 && unsigned.status < 300) {
      raise("fail");
      found.push(`unsigned GET served it (${unsigned.status}): the object is public`);
      fixes.push(
        "turn Block Public Access back on and remove public grants (`pulumi up --refresh`); check object ACLs",
      );
    } else {
      raise("warn");
      found.push(`unsigned GET answered ${unsigned.status}${unsigned.code ? ` ${unsigned.code}` : ""} (expected 403)`);
    }
    if (signed.status >= 200 && signed.status < 300) {
      found.push(`presigned GET served it (${signed.status})`);
      if (origin !== undefined && signed.allowOrigin !== origin && signed.allowOrigin !== "*") {
        raise("warn");
        found.push(`but without Access-Control-Allow-Origin for ${origin}`);
        fixes.push("restore the CORS rule (`pulumi up --refresh`) so the viewer may read the response");
      }
    } else {
      raise("fail");
      found.push(`presigned GET refused (${signed.status}${signed.code ? ` ${signed.code}` : ""})`);
      fixes.push(
        PRESIGNED_FAILURE_FIXES[signed.code ?? ""] ??
          ((await probe.signerIsPresigner().catch(() => false))
            ? `the presigner must be allowed s3:GetObject on ${prefix}*: run \`pulumi up --refresh\``
            : "sign with the stack's presigner (pass --stack or --outputs), which may read the data prefixes"),
      );
    }
    parts.push(`${object.key}: ${found.join(", ")}`);
  }
  return {
    status,
    detail: parts.join("; "),
    ...(fixes.length > 0 ? { fix: [...new Set(fixes)].join("; ") } : {}),
    ...(links.length > 0 ? { links } : {}),
  };
}
