import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { inlineScriptHashes, VIEWER_INDEX_KEY, VIEWER_KEY_PREFIX } from "../../components/viewer-site";
import { listingDigest, ServedFile, ServedViewer } from "../../components/viewer/served-viewer";

/**
 * A folder shaped like a Chromoscope build (test/fixtures/stand-in-viewer): analytics, fonts, a
 * stylesheet and a polyfill from third parties, two inline scripts, a module. Its app, like
 * Chromoscope's, waits for a public cohort list from a third party before it opens a link's cohort,
 * and fetches its ideograms from another (see its assets/app.js).
 */
export const STAND_IN_VIEWER = join(__dirname, "..", "fixtures", "stand-in-viewer");

/**
 * A build served exactly as built, with none of the self-hosted viewer's changes: what the viewer
 * served before it made builds self-sufficient, for tests that show the difference.
 */
export function unchangedViewer(folder: string): ServedViewer {
  const files: ServedFile[] = [];
  const visit = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) visit(path);
      else {
        const bytes = readFileSync(path);
        const key = VIEWER_KEY_PREFIX + relative(folder, path).split(sep).join("/");
        const sha256 = createHash("sha256").update(bytes).digest("hex");
        const md5 = createHash("md5").update(bytes).digest("hex");
        files.push({ key, sha256, md5, size: bytes.length, origin: "build", read: () => bytes });
      }
    }
  };
  visit(folder);
  const index = files.find((file) => file.key === VIEWER_INDEX_KEY)!;
  return {
    files,
    digest: "",
    listingDigest: listingDigest(files),
    scriptHashes: inlineScriptHashes(index.read().toString("utf8")),
    applied: [],
    notApplied: [],
  };
}
