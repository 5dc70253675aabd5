/**
 * What the reliability tests check after every fault, kill and refusal: the bucket's key set, and
 * that what is in it is whole — every object under configs/ a complete Chromoscope config, every
 * ledger entry complete and pointing at a config that exists (or was revoked, or is named as
 * "never linked" by the test).
 */
import * as assert from "node:assert/strict";
import { parseChromoscopeLink } from "../../scripts/lib/publication/chromoscope";
import { ObjectStore } from "../../scripts/lib/s3/object-store";
import { FILE_FIELDS } from "../../scripts/lib/cohort/samples";
import { fetchBytes } from "./local-bucket";

export interface BucketState {
  /** Every key in the bucket, sorted. */
  keys: string[];
  /** The bytes of every object under the config and ledger prefixes. */
  objects: Map<string, Buffer>;
}

export async function bucketState(
  store: ObjectStore,
  prefixes: readonly string[] = ["configs/", "ledger/"],
): Promise<BucketState> {
  const keys: string[] = [];
  for await (const object of store.list("")) keys.push(object.key);
  keys.sort();
  const objects = new Map<string, Buffer>();
  for (const key of keys)
    if (prefixes.some((prefix) => key.startsWith(prefix))) objects.set(key, await store.read(key));
  return { keys, objects };
}

/** Keys in `after` that were not in `before`. */
export function addedKeys(before: BucketState, after: BucketState): string[] {
  const known = new Set(before.keys);
  return after.keys.filter((key) => !known.has(key));
}

/** Asserts that nothing was added, removed or changed anywhere in the bucket. */
export function assertUnchanged(before: BucketState, after: BucketState, what = "the bucket"): void {
  assert.deepEqual(after.keys, before.keys, `${what}: no object added or removed`);
  for (const [key, body] of before.objects)
    assert.ok(after.objects.get(key)?.equals(body), `${what}: ${key} unchanged`);
}

export interface PublishedConfig {
  name: string;
  samples: Array<Record<string, unknown>>;
}

/** A complete Chromoscope config: `{name, samples:[…]}`, each sample with an id and every file field a presigned URL. */
export function assertCompleteConfig(body: Buffer, key: string): PublishedConfig {
  let config: PublishedConfig;
  try {
    config = JSON.parse(body.toString("utf8"));
  } catch (error) {
    assert.fail(`${key} is not valid JSON (${(error as Error).message}): a partial config`);
  }
  assert.equal(typeof config.name, "string", `${key}: name`);
  assert.ok(Array.isArray(config.samples) && config.samples.length > 0, `${key}: samples`);
  for (const sample of config.samples) {
    assert.equal(typeof sample.id, "string", `${key}: sample id`);
    for (const field of ["sv", "cnv"]) assert.equal(typeof sample[field], "string", `${key}: ${sample.id} ${field}`);
    for (const field of FILE_FIELDS) {
      if (sample[field] === undefined) continue;
      const url = new URL(String(sample[field]));
      assert.match(url.protocol, /^https?:$/, `${key}: ${sample.id} ${field} is a URL`);
      assert.ok(url.searchParams.get("X-Amz-Signature"), `${key}: ${sample.id} ${field} is presigned`);
    }
  }
  return config;
}

export interface AuditOptions {
  /** Config keys a ledger entry may name although the config is gone (its link was never printed). */
  neverLinked?: ReadonlySet<string>;
}

/**
 * Every config complete, every ledger entry complete and naming a config that exists, or that a
 * revoke entry ended, or that the test knows was never linked. Returns the parsed ledger.
 */
export function assertBucketIntact(state: BucketState, options: AuditOptions = {}): Array<Record<string, unknown>> {
  for (const [key, body] of state.objects) {
    if (key.startsWith("configs/") && key.endsWith(".json")) assertCompleteConfig(body, key);
  }
  const entries: Array<Record<string, unknown>> = [];
  for (const [key, body] of state.objects) {
    if (!key.startsWith("ledger/")) continue;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(body.toString("utf8"));
    } catch (error) {
      assert.fail(`ledger entry ${key} is not valid JSON (${(error as Error).message}): a partial entry`);
    }
    for (const field of ["event", "cohort", "configKey", "signingAccessKeyId", "createdAt", "expiresAt"]) {
      assert.equal(typeof entry[field], "string", `${key}: ${field}`);
    }
    assert.ok(Array.isArray((entry.inputs as { samples?: unknown })?.samples), `${key}: inputs.samples`);
    entries.push(entry);
  }
  const revoked = new Set(entries.filter((entry) => entry.event === "revoke").map((entry) => entry.configKey));
  for (const entry of entries) {
    if (entry.event !== "publish") continue;
    const configKey = String(entry.configKey);
    assert.ok(
      state.objects.has(configKey) || revoked.has(configKey) || options.neverLinked?.has(configKey),
      `ledger entry of ${entry.cohort} names ${configKey}, which does not exist and was not revoked`,
    );
  }
  return entries;
}

/** The object key a presigned path-style URL points to. */
export function keyOfUrl(url: string, bucket: string): string {
  const path = new URL(url).pathname;
  return decodeURIComponent(path.slice(`/${bucket}/`.length));
}

/**
 * Opens a printed Chromoscope link as the viewer would: fetches the config named after `external=`,
 * then every file it names, and compares the bytes with what was uploaded. Returns the config.
 */
export async function assertLinkWorks(
  link: string,
  bucket: string,
  uploaded: ReadonlyMap<string, string | Buffer>,
): Promise<PublishedConfig> {
  const { external } = parseChromoscopeLink(link);
  assert.ok(external, `no external= in ${link}`);
  const fetched = await fetchBytes(external);
  assert.equal(fetched.status, 200, `config ${keyOfUrl(external, bucket)}`);
  const config = assertCompleteConfig(fetched.body, keyOfUrl(external, bucket));
  for (const sample of config.samples) {
    for (const field of FILE_FIELDS) {
      if (typeof sample[field] !== "string") continue;
      const url = sample[field];
      const file = await fetchBytes(url);
      assert.equal(file.status, 200, `${sample.id} ${field}`);
      const expected = uploaded.get(keyOfUrl(url, bucket));
      assert.ok(expected !== undefined, `${sample.id} ${field} points at an uploaded object`);
      assert.ok(file.body.equals(Buffer.from(expected)), `${sample.id} ${field}: the published bytes`);
    }
  }
  return config;
}
