/**
 * The demo provider's own pages: the sign-in form (email and password) and its error page. Plain
 * HTML with no script, so they render under any policy.
 */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

const STYLE =
  "body{font:16px/1.5 system-ui,sans-serif;max-width:24em;margin:4em auto;padding:0 1em;color:#222}" +
  "label{display:block;margin:.8em 0}input{display:block;width:100%;padding:.4em;font:inherit}" +
  "button{margin-top:1em;padding:.5em 1.2em;font:inherit}.error{color:#a00}";

function document(title: string, content: string): string {
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>` +
    `<body>${content}</body></html>\n`
  );
}

/** The sign-in form; it posts back to `action` (the interaction's own address). */
export function loginPage(action: string, error?: string): string {
  return document(
    "Sign in (demo provider)",
    `<h1>Sign in</h1><p>The demo's own OpenID Connect provider, on this machine.</p>` +
      (error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : "") +
      `<form method="post" action="${escapeHtml(action)}">` +
      `<label>Email <input name="email" type="email" autocomplete="username" required autofocus></label>` +
      `<label>Password <input name="password" type="password" autocomplete="current-password" required></label>` +
      `<button type="submit">Sign in</button></form>`,
  );
}

export function providerErrorPage(error: string, description: string): string {
  return document(
    "Sign-in error",
    `<h1>Sign-in error</h1><p><code>${escapeHtml(error)}</code></p><p>${escapeHtml(description)}</p>`,
  );
}
