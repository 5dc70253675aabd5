/**
 * Cookies as HTTP carries them: the `Cookie` request header read into names and values, and
 * `Set-Cookie` values written with the attributes every cookie of the viewer's origin has
 * (HttpOnly, Secure, SameSite=Lax: no script reads them, they never travel in clear, and a
 * cross-site page cannot send them along with a request it makes).
 */

/** The cookies of one or more `Cookie` headers (the first of a repeated name wins, as browsers order by path). */
export function parseCookieHeader(headers: readonly string[]): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const header of headers) {
    for (const pair of header.split(";")) {
      const equals = pair.indexOf("=");
      if (equals <= 0) continue;
      const name = pair.slice(0, equals).trim();
      const value = pair.slice(equals + 1).trim();
      if (name !== "" && !(name in cookies)) cookies[name] = value;
    }
  }
  return cookies;
}

export interface CookieAttributes {
  /** Defaults to `/`. */
  path?: string;
  /** Seconds from now; 0 removes the cookie. */
  maxAge?: number;
  /** An absolute end, for cookies that must die with a session that started earlier. */
  expires?: Date;
}

/** A cookie value must be ASCII without separators; the tokens written here always are. */
const COOKIE_VALUE = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/;
const COOKIE_PATH = /^\/[\x21-\x3a\x3c-\x7e]*$/;

/** One `Set-Cookie` value: `name=value; Path=…; [Max-Age/Expires]; HttpOnly; Secure; SameSite=Lax`. */
export function setCookie(name: string, value: string, attributes: CookieAttributes = {}): string {
  const path = attributes.path ?? "/";
  if (!COOKIE_VALUE.test(value)) throw new Error(`cookie ${name}: the value holds characters a cookie cannot carry`);
  if (!COOKIE_PATH.test(path)) throw new Error(`cookie ${name}: path ${JSON.stringify(path)} is not a cookie path`);
  const parts = [`${name}=${value}`, `Path=${path}`];
  if (attributes.maxAge !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(attributes.maxAge))}`);
  if (attributes.expires !== undefined) parts.push(`Expires=${attributes.expires.toUTCString()}`);
  parts.push("HttpOnly", "Secure", "SameSite=Lax");
  return parts.join("; ");
}

/** The `Set-Cookie` value that removes cookie `name` set with `path`. */
export function clearCookie(name: string, path = "/"): string {
  return setCookie(name, "", { path, maxAge: 0, expires: new Date(0) });
}
