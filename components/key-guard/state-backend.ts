/**
 * The name under which the program reads its own stack back (the key-generation guard's stack
 * reference), decided before reading: a failed stack reference cannot be caught inside the program,
 * the whole update fails with the engine's message.
 *
 * Pulumi Cloud takes `<org>/<project>/<stack>`. A self-managed backend in the legacy layout (one never
 * moved with `pulumi state upgrade`) takes bare stack names only; in the project layout it takes both,
 * a bare name meaning the current project's stack. So: a `file://` backend's layout is read from its
 * `.pulumi/meta.yaml` (absent or version 0: legacy); other self-managed backends (`s3://`, `gs://`,
 * `azblob://`), whose layout would take that cloud's SDK to read, get the bare name, which both layouts
 * accept. Node only (no Pulumi runtime), so tests call it with any environment.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";

export type BackendLayout = "cloud" | "project" | "legacy" | "self-managed";

export interface BackendFacts {
  /** The backend URL as the CLI chose it, or undefined when nothing names one (Pulumi Cloud). */
  url?: string;
  /** Where the URL came from, for messages. */
  source?: string;
  layout: BackendLayout;
}

export interface BackendLookup {
  env: NodeJS.ProcessEnv;
  /** The project folder (Pulumi.yaml), where the program runs. */
  projectDir: string;
  /** Reads a file as text, undefined when it does not exist. */
  readText?: (path: string) => string | undefined;
}

function readTextIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * The backend URL with the CLI's precedence: PULUMI_BACKEND_URL, then Pulumi.yaml's `backend.url`,
 * then the login state the CLI keeps (`current` in $PULUMI_HOME/credentials.json, ~/.pulumi by default).
 */
export function backendUrl(lookup: BackendLookup): { url?: string; source?: string } {
  const read = lookup.readText ?? readTextIfPresent;
  const fromEnv = lookup.env.PULUMI_BACKEND_URL?.trim();
  if (fromEnv) return { url: fromEnv, source: "PULUMI_BACKEND_URL" };
  const project = read(join(lookup.projectDir, "Pulumi.yaml")) ?? "";
  const fromProject = /^backend:\s*\n(?:[ \t]+.*\n)*?[ \t]+url:\s*["']?([^"'\s#]+)/m.exec(project)?.[1];
  if (fromProject) return { url: fromProject, source: "Pulumi.yaml backend.url" };
  const home = lookup.env.PULUMI_HOME?.trim() || join(homedir(), ".pulumi");
  const credentials = read(join(home, "credentials.json"));
  if (credentials !== undefined) {
    try {
      const current = (JSON.parse(credentials) as { current?: unknown }).current;
      if (typeof current === "string" && current !== "") return { url: current, source: "pulumi login" };
    } catch {
      // An unreadable login state names no backend; the CLI would have failed on it first.
    }
  }
  return {};
}

/** The folder a `file://` URL names (`file://~` is the home folder; query parameters dropped). */
export function fileBackendFolder(url: string, projectDir: string): string {
  const path = decodeURIComponent(url.slice("file://".length).replace(/\?.*$/, ""));
  if (path === "~" || path.startsWith("~/")) return join(homedir(), path.slice(1));
  return isAbsolute(path) ? path : resolve(projectDir, path);
}

/** `version` of a self-managed backend's `.pulumi/meta.yaml` (0 when the file is absent: the legacy layout). */
export function metaVersion(text: string | undefined): number {
  if (text === undefined) return 0;
  const version = /^version:\s*(\d+)\s*$/m.exec(text)?.[1];
  return version === undefined ? 0 : Number(version);
}

export function stateBackend(lookup: BackendLookup): BackendFacts {
  const { url, source } = backendUrl(lookup);
  if (url === undefined || /^https?:\/\//i.test(url)) return { url, source, layout: "cloud" };
  if (url.startsWith("file://")) {
    const meta = (lookup.readText ?? readTextIfPresent)(
      join(fileBackendFolder(url, lookup.projectDir), ".pulumi", "meta.yaml"),
    );
    return { url, source, layout: metaVersion(meta) >= 1 ? "project" : "legacy" };
  }
  return { url, source, layout: "self-managed" };
}

/** The name a stack reference to the running stack takes on this backend. */
export function selfReferenceName(
  backend: BackendFacts,
  self: { organization: string; project: string; stack: string },
): string {
  if (backend.layout === "cloud" || backend.layout === "project") {
    return `${self.organization}/${self.project}/${self.stack}`;
  }
  return self.stack;
}
