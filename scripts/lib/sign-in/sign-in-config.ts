/**
 * The sign-in function's configuration: the JSON the stack keeps in its Secrets Manager secret
 * (`<stack>-sign-in`), which the Lambda adapter reads once per container and the demo builds itself.
 * It holds the cookie-signing private keys, so it is parsed here and never printed: every problem
 * names the field, never its value.
 */
import { keyPrefixProblem } from "../../../components/address-rules";
import type { SignInFunctionConfiguration } from "../../../components/sign-in/function-configuration";

/** The secret's shape is declared once, beside the program that writes it. */
export type SignInConfig = SignInFunctionConfiguration;

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Whether `value` is an origin (scheme, host, port) served over https, or over http on this machine. */
export function secureOriginProblem(value: unknown): string | undefined {
  if (typeof value !== "string") return "is missing";
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "is not a URL";
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK.has(url.hostname))) {
    return "must use https (plain http only on this machine)";
  }
  return undefined;
}

function stringProblem(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? undefined : "is missing or empty";
}

function prefixProblem(value: unknown): string | undefined {
  return typeof value === "string" ? keyPrefixProblem(value) : "is missing";
}

/** Every problem of a parsed configuration, each naming its field (never a value: keys live here). */
function configProblems(raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const check = (field: string, problem: string | undefined) => {
    if (problem !== undefined) problems.push(`${field} ${problem}`);
  };
  for (const field of ["activeKeyPairId", "clientId", "groupsClaim", "bucket", "region"])
    check(field, stringProblem(raw[field]));
  check("issuer", secureOriginProblem(raw.issuer));
  check("viewerOrigin", secureOriginProblem(raw.viewerOrigin));
  if (typeof raw.viewerOrigin === "string" && new URL(raw.viewerOrigin).origin !== raw.viewerOrigin)
    problems.push("viewerOrigin must be an origin alone (scheme://host[:port], no path or trailing slash)");
  for (const field of ["configPrefix", "ledgerPrefix", "grantsPrefix", "auditPrefix"])
    check(field, prefixProblem(raw[field]));
  const dataPrefixes = raw.dataPrefixes;
  if (!Array.isArray(dataPrefixes) || dataPrefixes.length === 0 || dataPrefixes.some((p) => prefixProblem(p)))
    problems.push("dataPrefixes must be a non-empty list of key prefixes");
  const hours = raw.sessionHours;
  if (typeof hours !== "number" || !Number.isInteger(hours) || hours < 1 || hours > 24)
    problems.push("sessionHours must be a whole number from 1 to 24");
  const keys = raw.keys;
  if (typeof keys !== "object" || keys === null || Object.values(keys).some((pem) => typeof pem !== "string"))
    problems.push("keys must map key pair ids to private keys (PEM)");
  else if (typeof raw.activeKeyPairId === "string" && !(raw.activeKeyPairId in keys))
    problems.push("activeKeyPairId names no key in keys");
  if (raw.clientSecret !== undefined && typeof raw.clientSecret !== "string")
    problems.push("clientSecret must be a string when present");
  return problems;
}

/** The configuration in `text` (the secret's value), or an Error listing every problem by field. */
export function parseSignInConfig(text: string, origin: string): SignInConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`${origin} is not valid JSON`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error(`${origin} is not a JSON object`);
  const problems = configProblems(raw as Record<string, unknown>);
  if (problems.length > 0) throw new Error(`${origin}: ${problems.join("; ")}`);
  const config = raw as SignInConfig;
  return config.clientSecret === "" ? { ...config, clientSecret: undefined } : config;
}
