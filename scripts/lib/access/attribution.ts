/**
 * Which publication each logged request belongs to, and the figures per publication. A config is
 * known by its key (every publication has its own). A data file is not: two publications of one
 * cohort name the same files. Their links differ in who signed them and when, and a presigned
 * request carries both in its query (`X-Amz-Credential` starts with the access key id, `X-Amz-Date`
 * is the signing time), which the ledger records as the publication's signing key and creation
 * time (publish signs every link at that second). Only presigned requests are attributed; everything
 * else (the lab's uploads and reads signed in the header, listings, the console, unsigned tries,
 * links the ledger does not know) is counted apart.
 */
import { compactTimestamp } from "../naming";
import { Publication } from "../ledger/fold";
import { AccessLogRecord } from "./access-log-format";

export type UsageFlag = "many-clients" | "after-expiry" | "after-revoke";

/** The figures of one publication over the period. */
export interface PublicationUsage {
  publication: Publication;
  /** Every request, refused ones included. */
  requests: number;
  bytesSent: number;
  distinctClients: number;
  /** Answered 4xx: expired, tampered or revoked links someone still tried. */
  refused: number;
  firstSeen: Date;
  lastSeen: Date;
  flags: UsageFlag[];
}

export interface Attribution {
  /** Publications with at least one request, flagged first, then the most recently used. */
  usages: PublicationUsage[];
  /** Requests that belong to no publication. */
  unattributed: number;
}

export interface AttributionOptions {
  /** `many-clients` when more distinct client addresses than this used a publication. */
  maxClients: number;
}

/** `X-Amz-Date`'s form of an instant: `20261127T213532Z`. */
function amzDate(date: Date): string {
  return `${compactTimestamp(date).slice(0, 15)}Z`;
}

/** A query parameter's raw value in a request line, or undefined. */
function queryValue(query: string, name: string): string | undefined {
  let at = query.indexOf(`${name}=`);
  while (at > 0 && query[at - 1] !== "&" && query[at - 1] !== "?") at = query.indexOf(`${name}=`, at + 1);
  if (at === -1) return undefined;
  const start = at + name.length + 1;
  const end = query.indexOf("&", start);
  return query.slice(start, end === -1 ? undefined : end);
}

/**
 * Who signed a presigned request and when: `<access key id> <X-Amz-Date>`, or undefined for a
 * request that is not presigned with SigV4. Only the key id is read from the credential.
 */
export function presignedSigner(requestUri: string | undefined): string | undefined {
  if (requestUri === undefined) return undefined;
  const mark = requestUri.indexOf("?");
  if (mark === -1) return undefined;
  const space = requestUri.indexOf(" ", mark);
  const query = requestUri.slice(mark, space === -1 ? undefined : space);
  const credential = queryValue(query, "X-Amz-Credential");
  const date = queryValue(query, "X-Amz-Date");
  if (credential === undefined || date === undefined) return undefined;
  const slash = credential.search(/%2F|\//i);
  return `${slash === -1 ? credential : credential.slice(0, slash)} ${date}`;
}

/** When a publication's links stop working by themselves: its expiry, or its signing session's end if earlier. */
function linksEnd(publication: Publication): Date {
  const session = publication.sessionExpiresAt;
  return session && session < publication.expiresAt ? session : publication.expiresAt;
}

/** Looks a request's publication up: by config key first, then by signer and signing time. */
class PublicationIndex {
  private readonly byConfigKey = new Map<string, Publication>();
  private readonly bySigner = new Map<string, Publication[]>();

  constructor(publications: readonly Publication[]) {
    for (const publication of publications) {
      this.byConfigKey.set(publication.configKey, publication);
      const signer = `${publication.signingAccessKeyId} ${amzDate(publication.createdAt)}`;
      this.bySigner.set(signer, [...(this.bySigner.get(signer) ?? []), publication]);
    }
  }

  /** Only presigned requests belong to a publication: the lab's own calls (publish's PUT, refresh's reads) are signed in the header. */
  find(record: AccessLogRecord): Publication | undefined {
    const signer = presignedSigner(record.requestUri);
    if (signer === undefined) return undefined;
    const byKey = record.key === undefined ? undefined : this.byConfigKey.get(record.key);
    if (byKey) return byKey;
    const candidates = this.bySigner.get(signer);
    if (!candidates || candidates.length === 1) return candidates?.[0];
    // Two publications signed by one key in the same second: the one that names the file.
    return candidates.find((publication) => namesFile(publication, record.key)) ?? candidates[0];
  }
}

function namesFile(publication: Publication, key: string | undefined): boolean {
  return publication.inputs.samples.some((sample) => Object.values(sample).includes(key));
}

interface Tally {
  publication: Publication;
  requests: number;
  bytesSent: number;
  clients: Set<string>;
  refused: number;
  firstSeen: Date;
  lastSeen: Date;
  afterExpiry: boolean;
  afterRevoke: boolean;
}

function tallyOf(publication: Publication, record: AccessLogRecord): Tally {
  return {
    publication,
    requests: 0,
    bytesSent: 0,
    clients: new Set(),
    refused: 0,
    firstSeen: record.time,
    lastSeen: record.time,
    afterExpiry: false,
    afterRevoke: false,
  };
}

function count(tally: Tally, record: AccessLogRecord): void {
  const { publication } = tally;
  tally.requests++;
  tally.bytesSent += record.bytesSent;
  if (record.remoteIp !== undefined) tally.clients.add(record.remoteIp);
  if (record.httpStatus >= 400 && record.httpStatus < 500) tally.refused++;
  if (record.time < tally.firstSeen) tally.firstSeen = record.time;
  if (record.time > tally.lastSeen) tally.lastSeen = record.time;
  if (record.time > linksEnd(publication)) tally.afterExpiry = true;
  // Log times are whole seconds: a request in the second of the revocation counts as after it.
  if (publication.revokedAt && record.time.getTime() >= Math.floor(publication.revokedAt.getTime() / 1000) * 1000)
    tally.afterRevoke = true;
}

function usageOf(tally: Tally, options: AttributionOptions): PublicationUsage {
  const flags: UsageFlag[] = [];
  if (tally.clients.size > options.maxClients) flags.push("many-clients");
  if (tally.afterExpiry) flags.push("after-expiry");
  if (tally.afterRevoke) flags.push("after-revoke");
  const { publication, requests, bytesSent, refused, firstSeen, lastSeen } = tally;
  return { publication, requests, bytesSent, distinctClients: tally.clients.size, refused, firstSeen, lastSeen, flags };
}

/** Attributes every record to a publication (or to none) and sums each publication's figures. */
export function attributeRequests(
  records: readonly AccessLogRecord[],
  publications: readonly Publication[],
  options: AttributionOptions,
): Attribution {
  const index = new PublicationIndex(publications);
  const tallies = new Map<Publication, Tally>();
  let unattributed = 0;
  for (const record of records) {
    const publication = index.find(record);
    if (!publication) {
      unattributed++;
      continue;
    }
    let tally = tallies.get(publication);
    if (!tally) tallies.set(publication, (tally = tallyOf(publication, record)));
    count(tally, record);
  }
  const usages = [...tallies.values()].map((tally) => usageOf(tally, options));
  usages.sort(
    (a, b) => Number(b.flags.length > 0) - Number(a.flags.length > 0) || b.lastSeen.getTime() - a.lastSeen.getTime(),
  );
  return { usages, unattributed };
}
