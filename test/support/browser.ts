/**
 * Headless Debian Chromium driven by playwright-core, for the browser tests. On a machine without
 * Chromium the tests skip with a visible notice; under CI=true a missing Chromium is a failure.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BrowserContext, chromium } from "playwright-core";

export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Flags that keep Chromium quiet on a closed network: no background fetches, updates or sync. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Makes every host but 127.0.0.1 unresolvable, as on a closed network: a request that leaves the
 * machine fails with net::ERR_NAME_NOT_RESOLVED even where the page's policy would allow it.
 */
export const NO_THIRD_PARTY_REACHABLE = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1";

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Launches Chromium with a fresh profile, or skips the calling suite (`this.skip()`) with a notice
 * when Chromium is not installed — except under CI=true, where that throws.
 */
export async function launchChromiumOrSkip(suite: Mocha.Context, extraArgs: readonly string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    const notice = `Chromium not found at ${CHROMIUM_PATH} (Debian package "chromium"; .ci/run installs it)`;
    if (process.env.CI === "true") throw new Error(`${notice}: browser tests cannot be skipped under CI=true`);
    console.warn(`      NOTICE: skipping browser tests: ${notice}`);
    suite.skip();
  }
  const profile = mkdtempSync(join(tmpdir(), "chromium-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface PageServer {
  /** `http://127.0.0.1:PORT`, an origin of its own. */
  origin: string;
  close(): Promise<void>;
}

/** Serves one HTML page at `/` from 127.0.0.1 on an ephemeral port (a distinct origin). */
export async function servePage(html: string): Promise<PageServer> {
  const server: Server = createServer((request, response) => {
    response.writeHead(request.url === "/" ? 200 : 404, {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
    });
    response.end(request.url === "/" ? html : "");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
