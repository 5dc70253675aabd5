/**
 * Generates docs/share-page.png, the picture of the share page in docs/publishing.md, with the project's own
 * code: the generated example cohort, a real SigV4 presigner (AWS's documented example key, which
 * exists on no account), the config builder and the share-page builder; then Chromium renders the
 * page from disk with its clock fixed a little after publication.
 *
 *   npx ts-node --transpile-only test/support/share-page-screenshot.ts [output.png]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { defaultSettings } from "../../components/settings";
import { buildConfig } from "../../scripts/lib/publication/chromoscope";
import { exampleCohort } from "../../scripts/lib/dev/example-cohort";
import { writePrivateFileAtomic } from "../../scripts/lib/files";
import { configObjectKey, publicationStem } from "../../scripts/lib/naming";
import { S3QueryPresigner } from "../../scripts/lib/s3/presign";
import { buildSharePage, parsePublishedConfig } from "../../scripts/lib/publication/share-page";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "./browser";

const COHORT = "Demo cohort (hg38)";
const PUBLISHED_AT = new Date("2026-11-27T09:30:00Z");
/** When the screenshot "is taken": the countdown shows the time left from here. */
const VIEWED_AT = new Date("2026-11-28T14:12:25Z");
const EXAMPLE_KEY = {
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
};

export function exampleSharePage(): string {
  const settings = defaultSettings();
  const presigner = new S3QueryPresigner({
    bucket: "genomics-lab-tumour-data",
    region: "eu-west-2",
    credentials: EXAMPLE_KEY,
    expiresInSeconds: settings.maxLinkLifetimeSeconds,
    signingDate: PUBLISHED_AT,
  });
  const samples = exampleCohort({ prefix: `${settings.dataPrefixes[0]}demo/`, samples: 8 }).map(({ sample }) => ({
    sample,
    source: sample.id,
  }));
  const built = buildConfig(COHORT, samples, (key) => presigner.presignGet(key));
  const configKey = configObjectKey(settings.configPrefix, publicationStem(COHORT, PUBLISHED_AT, "3f9a1c07"));
  return buildSharePage({
    config: parsePublishedConfig(Buffer.concat(built.chunks)),
    link: { viewerUrl: settings.viewerUrl, configUrl: presigner.presignGet(configKey) },
    publishedAt: PUBLISHED_AT,
    expiresAt: presigner.expiresAt,
    publishedBy: `access key ${EXAMPLE_KEY.accessKeyId} of the stack's presigner user chromoscope-presigner`,
    now: PUBLISHED_AT,
  });
}

async function main(output: string): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), "share-page-screenshot-"));
  const context = await chromium.launchPersistentContext(join(directory, "profile"), {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1180, height: 800 },
    colorScheme: "light",
  });
  try {
    const file = join(directory, "share-page.html");
    writePrivateFileAtomic(file, exampleSharePage(), "share page");
    const page = await context.newPage();
    await page.clock.setFixedTime(VIEWED_AT);
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector("#sample-rows tr");
    await page.screenshot({ path: output, fullPage: true });
    console.log(`wrote ${output}`);
  } finally {
    await context.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main(resolve(process.argv[2] ?? join(__dirname, "..", "..", "docs", "share-page.png"))).catch((error) => {
    console.error(`error: ${(error as Error).message}`);
    process.exitCode = 1;
  });
}
