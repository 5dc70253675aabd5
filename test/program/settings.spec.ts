import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import {
  defaultSettings,
  resolveSettings,
  SettingKey,
  SETTING_KEYS,
  SETTING_SPECS,
  SettingsError,
} from "../../components/settings";

const root = join(__dirname, "..", "..");
/** A self-hosted viewer in sign-in mode (the folder is not read by the settings). */
const SIGN_IN = { access: "sign-in", viewer: "self-hosted", viewerDistPath: "/srv/chromoscope/dist" } as const;

function resolveWith(values: Record<string, string>) {
  return resolveSettings((key) => values[key]);
}

function problemsOf(values: Record<string, string>): string[] {
  try {
    resolveWith(values);
  } catch (error) {
    assert.ok(error instanceof SettingsError, `expected a SettingsError, got ${error}`);
    return [...error.problems];
  }
  assert.fail(`${JSON.stringify(values)} was accepted`);
}

describe("stack settings", () => {
  it("applies every default when nothing is set", () => {
    const settings = resolveWith({});
    assert.deepEqual(settings, defaultSettings());
    assert.deepEqual(settings.allowedOrigins, [], "nothing beyond the viewer's own origin");
    assert.deepEqual(settings.dataPrefixes, ["cohorts/"]);
    assert.equal(settings.presignerKind, "user");
    assert.equal(settings.keyRotationDays, 30);
    assert.equal(settings.maxLinkLifetimeSeconds, 604800);
    assert.equal(settings.viewerUrl, "https://chromoscope.bio/app/");
  });

  it("parses values the way the Pulumi CLI hands them over (strings, JSON arrays)", () => {
    const settings = resolveWith({
      allowedOrigins: '["https://chromoscope.bio","http://localhost:3000"]',
      keyRotationDays: "45",
      accessLogging: "false",
      keyGeneration: "7",
      allowKeyGenerationJump: "true",
    });
    assert.deepEqual(settings.allowedOrigins, ["https://chromoscope.bio", "http://localhost:3000"]);
    assert.equal(settings.keyRotationDays, 45);
    assert.equal(settings.accessLogging, false);
    assert.equal(settings.keyGeneration, 7);
    assert.equal(settings.allowKeyGenerationJump, true);
  });

  it("accepts named users and roles, the three services, and an external id for the role kind", () => {
    const principals = [
      "arn:aws:iam::210987654321:role/lab/pipeline",
      "arn:aws:iam::123456789012:user/alice",
      "ec2.amazonaws.com",
      "ecs-tasks.amazonaws.com",
      "lambda.amazonaws.com",
    ];
    const settings = resolveWith({
      presignerKind: "role",
      trustedPrincipals: JSON.stringify(principals),
      externalId: "lab-7f3a:partner",
    });
    assert.deepEqual(settings.trustedPrincipals, principals);
    assert.equal(settings.externalId, "lab-7f3a:partner");
    assert.equal(defaultSettings().externalId, "");
    assert.equal(defaultSettings().allowKeyGenerationJump, false);
  });

  const rejected: Array<[string, Record<string, string>, RegExp]> = [
    ["a rotation period over 90 days", { keyRotationDays: "120" }, /keyRotationDays = 120 .*an integer from 1 to 45/],
    ["a rotation period of 0", { keyRotationDays: "0" }, /keyRotationDays = 0 .*from 1 to 45/],
    [
      "a rotation period of 46 days (a key would live 92)",
      { keyRotationDays: "46" },
      /keyRotationDays = 46 .*from 1 to 45: with two key slots a key lives up to 2 × keyRotationDays, and AWS IAM\.3 allows an active key at most 90 days/,
    ],
    [
      "a rotation period of 90 days, which IAM.3 alone would allow",
      { keyRotationDays: "90" },
      /keyRotationDays = 90 .*from 1 to 45/,
    ],
    [
      "a link lifetime over 7 days",
      { maxLinkLifetimeSeconds: "604801" },
      /maxLinkLifetimeSeconds = 604801 .*from 1 to 604800/,
    ],
    ["a non-integer lifetime", { maxLinkLifetimeSeconds: "1.5" }, /maxLinkLifetimeSeconds = 1.5 .*an integer/],
    ["an unknown presigner kind", { presignerKind: "admin" }, /presignerKind = admin .*"user" or "role"/],
    [
      "an origin without a scheme",
      { allowedOrigins: '["viewer.lab.example.org"]' },
      /allowedOrigins .*a list of origins/,
    ],
    [
      "an origin with a path",
      { allowedOrigins: '["https://chromoscope.bio/app"]' },
      /allowedOrigins .*scheme:\/\/host\[:port\]/,
    ],
    [
      "origins that are not JSON",
      { allowedOrigins: "https://chromoscope.bio" },
      /allowedOrigins = https:\/\/chromoscope.bio .*JSON array/,
    ],
    ["a data prefix with a leading slash", { dataPrefixes: '["/cohorts/"]' }, /dataPrefixes .*no leading "\/"/],
    ["a data prefix with a wildcard", { dataPrefixes: '["cohorts/*"]' }, /dataPrefixes .*no "\*"/],
    ["a prefix without a trailing slash", { configPrefix: "configs" }, /configPrefix = configs .*ending with "\/"/],
    ['a ".." segment', { ledgerPrefix: "a/../" }, /ledgerPrefix = a\/\.\.\/ .*no "\." or "\.\." segment/],
    [
      "a config prefix inside a data prefix",
      { configPrefix: "cohorts/configs/" },
      /dataPrefixes "cohorts\/" and configPrefix "cohorts\/configs\/" overlap/,
    ],
    [
      "the same config and ledger prefix",
      { ledgerPrefix: "configs/" },
      /configPrefix "configs\/" and ledgerPrefix "configs\/" overlap/,
    ],
    [
      "a role without trusted principals",
      { presignerKind: "role" },
      /trustedPrincipals is empty but presignerKind is "role"/,
    ],
    [
      "a malformed principal",
      { trustedPrincipals: '["alice"]' },
      /trustedPrincipals .*"alice" is not an IAM user or role ARN/,
    ],
    [
      "an account root",
      { trustedPrincipals: '["arn:aws:iam::123456789012:root"]' },
      /trustedPrincipals .*"arn:aws:iam::123456789012:root" is an account root, .*every principal of account 123456789012.*: name a role or user/,
    ],
    [
      "a service that does not presign",
      { trustedPrincipals: '["glue.amazonaws.com"]' },
      /"glue\.amazonaws\.com" is not a service that presigns: use one of ec2\.amazonaws\.com, ecs-tasks\.amazonaws\.com, lambda\.amazonaws\.com/,
    ],
    ["an external id of one character", { externalId: "x" }, /externalId = x .*2-1224 characters/],
    ["an external id with a space", { externalId: "lab partner" }, /externalId = lab partner .*2-1224 characters/],
    ["an external id on the user kind", { externalId: "lab-7f3a" }, /externalId is set but presignerKind is "user"/],
    ["a max session over 12 hours", { maxSessionHours: "13" }, /maxSessionHours = 13 .*from 1 to 12/],
    ["a KMS alias instead of a key ARN", { kmsKeyArn: "alias/lab" }, /kmsKeyArn = alias\/lab .*not an alias/],
    ["a boolean that is not true/false", { versioning: "yes" }, /versioning = yes .*true or false/],
    ["a negative generation", { keyGeneration: "-1" }, /keyGeneration = -1/],
    [
      "configs that expire before their links",
      { configExpiryDays: "2" },
      /configExpiryDays 2 is shorter than maxLinkLifetimeSeconds .*at least 7/,
    ],
    ["a plain-http viewer", { viewerUrl: "http://chromoscope.bio/app/" }, /viewerUrl .*https URL/],
    ["a viewer URL with a query", { viewerUrl: "https://chromoscope.bio/app/?x=1" }, /viewerUrl .*without query/],
    [
      "a log reader that is an account root",
      { logReaderArns: '["arn:aws:iam::123456789012:root"]' },
      /logReaderArns .*IAM role or user ARNs/,
    ],
    [
      "a log reader in any account",
      { logReaderArns: '["arn:aws:iam::*:role/audit"]' },
      /logReaderArns .*IAM role or user ARNs/,
    ],
    [
      "log readers without access logging",
      { logReaderArns: '["arn:aws:iam::123456789012:role/audit"]', accessLogging: "false" },
      /logReaderArns is set but accessLogging is false/,
    ],
    ["an unknown access mode", { access: "open" }, /access = open .*"links" or "sign-in"/],
    [
      "sign-in without the self-hosted viewer",
      { access: "sign-in" },
      /access is "sign-in" but viewer is not "self-hosted": .*set viewer to "self-hosted" and viewerDistPath/,
    ],
    ["a session over a day", { sessionHours: "25" }, /sessionHours = 25 .*from 1 to 24/],
    ["a session of no hours", { sessionHours: "0" }, /sessionHours = 0 .*from 1 to 24/],
    [
      "an issuer over plain http",
      { signInIssuer: "http://login.lab.example.org" },
      /signInIssuer = http:\/\/login\.lab\.example\.org .*https URL/,
    ],
    [
      "an issuer with a query",
      { signInIssuer: "https://login.lab.example.org/?realm=x" },
      /signInIssuer .*without query/,
    ],
    [
      "an issuer without its client id",
      { ...SIGN_IN, signInIssuer: "https://login.lab.example.org/realms/lab" },
      /signInIssuer is set but signInClientId is empty: .*callback https:\/\/<viewer>\/auth\/callback/,
    ],
    [
      "a client id for the stack's own pool",
      { ...SIGN_IN, signInClientId: "chromoscope-viewer" },
      /signInClientId or signInClientSecret is set but signInIssuer is empty/,
    ],
    [
      "an issuer in links mode",
      { signInIssuer: "https://login.lab.example.org", signInClientId: "viewer" },
      /signInIssuer or signInClientId is set but access is not "sign-in"/,
    ],
    [
      "a grants prefix inside the ledger",
      { grantsPrefix: "ledger/grants/" },
      /ledgerPrefix "ledger\/" and grantsPrefix "ledger\/grants\/" overlap: data, config, ledger, grants and audit prefixes must be disjoint/,
    ],
    [
      "the same grants and audit prefix",
      { auditPrefix: "grants/" },
      /grantsPrefix "grants\/" and auditPrefix "grants\/" overlap/,
    ],
    [
      "an audit prefix inside a data prefix",
      { auditPrefix: "cohorts/audit/" },
      /dataPrefixes "cohorts\/" and auditPrefix/,
    ],
    [
      "a data prefix CloudFront cannot match, in sign-in mode",
      { ...SIGN_IN, dataPrefixes: '["cohorts/","wgs(2026)/"]' },
      /"wgs\(2026\)\/" cannot be a CloudFront path in sign-in mode/,
    ],
    [
      "a config prefix on the viewer's own path, in sign-in mode",
      { ...SIGN_IN, configPrefix: "app/configs/" },
      /"app\/configs\/" collides with the viewer's own path \/app\/ in sign-in mode/,
    ],
    [
      "more data prefixes than CloudFront has cache behaviours, in sign-in mode",
      { ...SIGN_IN, dataPrefixes: JSON.stringify(Array.from({ length: 21 }, (_, i) => `cohort-${i}/`)) },
      /dataPrefixes lists 21 prefixes: .*at most 20/,
    ],
    ["a negative cookie key generation", { cookieKeyGeneration: "-1" }, /cookieKeyGeneration = -1 .*from 0 upwards/],
  ];
  for (const [what, values, message] of rejected) {
    it(`rejects ${what}, naming the key and the allowed values`, () => {
      const problems = problemsOf(values);
      assert.ok(
        problems.some((problem) => message.test(problem)),
        `no problem matched ${message}: ${problems.join(" | ")}`,
      );
    });
  }

  it("reports every bad key at once, each prefixed with the config namespace", () => {
    try {
      resolveWith({ keyRotationDays: "120", presignerKind: "admin" });
      assert.fail("accepted");
    } catch (error) {
      assert.ok(error instanceof SettingsError);
      assert.equal(error.problems.length, 2);
      assert.match(error.message, /chromoscope-private-data:keyRotationDays = 120/);
      assert.match(error.message, /chromoscope-private-data:presignerKind = admin/);
    }
  });

  it("accepts log readers: roles, users and SSO roles with a wildcard suffix", () => {
    const readers = [
      "arn:aws:iam::123456789012:role/security-audit",
      "arn:aws:iam::123456789012:user/alice",
      "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Audit_*",
    ];
    assert.deepEqual(resolveWith({ logReaderArns: JSON.stringify(readers) }).logReaderArns, readers);
  });

  it("accepts sign-in with the self-hosted viewer: the stack's own user pool, or the lab's issuer with or without a secret", () => {
    const own = resolveWith(SIGN_IN);
    assert.equal(own.access, "sign-in");
    assert.deepEqual(
      [own.sessionHours, own.signInGroupsClaim, own.signInIssuer, own.grantsPrefix, own.auditPrefix],
      [12, "cognito:groups", "", "grants/", "audit/"],
    );
    const lab = { ...SIGN_IN, signInIssuer: "https://login.lab.example.org/realms/lab", signInClientId: "viewer" };
    assert.equal(resolveWith(lab).signInClientSecret, "");
    const stored = resolveSettings(
      (key) => (({ ...lab, signInClientSecret: "s3cr3t-value" }) as Record<string, string>)[key],
      "ns",
      () => true,
    );
    assert.equal(stored.signInClientSecret, "s3cr3t-value");
    assert.equal(defaultSettings().access, "links");
  });

  it("refuses a client secret stored in plaintext, and never repeats a secret's value", () => {
    const lab = { ...SIGN_IN, signInIssuer: "https://login.lab.example.org", signInClientId: "viewer" };
    const plaintext = (secret: string) => {
      try {
        resolveSettings(
          (key) => (({ ...lab, signInClientSecret: secret }) as Record<string, string>)[key],
          "ns",
          (key) => key !== "signInClientSecret",
        );
        return "";
      } catch (error) {
        return (error as Error).message;
      }
    };
    assert.match(
      plaintext("s3cr3t-value"),
      /signInClientSecret is stored in plaintext: `pulumi config rm signInClientSecret`, then `pulumi config set --secret signInClientSecret`/,
    );
    assert.doesNotMatch(plaintext("s3cr3t-value"), /s3cr3t-value/);
    const malformed = plaintext("two words");
    assert.match(malformed, /signInClientSecret = \(secret\) is not allowed/);
    assert.doesNotMatch(malformed, /two words/);
    assert.equal(SETTING_SPECS.signInClientSecret.secret, true);
  });

  it('accepts "*" as an origin only when it is set', () => {
    assert.deepEqual(resolveWith({ allowedOrigins: '["*"]' }).allowedOrigins, ["*"]);
    assert.ok(!defaultSettings().allowedOrigins.includes("*"));
  });

  it("declares the same keys, types and defaults in Pulumi.yaml", () => {
    const project = parse(readFileSync(join(root, "Pulumi.yaml"), "utf8"));
    assert.equal(project.name, "chromoscope-private-data");
    assert.equal(project.runtime.name, "nodejs");
    assert.deepEqual(Object.keys(project.config), SETTING_KEYS);
    for (const key of SETTING_KEYS) {
      const declared = project.config[key];
      assert.equal(declared.type, SETTING_SPECS[key].type, `${key} type`);
      assert.deepEqual(declared.default, SETTING_SPECS[key].default, `${key} default`);
      assert.equal(declared.description, SETTING_SPECS[key].description, `${key} description`);
    }
  });

  it("asks `pulumi new` for string settings only, with the settings' descriptions and defaults, which resolve unchanged", () => {
    const project = parse(readFileSync(join(root, "Pulumi.yaml"), "utf8")) as {
      name: string;
      template: { description: string; config: Record<string, { description: string; default: unknown }> };
    };
    assert.ok(project.template.description.length > 0);
    const prompts = project.template.config;
    assert.match(String(prompts["aws:region"]?.default), /^[a-z]{2}-[a-z]+-\d$/);
    const asked = Object.keys(prompts).filter((key) => key !== "aws:region");
    assert.ok(
      asked.includes("chromoscope-private-data:presignerKind") && asked.includes("chromoscope-private-data:viewerUrl"),
    );
    for (const key of ["access", "signInIssuer", "signInClientId", "signInClientSecret"]) {
      assert.ok(asked.includes(`chromoscope-private-data:${key}`), `pulumi new asks for ${key}`);
    }
    const answers: Record<string, string> = {};
    for (const fullKey of asked) {
      const [namespace, key] = fullKey.split(":") as [string, SettingKey];
      assert.equal(namespace, project.name, `${fullKey}: the project's namespace`);
      const spec = SETTING_SPECS[key];
      assert.ok(spec, `${fullKey} is not a setting`);
      assert.equal(spec.type, "string", `${fullKey}: pulumi new stores a string, so only string settings are asked`);
      assert.equal(prompts[fullKey].default, spec.default, `${fullKey} default`);
      assert.equal(prompts[fullKey].description, spec.description, `${fullKey} description`);
      assert.equal(
        (prompts[fullKey] as { secret?: boolean }).secret,
        spec.secret,
        `${fullKey}: pulumi new encrypts secrets`,
      );
      answers[key] = String(prompts[fullKey].default);
    }
    assert.deepEqual(
      resolveSettings((key) => answers[key]),
      defaultSettings(),
      "the answers, as strings, resolve to the defaults",
    );
  });

  it("keeps the example stack valid", () => {
    const stack = parse(readFileSync(join(root, "Pulumi.dev.yaml"), "utf8")).config as Record<string, unknown>;
    assert.match(String(stack["aws:region"]), /^[a-z]{2}-[a-z]+-\d$/);
    const namespace = "chromoscope-private-data:";
    for (const key of Object.keys(stack)) {
      if (key.startsWith(namespace))
        assert.ok(SETTING_KEYS.includes(key.slice(namespace.length) as never), `unknown key ${key}`);
    }
    const settings = resolveSettings((key) => {
      const value = stack[namespace + key];
      return Array.isArray(value) ? JSON.stringify(value) : value === undefined ? undefined : String(value);
    });
    assert.equal(settings.presignerKind, "user");
    assert.equal(
      stack[`${namespace}allowedOrigins`],
      undefined,
      "the example leaves allowedOrigins to its default, which follows the viewer",
    );
  });

  it("documents every setting with its default in the settings table (docs/settings.md)", () => {
    const readme = readFileSync(join(root, "docs", "settings.md"), "utf8");
    for (const key of SETTING_KEYS) {
      const row = readme.split("\n").find((line) => line.startsWith(`| \`${key}\` |`));
      assert.ok(row, `README has no settings row for ${key}`);
      const cells = row.split("|").map((cell) => cell.trim());
      assert.equal(cells[2], SETTING_SPECS[key].type, `${key} type in README`);
      assert.equal(cells[3], `\`${JSON.stringify(SETTING_SPECS[key].default)}\``, `${key} default in README`);
      assert.equal(cells[4], SETTING_SPECS[key].description, `${key} meaning in README`);
    }
  });
});
