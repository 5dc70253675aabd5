/**
 * The settings of sign-in viewing (`access: sign-in`): their part of the settings table and the checks
 * that involve more than one key. components/settings.ts spreads them into the one table, so
 * Pulumi.yaml, docs/settings.md and the tests see them like every other key.
 *
 * Pure: no Pulumi runtime import (the scripts, the demo and the policy pack share it).
 */
import { keyPrefixProblem } from "../address-rules";
import type { SettingSpecOf } from "../settings/setting-spec";
import type { ViewerSettings } from "../viewer/viewer-settings";

export type AccessMode = "links" | "sign-in";

export interface SignInSettings {
  readonly access: AccessMode;
  readonly sessionHours: number;
  readonly signInGroupsClaim: string;
  readonly signInIssuer: string;
  readonly signInClientId: string;
  /** Plaintext in the program's memory only: it reaches AWS as a Pulumi secret, never an output. */
  readonly signInClientSecret: string;
  readonly cookieKeyGeneration: number;
  readonly grantsPrefix: string;
  readonly auditPrefix: string;
}

/** The viewer's own paths in sign-in mode: no data or config prefix may begin with one of them. */
export const SIGN_IN_RESERVED_PREFIXES: readonly string[] = ["app/", "auth/", "open/"];
/** CloudFront's default quota of cache behaviours per distribution, less the viewer's own three. */
export const MAX_SIGN_IN_DATA_PREFIXES = 20;
/** What a CloudFront path pattern accepts, of what a key prefix may hold (no "!", "(" or ")"). */
const PATH_PATTERN_PREFIX = /^[A-Za-z0-9_.'\-/]+$/;

function issuerProblem(issuer: string): string | undefined {
  if (issuer === "") return undefined;
  const rule =
    '"" (the stack creates a Cognito user pool) or the https URL of the lab\'s OpenID Connect issuer, without query or fragment';
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return rule;
  }
  const clean = url.protocol === "https:" && url.username === "" && url.password === "";
  return clean && url.search === "" && url.hash === "" && !/[?#]/.test(issuer) ? undefined : rule;
}

/** Printable ASCII without spaces: what OAuth client ids and secrets are made of. */
const CLIENT_TOKEN = /^[\x21-\x7e]{1,512}$/;

type SignInSpecs = { readonly [K in keyof SignInSettings]: SettingSpecOf<SignInSettings[K]> };

export const SIGN_IN_SETTING_SPECS: SignInSpecs = {
  access: {
    askedByPulumiNew: true,
    type: "string",
    default: "links",
    description:
      '"links" (every link is a presigned bearer key) or "sign-in" (people sign in; a cohort\'s link holds no key and opens only for the groups granted it; needs viewer "self-hosted").',
    check: (mode) => (mode === "links" || mode === "sign-in" ? undefined : '"links" or "sign-in"'),
  },
  sessionHours: {
    type: "integer",
    default: 12,
    description:
      "Sign-in: hours a sign-in lasts (1-24); a revoked grant stops opening data at the latest when the session ends.",
    check: (hours) => (Number.isInteger(hours) && hours >= 1 && hours <= 24 ? undefined : "an integer from 1 to 24"),
  },
  signInGroupsClaim: {
    type: "string",
    default: "cognito:groups",
    description: "Sign-in: the ID-token claim that holds the person's groups (grants name groups).",
    check: (claim) => (/^\S{1,256}$/.test(claim) ? undefined : "a claim name such as cognito:groups or groups"),
  },
  signInIssuer: {
    askedByPulumiNew: true,
    type: "string",
    default: "",
    description:
      'Sign-in: "" to create an Amazon Cognito user pool, or the https URL of the lab\'s own OpenID Connect issuer (then no pool is created).',
    check: issuerProblem,
  },
  signInClientId: {
    askedByPulumiNew: true,
    type: "string",
    default: "",
    description: "Sign-in with signInIssuer: the client id the lab's provider registered for this viewer.",
    check: (id) => (id === "" || CLIENT_TOKEN.test(id) ? undefined : '"" or a client id (printable, no spaces)'),
  },
  signInClientSecret: {
    askedByPulumiNew: true,
    type: "string",
    default: "",
    secret: true,
    description:
      "Sign-in with signInIssuer: the client's secret, set only with `pulumi config set --secret`; empty for a public client (PKCE).",
    check: (secret) =>
      secret === "" || CLIENT_TOKEN.test(secret) ? undefined : '"" or a client secret (printable, no spaces)',
  },
  cookieKeyGeneration: {
    type: "integer",
    default: 0,
    description:
      "Sign-in: cookie-signing key generation. The active slot is generation % 2; bumping it by one replaces only the other slot's key (sessions go on); a jump of two ends every session and needs allowKeyGenerationJump; never lower.",
    check: (generation) =>
      Number.isSafeInteger(generation) && generation >= 0 ? undefined : "an integer from 0 upwards",
  },
  grantsPrefix: {
    type: "string",
    default: "grants/",
    description:
      "Sign-in: key prefix of the grants (which groups may open which cohort), written with your own credentials.",
    check: keyPrefixProblem,
  },
  auditPrefix: {
    type: "string",
    default: "audit/",
    description:
      "Sign-in: key prefix of the audit records (every sign-in and cohort opened), written by the sign-in function.",
    check: keyPrefixProblem,
  },
};

/** A secret setting the stack keeps in plaintext, and how to store it encrypted instead. */
export function plaintextSecretProblem(key: string): string {
  return `${key} is stored in plaintext: \`pulumi config rm ${key}\`, then \`pulumi config set --secret ${key}\``;
}

/** Sign-in problems that involve more than one key (prefix overlaps are settings.ts's, with the others). */
export function signInSettingsProblems(
  settings: SignInSettings &
    Pick<ViewerSettings, "viewer"> & { readonly dataPrefixes: readonly string[]; readonly configPrefix: string },
): string[] {
  const problems: string[] = [];
  const signIn = settings.access === "sign-in";
  if (signIn && settings.viewer !== "self-hosted") {
    problems.push(
      'access is "sign-in" but viewer is not "self-hosted": sign-in serves the data through the stack\'s own viewer; set viewer to "self-hosted" and viewerDistPath to a Chromoscope build',
    );
  }
  if (settings.signInIssuer !== "" && settings.signInClientId === "") {
    problems.push(
      "signInIssuer is set but signInClientId is empty: register this viewer with the lab's provider (callback https://<viewer>/auth/callback) and set its client id",
    );
  }
  if (settings.signInIssuer === "" && (settings.signInClientId !== "" || settings.signInClientSecret !== "")) {
    problems.push(
      "signInClientId or signInClientSecret is set but signInIssuer is empty: the stack's own user pool makes its own client; set signInIssuer to the lab's provider or unset them",
    );
  }
  if (!signIn && (settings.signInIssuer !== "" || settings.signInClientId !== "")) {
    problems.push(
      'signInIssuer or signInClientId is set but access is not "sign-in": set access to "sign-in" or unset them',
    );
  }
  if (signIn) {
    const served = [...settings.dataPrefixes, settings.configPrefix];
    for (const prefix of served.filter((candidate) => !PATH_PATTERN_PREFIX.test(candidate))) {
      problems.push(
        `"${prefix}" cannot be a CloudFront path in sign-in mode: data and config prefixes there use letters, digits and _.'- only (no "!", "(" or ")")`,
      );
    }
    for (const prefix of served) {
      const taken = SIGN_IN_RESERVED_PREFIXES.find(
        (reserved) => prefix.startsWith(reserved) || reserved.startsWith(prefix),
      );
      if (taken !== undefined) {
        problems.push(
          `"${prefix}" collides with the viewer's own path /${taken} in sign-in mode: choose data and config prefixes outside ${SIGN_IN_RESERVED_PREFIXES.map((path) => `/${path}`).join(", ")}`,
        );
      }
    }
    if (settings.dataPrefixes.length > MAX_SIGN_IN_DATA_PREFIXES) {
      problems.push(
        `dataPrefixes lists ${settings.dataPrefixes.length} prefixes: sign-in mode serves each through a CloudFront cache behaviour, at most ${MAX_SIGN_IN_DATA_PREFIXES}`,
      );
    }
  }
  return problems;
}
