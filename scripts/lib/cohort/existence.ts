/**
 * Checks that every referenced object exists (and is not empty) with one paginated listing per
 * prefix — about one request per 1,000 objects — instead of one HEAD per object. What the files
 * hold is content-check.ts's concern.
 */
import { ObjectStore } from "../s3/object-store";
import { fileEntries, FileField, LocatedSample, Problem, sampleLabel } from "./samples";

/** Longest common prefix of the keys, cut back to a "/" so it names a folder. */
export function commonFolder(keys: readonly string[], floor: string): string {
  if (keys.length === 0) return floor;
  let common = keys[0];
  for (const key of keys) {
    let i = 0;
    while (i < common.length && i < key.length && common[i] === key[i]) i++;
    common = common.slice(0, i);
  }
  const folder = common.slice(0, common.lastIndexOf("/") + 1);
  return folder.length >= floor.length ? folder : floor;
}

/**
 * Lists, once per data prefix, the folder that holds all of that prefix's referenced keys; keys
 * whose size a listing already gave (`listedSizes`, from discovery) are not listed again.
 * Returns one problem per missing or empty object.
 */
export async function checkObjectsExist(
  samples: readonly LocatedSample[],
  dataPrefixes: readonly string[],
  store: ObjectStore,
  listedSizes: ReadonlyMap<string, number> = new Map(),
): Promise<{ problems: Problem[]; listings: string[]; unreadable: Set<string> }> {
  // Who uses each key, by reference: a message is formatted only when there is a problem.
  const wanted = new Map<string, Array<{ located: LocatedSample; field: FileField }>>();
  for (const located of samples) {
    for (const [field, key] of fileEntries(located.sample)) {
      const users = wanted.get(key);
      if (users === undefined) wanted.set(key, [{ located, field }]);
      else users.push({ located, field });
    }
  }
  const sizes = new Map<string, number>();
  const listings: string[] = [];
  // Longest data prefix first, so nested prefixes each get their own keys.
  const prefixes = [...dataPrefixes].sort((a, b) => b.length - a.length);
  const keysByPrefix = new Map<string, string[]>();
  for (const key of wanted.keys()) {
    if (listedSizes.has(key)) continue;
    const prefix = prefixes.find((candidate) => key.startsWith(candidate));
    if (prefix === undefined) continue;
    const keys = keysByPrefix.get(prefix) ?? [];
    keys.push(key);
    keysByPrefix.set(prefix, keys);
  }
  for (const [prefix, keys] of keysByPrefix) {
    const folder = commonFolder(keys, prefix);
    listings.push(folder);
    for await (const object of store.list(folder)) {
      if (wanted.has(object.key)) sizes.set(object.key, object.size);
    }
  }
  const problems: Problem[] = [];
  const unreadable = new Set<string>();
  const report = (users: Array<{ located: LocatedSample; field: FileField }>, what: string, fix: string) => {
    for (const { located, field } of users)
      problems.push({ source: sampleLabel(located), message: `${field} ${what}`, fix });
  };
  for (const [key, users] of wanted) {
    const size = listedSizes.get(key) ?? sizes.get(key);
    if (size === undefined || size === 0) unreadable.add(key);
    if (size === undefined)
      report(
        users,
        `s3://${store.bucket}/${key} does not exist`,
        "upload it, or correct the key (keys are case-sensitive)",
      );
    else if (size === 0) report(users, `s3://${store.bucket}/${key} is empty (0 bytes)`, "upload the complete file");
  }
  return { problems, listings, unreadable };
}
