/**
 * The few pages the sign-in function answers with itself: a refusal (signed in, but no grant for the
 * cohort), a failed or expired sign-in, and signed out. Self-contained HTML with no script, under a
 * policy that loads nothing, and never cached.
 */

export interface PageResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  "Content-Type": "text/html; charset=utf-8",
  "Cache-Control": "no-store",
  "Content-Security-Policy":
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function page(status: number, title: string, paragraphs: readonly string[]): PageResponse {
  const body =
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;color:#222}</style>` +
    `</head><body><h1>${escapeHtml(title)}</h1>${paragraphs.map((text) => `<p>${text}</p>`).join("")}</body></html>\n`;
  return { status, headers: { ...PAGE_HEADERS }, body };
}

/** Signed in, but none of the person's groups holds a grant for the cohort: 403, no cookie, no data. */
export function refusalPage(who: string, cohortFolder: string): PageResponse {
  return page(403, "No access to this cohort", [
    `You are signed in as ${escapeHtml(who)}, but none of your groups has been granted the cohort <code>${escapeHtml(cohortFolder)}</code>.`,
    "Ask the lab that shared the link to grant your group access, then open the link again.",
    `<a href="/auth/logout">Sign out</a> to sign in as someone else.`,
  ]);
}

/** Granted, but the cohort has nothing published to open (never published, or withdrawn). */
export function nothingPublishedPage(cohortFolder: string): PageResponse {
  return page(404, "Nothing published", [
    `The cohort <code>${escapeHtml(cohortFolder)}</code> has no publication to open: it was withdrawn, or not published yet.`,
    "Ask the lab that shared the link.",
  ]);
}

export function noSuchSamplePage(sample: string, cohort: string): PageResponse {
  return page(404, "No such sample", [
    `The cohort ${escapeHtml(JSON.stringify(cohort))} has no sample ${escapeHtml(JSON.stringify(sample))}.`,
  ]);
}

/** The sign-in could not be completed: stale or forged callback, refused code or token. */
export function signInFailedPage(reason: string, retryPath: string): PageResponse {
  return page(400, "Sign-in did not complete", [
    escapeHtml(reason),
    `<a href="${escapeHtml(`/auth/login?return=${encodeURIComponent(retryPath)}`)}">Sign in again</a>.`,
  ]);
}

export function signedOutPage(): PageResponse {
  return page(200, "Signed out", [
    "You are signed out of the viewer: its cookies are removed from this browser.",
    "Your session with the sign-in provider may still be open; sign out there too on a shared computer.",
  ]);
}

export function notFoundPage(): PageResponse {
  return page(404, "Not found", ["Nothing is served at this address."]);
}

export function unavailablePage(): PageResponse {
  return page(503, "Try again shortly", [
    "The viewer could not record or check this request just now. Nothing was opened; try again in a minute.",
  ]);
}
