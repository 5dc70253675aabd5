import "../support/pulumi-mocks";
import * as assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import * as fs from "node:fs";
import Module from "node:module";
import * as path from "node:path";
import { prefixObjectsArn } from "../../policy/documents/iam-policies";
import { MAX_PRESIGN_SECONDS } from "../../policy/documents/limits";
import {
  describeRule,
  MAX_KEY_ROTATION_DAYS,
  policies,
  POLICY_PACK_NAME,
  PRESIGNER_COMPONENT_TYPE,
  RULE_INFO,
  RULE_NAMES,
} from "../../policy/rules";
import {
  customResource,
  editDocument,
  EngineResource,
  engineResources,
  pick,
  PolicyRun,
  PreviewMode,
  rootOf,
  runPolicies,
  setProp,
  stackResource,
  summary,
  UNKNOWN_STRING,
  undecidedRules,
  without,
} from "../support/policy-harness";
import { SettingOverrides, synthesize, SynthesizedStack } from "../support/stack-harness";
import { RESOURCE_TYPE } from "../../policy/framework/resource-types";
import { STAND_IN_VIEWER } from "../support/stand-in-viewer";

const ROOT = path.resolve(__dirname, "..", "..");

const T = RESOURCE_TYPE;

const R = {
  flags: "s3-public-access-block-all-flags",
  hasBlock: "s3-bucket-has-public-access-block",
  ownerEnforced: "s3-bucket-owner-enforced",
  publicAcl: "s3-no-public-acl",
  publicPrincipal: "s3-no-public-principal-allow",
  tls: "s3-deny-insecure-transport",
  encryption: "s3-default-encryption",
  bucketKey: "s3-kms-bucket-key",
  versioning: "s3-versioning-enabled",
  logging: "s3-access-logging-enabled",
  lifecycle: "s3-lifecycle-configured",
  corsGetOnly: "s3-cors-get-only",
  corsOrigin: "s3-cors-no-wildcard-origin",
  iamWildcards: "iam-no-wildcard-actions-or-resources",
  userDirect: "iam-user-no-direct-policies",
  twoKeys: "iam-user-at-most-two-access-keys",
  rotation: "iam-access-key-rotation-period",
  presignerWrites: "presigner-writes-only-config-and-ledger",
  ageCap: "s3-presigned-url-age-cap",
  sigv2: "s3-deny-sigv2",
  headerSignedWritesOnly: "s3-deny-writes-not-signed-in-header",
  https: "cloudfront-https-only",
  oac: "cloudfront-s3-origin-oac",
  pinned: "s3-cloudfront-reads-pinned",
  csp: "viewer-csp-own-scripts-only",
  dataPathsSigned: "cloudfront-data-paths-signed",
  cloudFrontGrant: "s3-cloudfront-grant-data-and-config-only",
  lambdaKeys: "lambda-environment-no-private-key",
} as const;

const ROOT_STACK_NAME = "chromoscope-private-data-dev";
const SELF_HOSTED = { viewer: "self-hosted", viewerDistPath: STAND_IN_VIEWER };
const SIGN_IN = { ...SELF_HOSTED, access: "sign-in" };
const PRINCIPALS = ["arn:aws:iam::210987654321:role/lab-pipeline", "arn:aws:iam::123456789012:user/alice"];
const KMS_KEY = "arn:aws:kms:eu-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const DAY_MS = 86_400_000;

type Expected = Array<[string, string]>;

/** Rules some negative test made report a violation (checked by the last test of the file). */
const caught = new Set<string>();

function sortPairs(pairs: Expected): Expected {
  return [...pairs].sort((a, b) => a.join(" ").localeCompare(b.join(" ")));
}

/** Findings of one level as `[rule, name]`, with the stack's name prefix cut off the names. */
function findings(run: PolicyRun, level: "mandatory" | "advisory", stack?: SynthesizedStack): Expected {
  return sortPairs(
    summary(run, level).map(([rule, name]) => [
      rule,
      stack && name.startsWith(stack.name) ? name.slice(stack.name.length) : name,
    ]),
  );
}

function expectFindings(
  run: PolicyRun,
  level: "mandatory" | "advisory",
  expected: Expected,
  stack?: SynthesizedStack,
): void {
  assert.deepEqual(findings(run, level, stack), sortPairs(expected));
  for (const [rule] of expected) caught.add(rule);
}

function message(run: PolicyRun, rule: string): string {
  return run.findings
    .filter((finding) => finding.rule === rule)
    .map((finding) => finding.message)
    .join("\n");
}

function bucketArn(resources: EngineResource[], suffix = "-data-bucket"): string {
  return pick(resources, T.bucket, suffix).outputs.arn;
}

function dropStatement(resource: EngineResource, sid: string): void {
  editDocument(resource, (document) => {
    const before = document.Statement.length;
    document.Statement = document.Statement.filter((statement) => statement.Sid !== sid);
    assert.equal(document.Statement.length, before - 1, `statement ${sid} not found`);
  });
}

function editStatement(resource: EngineResource, sid: string, edit: (statement: any) => void): void {
  editDocument(resource, (document) => {
    const statement = document.Statement.find((candidate) => candidate.Sid === sid);
    assert.ok(statement, `statement ${sid} not found`);
    edit(statement);
  });
}

const run = (resources: EngineResource[], config?: Record<string, Record<string, unknown>>) =>
  runPolicies(policies, resources, { config });
/** Runs one rule only: for small hand-made stacks that other rules would rightly find incomplete. */
const runOnly = (rule: string, resources: EngineResource[]) =>
  runPolicies(
    policies.filter((policy) => policy.name === rule),
    resources,
  );

// ---------------------------------------------------------------- every variant of the real program

interface Variant {
  label: string;
  overrides: SettingOverrides;
  advisory: Expected;
  /** Rules a preview cannot decide besides UNDECIDED_IN_PREVIEW_* (what only this variant computes). */
  undecidedInPreview?: string[];
}

const VARIANTS: Variant[] = [
  { label: "default settings", overrides: {}, advisory: [] },
  {
    label: "role kind with principals",
    overrides: { presignerKind: "role", trustedPrincipals: PRINCIPALS, maxSessionHours: 6 },
    advisory: [],
  },
  {
    label: "role kind with a service principal",
    overrides: { presignerKind: "role", trustedPrincipals: ["ec2.amazonaws.com"] },
    advisory: [],
  },
  { label: "KMS key", overrides: { kmsKeyArn: KMS_KEY }, advisory: [] },
  { label: '"*" origin opt-in', overrides: { allowedOrigins: ["*"] }, advisory: [[R.corsOrigin, "-data-cors"]] },
  { label: "access logging off", overrides: { accessLogging: false }, advisory: [[R.logging, "-data-bucket"]] },
  {
    label: "versioning off",
    overrides: { versioning: false },
    advisory: [
      [R.versioning, "-data-bucket"],
      [R.versioning, "-data-logs"],
    ],
  },
  { label: "key generation bumped to 5", overrides: { keyGeneration: 5 }, advisory: [] },
  { label: "self-hosted viewer", overrides: SELF_HOSTED, advisory: [] },
  // The function's environment names its secret's ARN, which AWS computes.
  {
    label: "sign-in with the stack's own user pool",
    overrides: SIGN_IN,
    advisory: [],
    undecidedInPreview: [R.lambdaKeys],
  },
  {
    label: "sign-in with the lab's issuer, custom prefixes and a KMS key",
    overrides: {
      ...SIGN_IN,
      signInIssuer: "https://login.lab.example.org/realms/lab",
      signInClientId: "chromoscope-viewer",
      dataPrefixes: ["wgs/", "panels/"],
      configPrefix: "shared/configs/",
      kmsKeyArn: KMS_KEY,
    },
    advisory: [],
    undecidedInPreview: [R.lambdaKeys],
  },
  {
    label: "custom prefixes, link lifetime and expiry",
    overrides: {
      dataPrefixes: ["pcawg/", "tcga/brca/"],
      configPrefix: "shared/configs/",
      ledgerPrefix: "shared/ledger/",
      maxLinkLifetimeSeconds: 86400,
      configExpiryDays: 3,
      noncurrentVersionDays: 7,
    },
    advisory: [],
  },
  {
    label: "forceDestroy on, rotation every 45 days",
    overrides: { forceDestroy: true, keyRotationDays: 45 },
    advisory: [],
  },
];

/** Rules that need a value AWS computes (a policy document built from an ARN, a key's creation date). */
const UNDECIDED_IN_PREVIEW_USER = [
  R.rotation,
  R.iamWildcards,
  R.presignerWrites,
  R.tls,
  R.sigv2,
  R.publicPrincipal,
  R.ageCap,
  R.headerSignedWritesOnly,
  R.pinned,
  R.cloudFrontGrant,
].sort();
const UNDECIDED_IN_PREVIEW_ROLE = UNDECIDED_IN_PREVIEW_USER.filter((rule) => rule !== R.rotation);

describe("policy pack (rules run against the program under mocks)", function () {
  let base: SynthesizedStack;
  before(async () => {
    base = await synthesize({}, "policy");
  });

  describe("every stack variant: zero mandatory violations, exactly the expected advisories", () => {
    for (const variant of VARIANTS) {
      describe(variant.label, () => {
        let stack: SynthesizedStack;
        before(async () => {
          stack = await synthesize(variant.overrides, "policy");
        });

        it("after `pulumi up` (every value known): decides every rule", async () => {
          const result = await run(engineResources(stack, "resolved"));
          assert.deepEqual(findings(result, "mandatory", stack), []);
          assert.deepEqual(findings(result, "advisory", stack), sortPairs(variant.advisory));
          assert.deepEqual(result.undecided, []);
        });

        for (const mode of ["preview", "preview-omitted"] as PreviewMode[]) {
          it(`${mode} of a new stack: same findings, and unknown policy documents left undecided (never passed)`, async () => {
            const result = await run(engineResources(stack, mode));
            assert.deepEqual(findings(result, "mandatory", stack), []);
            assert.deepEqual(findings(result, "advisory", stack), sortPairs(variant.advisory));
            const kind = stack.settings.presignerKind;
            assert.deepEqual(
              undecidedRules(result),
              [
                ...(kind === "user" ? UNDECIDED_IN_PREVIEW_USER : UNDECIDED_IN_PREVIEW_ROLE),
                ...(variant.undecidedInPreview ?? []),
              ].sort(),
            );
            for (const entry of result.undecided) assert.match(entry.message, /can't be known during preview/);
          });
        }
      });
    }
  });

  describe("the preview simulation is realistic", () => {
    it("hides bucket ids and ARNs from children, but keeps URN links and autonames", () => {
      const resources = engineResources(base, "preview");
      const block = pick(resources, T.publicAccessBlock, "-data-bucket-public-access-block");
      const bucket = pick(resources, T.bucket, "-data-bucket");
      assert.equal(block.inputs.bucket, UNKNOWN_STRING);
      assert.equal(bucket.outputs.arn, UNKNOWN_STRING);
      assert.equal(bucket.outputs.bucket, `${base.name}-data-bucket-0a1b2c3`);
      assert.deepEqual(block.propertyDependencies, { bucket: [bucket.urn] });
      assert.equal(pick(resources, T.bucketPolicy, "-data-policy").inputs.policy, UNKNOWN_STRING);
      assert.equal(rootOf(resources).outputs.bucketArn, UNKNOWN_STRING);
      assert.equal(rootOf(resources).outputs.bucketName, bucket.outputs.bucket);
      const logging = pick(resources, T.logging, "-data-logging");
      assert.deepEqual(logging.propertyDependencies, {
        bucket: [bucket.urn],
        targetBucket: [pick(resources, T.bucket, "-data-logs").urn],
      });
      assert.ok(
        logging.dependencies.includes(pick(resources, T.bucketPolicy, "-data-logs-policy").urn),
        "dependsOn is a dependency",
      );
      assert.equal(
        pick(resources, T.accessKey, "-key-a").inputs.user,
        pick(resources, T.user, "-presigner-user").outputs.name,
      );
    });

    it("every property unknown: no rule crashes, none fails, and only rules that need no value decide", async () => {
      const role = await synthesize({ presignerKind: "role", trustedPrincipals: ["ec2.amazonaws.com"] }, "policy");
      for (const stack of [base, role]) {
        const resources = engineResources(stack, "preview");
        for (const resource of resources) {
          for (const key of Object.keys(resource.inputs)) resource.inputs[key] = UNKNOWN_STRING;
          for (const key of Object.keys(resource.outputs)) resource.outputs[key] = UNKNOWN_STRING;
        }
        const result = await run(resources);
        assert.deepEqual(result.findings, []);
        // Decided from URN links and absent resources alone: blocks and logging exist, keys per user are
        // counted, no ACL or user policy exists. Everything else waits for known values.
        // The CloudFront rules have nothing to judge in a stack without a self-hosted viewer.
        const decided: string[] = [
          ...[R.hasBlock, R.publicAcl, R.userDirect, R.twoKeys, R.logging, R.https, R.oac, R.csp],
          ...[R.dataPathsSigned, R.lambdaKeys],
        ];
        if (stack === role) decided.push(R.rotation); // no access keys at all
        assert.deepEqual(undecidedRules(result), RULE_NAMES.filter((rule) => !decided.includes(rule)).sort());
      }
    });
  });

  // ---------------------------------------------------------------- negative tests, one rule at a time

  describe("negative tests: each deliberately wrong resource is reported by exactly its rule", () => {
    let resources: EngineResource[];
    beforeEach(() => {
      resources = engineResources(base);
    });

    describe(R.flags, () => {
      it("reports a public access block with blockPublicPolicy off", async () => {
        setProp(pick(resources, T.publicAccessBlock, "-data-bucket-public-access-block"), "blockPublicPolicy", false);
        const result = await run(resources);
        expectFindings(result, "mandatory", [[R.flags, "-data-bucket-public-access-block"]], base);
        assert.match(message(result, R.flags), /blockPublicPolicy/);
      });

      it("reports a flag left out (absent means false), even during preview", async () => {
        const preview = engineResources(base, "preview");
        setProp(
          pick(preview, T.publicAccessBlock, "-data-logs-public-access-block"),
          "restrictPublicBuckets",
          undefined,
        );
        const result = await run(preview);
        expectFindings(result, "mandatory", [[R.flags, "-data-logs-public-access-block"]], base);
        assert.deepEqual(undecidedRules(result), UNDECIDED_IN_PREVIEW_USER);
      });
    });

    describe(R.hasBlock, () => {
      it("reports a bucket without a public access block", async () => {
        const result = await run(
          without(resources, pick(resources, T.publicAccessBlock, "-data-logs-public-access-block")),
        );
        expectFindings(result, "mandatory", [[R.hasBlock, "-data-logs"]], base);
      });

      it("links by URN during preview, when no bucket name or ARN is known to the children", async () => {
        const preview = engineResources(base, "preview");
        const result = await run(
          without(preview, pick(preview, T.publicAccessBlock, "-data-bucket-public-access-block")),
        );
        expectFindings(result, "mandatory", [[R.hasBlock, "-data-bucket"]], base);
      });

      it("falls back to dependencies, then to known names, and never guesses on an unknown link", async () => {
        const bucket = customResource(
          T.bucket,
          "lab-bucket",
          { bucket: "lab-bucket-1234" },
          { outputs: { arn: UNKNOWN_STRING } },
        );
        const block = (bucketRef: string, extra: Partial<EngineResource> = {}) => ({
          ...customResource(T.publicAccessBlock, "lab-block", {
            bucket: bucketRef,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
          }),
          ...extra,
        });
        const stack = stackResource({});
        // By known name, with no dependency information at all.
        const byName = await runOnly(R.hasBlock, [stack, bucket, block("lab-bucket-1234")]);
        assert.deepEqual(byName, { findings: [], undecided: [] });
        // By `dependencies` when the value is unknown and no property dependency was recorded.
        const byDependency = await runOnly(R.hasBlock, [
          stack,
          bucket,
          block(UNKNOWN_STRING, { dependencies: [bucket.urn] }),
        ]);
        assert.deepEqual(byDependency, { findings: [], undecided: [] });
        // A known name of another bucket: this one lacks a block.
        expectFindings(await runOnly(R.hasBlock, [stack, bucket, block("someone-elses-bucket")]), "mandatory", [
          [R.hasBlock, "lab-bucket"],
        ]);
        // Unknown value, no URN information: undecided, neither passed nor failed.
        const unknown = await runOnly(R.hasBlock, [stack, bucket, block(UNKNOWN_STRING)]);
        assert.deepEqual(findings(unknown, "mandatory"), []);
        assert.ok(undecidedRules(unknown).includes(R.hasBlock));
      });
    });

    describe(R.ownerEnforced, () => {
      it("reports ownership ObjectWriter", async () => {
        setProp(pick(resources, T.ownershipControls, "-data-bucket-ownership"), "rule", {
          objectOwnership: "ObjectWriter",
        });
        expectFindings(await run(resources), "mandatory", [[R.ownerEnforced, "-data-bucket-ownership"]], base);
      });

      it("reports a bucket without ownership controls (ACLs stay enabled)", async () => {
        const result = await run(without(resources, pick(resources, T.ownershipControls, "-data-logs-ownership")));
        expectFindings(result, "mandatory", [[R.ownerEnforced, "-data-logs"]], base);
      });
    });

    describe(R.publicAcl, () => {
      it("reports an ACL resource with the canned public-read ACL", async () => {
        const bucket = pick(resources, T.bucket, "-data-bucket");
        resources.push(
          customResource(
            T.acl,
            "public-acl",
            { bucket: bucket.outputs.bucket, acl: "public-read" },
            { links: { bucket: [bucket] } },
          ),
        );
        expectFindings(await run(resources), "mandatory", [[R.publicAcl, "public-acl"]]);
      });

      it("reports a grant of WRITE to AllUsers and a public-read-write object", async () => {
        const bucket = pick(resources, T.bucket, "-data-logs");
        resources.push(
          customResource(
            T.acl,
            "grant-acl",
            {
              bucket: bucket.outputs.bucket,
              accessControlPolicy: {
                owner: { id: "owner" },
                grants: [
                  {
                    grantee: { type: "Group", uri: "http://acs.amazonaws.com/groups/global/AllUsers" },
                    permission: "WRITE",
                  },
                ],
              },
            },
            { links: { bucket: [bucket] } },
          ),
          customResource(
            T.object,
            "public-object",
            { bucket: bucket.outputs.bucket, key: "x", acl: "public-read-write" },
            { links: { bucket: [bucket] } },
          ),
        );
        const result = await run(resources);
        expectFindings(result, "mandatory", [
          [R.publicAcl, "grant-acl"],
          [R.publicAcl, "public-object"],
        ]);
        assert.match(message(result, R.publicAcl), /WRITE to AllUsers/);
      });
    });

    describe(R.publicPrincipal, () => {
      const publicRead = (arn: string, principal: unknown, condition?: unknown) => ({
        Sid: "PublicRead",
        Effect: "Allow",
        Principal: principal,
        Action: "s3:GetObject",
        Resource: `${arn}/*`,
        ...(condition ? { Condition: condition } : {}),
      });

      it('reports an Allow for Principal "*" without a condition', async () => {
        const arn = bucketArn(resources);
        editDocument(pick(resources, T.bucketPolicy, "-data-policy"), (document) =>
          document.Statement.push(publicRead(arn, "*")),
        );
        expectFindings(await run(resources), "mandatory", [[R.publicPrincipal, "-data-policy"]], base);
      });

      it('reports {"AWS": "*"} whose only condition does not pin the caller', async () => {
        const arn = bucketArn(resources, "-data-logs");
        editDocument(pick(resources, T.bucketPolicy, "-data-logs-policy"), (document) =>
          document.Statement.push(publicRead(arn, { AWS: ["*"] }, { Bool: { "aws:SecureTransport": "true" } })),
        );
        expectFindings(await run(resources), "mandatory", [[R.publicPrincipal, "-data-logs-policy"]], base);
      });

      it('accepts Principal "*" pinned to a VPC endpoint', async () => {
        const arn = bucketArn(resources);
        editDocument(pick(resources, T.bucketPolicy, "-data-policy"), (document) =>
          document.Statement.push(publicRead(arn, "*", { StringEquals: { "aws:SourceVpce": "vpce-1a2b3c4d" } })),
        );
        const result = await run(resources);
        assert.deepEqual(findings(result, "mandatory"), []);
      });
    });

    describe(R.tls, () => {
      it("reports a bucket policy without the TLS deny", async () => {
        dropStatement(pick(resources, T.bucketPolicy, "-data-policy"), "DenyInsecureTransport");
        expectFindings(await run(resources), "mandatory", [[R.tls, "-data-bucket"]], base);
      });

      it("reports a TLS deny narrowed by another condition or to the bucket only", async () => {
        editStatement(pick(resources, T.bucketPolicy, "-data-policy"), "DenyInsecureTransport", (statement) => {
          statement.Condition.IpAddress = { "aws:SourceIp": "203.0.113.0/24" };
        });
        editStatement(pick(resources, T.bucketPolicy, "-data-logs-policy"), "DenyInsecureTransport", (statement) => {
          statement.Resource = statement.Resource[0];
        });
        expectFindings(
          await run(resources),
          "mandatory",
          [
            [R.tls, "-data-bucket"],
            [R.tls, "-data-logs"],
          ],
          base,
        );
      });

      it("reports a bucket with no policy at all under every bucket-policy rule", async () => {
        const result = await run(without(resources, pick(resources, T.bucketPolicy, "-data-logs-policy")));
        expectFindings(
          result,
          "mandatory",
          [
            [R.tls, "-data-logs"],
            [R.sigv2, "-data-logs"],
            [R.ageCap, "-data-logs"],
            [R.headerSignedWritesOnly, "-data-logs"],
          ],
          base,
        );
        assert.match(message(result, R.tls), /has no bucket policy/);
      });
    });

    describe(R.encryption, () => {
      it("reports a bucket without a default-encryption configuration", async () => {
        const result = await run(without(resources, pick(resources, T.encryption, "-data-logs-encryption")));
        expectFindings(result, "mandatory", [[R.encryption, "-data-logs"]], base);
      });

      it("reports an encryption configuration without a default rule", async () => {
        setProp(pick(resources, T.encryption, "-data-bucket-encryption"), "rules", [{ bucketKeyEnabled: true }]);
        expectFindings(await run(resources), "mandatory", [[R.encryption, "-data-bucket"]], base);
      });
    });

    describe(R.bucketKey, () => {
      it("reports SSE-KMS without the bucket key", async () => {
        const kms = engineResources(await synthesize({ kmsKeyArn: KMS_KEY }, "policy"));
        const encryption = pick(kms, T.encryption, "-data-bucket-encryption");
        setProp(encryption, "rules", [{ ...encryption.inputs.rules[0], bucketKeyEnabled: false }]);
        const result = await run(kms);
        expectFindings(result, "mandatory", [[R.bucketKey, encryption.name]]);
      });
    });

    describe(R.versioning, () => {
      it("reports suspended versioning (advisory only)", async () => {
        setProp(pick(resources, T.versioning, "-data-bucket-versioning"), "versioningConfiguration", {
          status: "Suspended",
        });
        const result = await run(resources);
        assert.deepEqual(findings(result, "mandatory"), []);
        expectFindings(result, "advisory", [[R.versioning, "-data-bucket"]], base);
      });
    });

    describe(R.logging, () => {
      it("exempts a bucket only while it is the target of a BucketLogging", async () => {
        const result = await run(without(resources, pick(resources, T.logging, "-data-logging")));
        assert.deepEqual(findings(result, "mandatory"), []);
        expectFindings(
          result,
          "advisory",
          [
            [R.logging, "-data-bucket"],
            [R.logging, "-data-logs"],
          ],
          base,
        );
      });
    });

    describe(R.lifecycle, () => {
      it("reports a bucket without lifecycle rules, or with every rule disabled", async () => {
        const disabled = pick(resources, T.lifecycle, "-data-logs-lifecycle");
        setProp(
          disabled,
          "rules",
          disabled.inputs.rules.map((rule: any) => ({ ...rule, status: "Disabled" })),
        );
        const result = await run(without(resources, pick(resources, T.lifecycle, "-data-bucket-lifecycle")));
        assert.deepEqual(findings(result, "mandatory"), []);
        expectFindings(
          result,
          "advisory",
          [
            [R.lifecycle, "-data-bucket"],
            [R.lifecycle, "-data-logs"],
          ],
          base,
        );
      });
    });

    describe(R.corsGetOnly, () => {
      it("reports a CORS rule that allows PUT", async () => {
        const cors = pick(resources, T.cors, "-data-cors");
        setProp(cors, "corsRules", [{ ...cors.inputs.corsRules[0], allowedMethods: ["GET", "PUT"] }]);
        const result = await run(resources);
        expectFindings(result, "mandatory", [[R.corsGetOnly, "-data-cors"]], base);
        assert.match(message(result, R.corsGetOnly), /allows PUT/);
      });

      it("reports POST and DELETE in a bucket's inline CORS rules", async () => {
        setProp(pick(resources, T.bucket, "-data-logs"), "corsRules", [
          { allowedMethods: ["POST", "DELETE"], allowedOrigins: ["https://chromoscope.bio"] },
        ]);
        expectFindings(await run(resources), "mandatory", [[R.corsGetOnly, "-data-logs"]], base);
      });
    });

    describe(R.corsOrigin, () => {
      it('reports an origin of "*" as advisory', async () => {
        const cors = pick(resources, T.cors, "-data-cors");
        setProp(cors, "corsRules", [{ ...cors.inputs.corsRules[0], allowedOrigins: ["https://chromoscope.bio", "*"] }]);
        const result = await run(resources);
        assert.deepEqual(findings(result, "mandatory"), []);
        expectFindings(result, "advisory", [[R.corsOrigin, "-data-cors"]], base);
      });
    });

    describe(R.iamWildcards, () => {
      it("reports a managed policy that allows s3:*", async () => {
        const arn = bucketArn(resources);
        resources.push(
          customResource(T.iamPolicy, "ops-policy", {
            policy: JSON.stringify({
              Version: "2012-10-17",
              Statement: [{ Effect: "Allow", Action: "s3:*", Resource: [arn, `${arn}/*`] }],
            }),
          }),
        );
        const result = await run(resources);
        expectFindings(result, "mandatory", [[R.iamWildcards, "ops-policy"]]);
        assert.match(message(result, R.iamWildcards), /"s3:\*"/);
      });

      it('reports Resource "*" in the presigner\'s own group policy', async () => {
        editStatement(
          pick(resources, T.groupPolicy, "-presigner-group-policy"),
          "ReadBucketConfiguration",
          (statement) => {
            statement.Resource = "*";
          },
        );
        expectFindings(await run(resources), "mandatory", [[R.iamWildcards, "-presigner-group-policy"]], base);
      });

      it('reports Action "*", iam:* in a role\'s inline policy, NotAction, and AdministratorAccess', async () => {
        const role = customResource(T.role, "ops-role", {
          assumeRolePolicy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
          }),
          inlinePolicies: [
            {
              name: "admin",
              policy: JSON.stringify({
                Statement: [{ Effect: "Allow", Action: "iam:*", Resource: "arn:aws:iam::123456789012:role/x" }],
              }),
            },
          ],
        });
        resources.push(
          role,
          customResource(T.rolePolicy, "ops-star", {
            role: "ops-role",
            policy: JSON.stringify({
              Statement: [
                { Effect: "Allow", Action: "*", Resource: "arn:aws:s3:::x" },
                { Effect: "Allow", NotAction: "s3:GetObject", Resource: "arn:aws:s3:::x" },
              ],
            }),
          }),
          customResource(T.rolePolicyAttachment, "ops-admin", {
            role: "ops-role",
            policyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
          }),
        );
        const result = await run(resources);
        expectFindings(result, "mandatory", [
          [R.iamWildcards, "ops-admin"],
          [R.iamWildcards, "ops-role"],
          [R.iamWildcards, "ops-star"],
          [R.iamWildcards, "ops-star"],
        ]);
      });
    });

    describe(R.userDirect, () => {
      it("reports an inline user policy, a user policy attachment and a policy attached to users", async () => {
        const user = pick(resources, T.user, "-presigner-user");
        const groupPolicy = pick(resources, T.groupPolicy, "-presigner-group-policy");
        resources.push(
          customResource(
            T.userPolicy,
            "inline-user-policy",
            { user: user.outputs.name, policy: groupPolicy.inputs.policy },
            { links: { user: [user] } },
          ),
          customResource(
            T.userPolicyAttachment,
            "user-attachment",
            { user: user.outputs.name, policyArn: "arn:aws:iam::123456789012:policy/reader" },
            { links: { user: [user] } },
          ),
          customResource(T.policyAttachment, "users-attachment", {
            users: [user.outputs.name],
            policyArn: "arn:aws:iam::123456789012:policy/reader",
          }),
        );
        expectFindings(await run(resources), "mandatory", [
          [R.userDirect, "inline-user-policy"],
          [R.userDirect, "user-attachment"],
          [R.userDirect, "users-attachment"],
        ]);
      });
    });

    describe(R.twoKeys, () => {
      it("reports a third access key on the presigner user", async () => {
        const user = pick(resources, T.user, "-presigner-user");
        resources.push(customResource(T.accessKey, "key-c", { user: user.outputs.name }, { links: { user: [user] } }));
        const result = await run(resources);
        expectFindings(result, "mandatory", [[R.twoKeys, "-presigner-user"]], base);
        assert.match(message(result, R.twoKeys), /3 access keys/);
      });
    });

    describe(R.rotation, () => {
      const withPeriod = (resourcesIn: EngineResource[], days: number) => {
        const root = rootOf(resourcesIn);
        setProp(
          root,
          "accessKeys",
          root.outputs.accessKeys.map((key: any) => ({
            ...key,
            rotationDueAt: new Date(Date.parse(key.createdAt) + days * DAY_MS).toISOString(),
          })),
        );
      };

      it("reports a 120-day rotation period", async () => {
        withPeriod(resources, 120);
        const result = await run(resources);
        expectFindings(result, "mandatory", [
          [R.rotation, ROOT_STACK_NAME],
          [R.rotation, ROOT_STACK_NAME],
        ]);
        assert.match(message(result, R.rotation), /120 days, more than 45/);
      });

      it("reports a 46-day period, which IAM.3 alone would allow: two slots keep a key for 92 days (the settings refuse it too)", async () => {
        assert.equal(MAX_KEY_ROTATION_DAYS, 45);
        withPeriod(resources, MAX_KEY_ROTATION_DAYS + 1);
        const result = await run(resources);
        expectFindings(result, "mandatory", [
          [R.rotation, ROOT_STACK_NAME],
          [R.rotation, ROOT_STACK_NAME],
        ]);
        assert.match(
          message(result, R.rotation),
          /slot a is 46 days, more than 45: a key lives up to twice its period \(two slots\) and IAM\.3 allows 90/,
        );
        withPeriod(resources, MAX_KEY_ROTATION_DAYS);
        expectFindings(await run(resources), "mandatory", []);
      });

      it("reports access keys without an exported rotation schedule", async () => {
        setProp(rootOf(resources), "accessKeys", undefined);
        expectFindings(await run(resources), "mandatory", [[R.rotation, ROOT_STACK_NAME]]);
      });

      it("honours a stricter maxRotationDays from the pack config, never a looser one than two slots allow", async () => {
        const strict = await run(resources, { [R.rotation]: { maxRotationDays: 20 } });
        expectFindings(strict, "mandatory", [
          [R.rotation, ROOT_STACK_NAME],
          [R.rotation, ROOT_STACK_NAME],
        ]);
        withPeriod(resources, MAX_KEY_ROTATION_DAYS + 1);
        const loose = await run(resources, { [R.rotation]: { maxRotationDays: 365 } });
        assert.equal(findings(loose, "mandatory").length, 2);
      });
    });

    describe(R.presignerWrites, () => {
      it("reports the presigner's PutObject on the data prefix", async () => {
        const arn = bucketArn(resources);
        editStatement(
          pick(resources, T.groupPolicy, "-presigner-group-policy"),
          "WriteAndDeleteConfigs",
          (statement) => {
            statement.Resource = prefixObjectsArn(arn, "cohorts/");
          },
        );
        const result = await run(resources);
        expectFindings(result, "mandatory", [[R.presignerWrites, "-presigner-group-policy"]], base);
        assert.match(message(result, R.presignerWrites), /cohorts\/\*/);
      });

      it("uses the stack's own prefixes: the default configs/ is outside a custom configPrefix", async () => {
        const custom = engineResources(
          await synthesize({ configPrefix: "shared/configs/", ledgerPrefix: "shared/ledger/" }, "policy"),
        );
        const arn = bucketArn(custom);
        editStatement(pick(custom, T.groupPolicy, "-presigner-group-policy"), "AppendToLedger", (statement) => {
          statement.Resource = prefixObjectsArn(arn, "configs/");
        });
        const result = await run(custom);
        assert.deepEqual(
          summary(result, "mandatory").map(([rule]) => rule),
          [R.presignerWrites],
        );
        caught.add(R.presignerWrites);
      });

      it("reports a role-kind presigner that may change the bucket policy", async () => {
        const role = engineResources(
          await synthesize({ presignerKind: "role", trustedPrincipals: PRINCIPALS }, "policy"),
        );
        const arn = bucketArn(role);
        editDocument(pick(role, T.rolePolicy, "-presigner-role-policy"), (document) =>
          document.Statement.push({ Sid: "Oops", Effect: "Allow", Action: "s3:PutBucketPolicy", Resource: arn }),
        );
        const result = await run(role);
        assert.deepEqual(
          summary(result, "mandatory").map(([rule]) => rule),
          [R.presignerWrites],
        );
        assert.match(message(result, R.presignerWrites), /change bucket configuration/);
      });
    });

    describe(R.ageCap, () => {
      it("reports a signature-age cap of 8 days", async () => {
        editStatement(
          pick(resources, T.bucketPolicy, "-data-policy"),
          "DenyPresignedUrlsOlderThanMaxLifetime",
          (statement) => {
            statement.Condition.NumericGreaterThan["s3:signatureAge"] = 8 * DAY_MS;
          },
        );
        const result = await run(resources);
        expectFindings(result, "mandatory", [[R.ageCap, "-data-bucket"]], base);
        assert.match(message(result, R.ageCap), /8 days/);
      });

      it("reports a missing cap", async () => {
        dropStatement(pick(resources, T.bucketPolicy, "-data-policy"), "DenyPresignedUrlsOlderThanMaxLifetime");
        expectFindings(await run(resources), "mandatory", [[R.ageCap, "-data-bucket"]], base);
      });

      it("reports a cap looser than the stack's own maxLinkLifetimeSeconds", async () => {
        setProp(rootOf(resources), "maxLinkLifetimeSeconds", 86400);
        const result = await run(resources);
        expectFindings(
          result,
          "mandatory",
          [
            [R.ageCap, "-data-bucket"],
            [R.ageCap, "-data-logs"],
          ],
          base,
        );
        assert.equal(MAX_PRESIGN_SECONDS, 604800);
      });
    });

    describe(R.sigv2, () => {
      it("reports a bucket policy without the SigV2 deny", async () => {
        dropStatement(pick(resources, T.bucketPolicy, "-data-policy"), "DenySignatureVersion2");
        expectFindings(await run(resources), "mandatory", [[R.sigv2, "-data-bucket"]], base);
      });
    });

    describe(R.headerSignedWritesOnly, () => {
      it("reports a bucket policy without the deny of writes not signed in the header", async () => {
        dropStatement(
          pick(resources, T.bucketPolicy, "-data-policy"),
          "DenyRequestsOtherThanReadsNotSignedInTheHeader",
        );
        const result = await run(resources);
        expectFindings(result, "mandatory", [[R.headerSignedWritesOnly, "-data-bucket"]], base);
        assert.match(message(result, R.headerSignedWritesOnly), /no statement denies writes not signed in the header/);
      });

      it("reports the presigned-only deny of earlier stacks: browser POST uploads still write", async () => {
        editStatement(
          pick(resources, T.bucketPolicy, "-data-policy"),
          "DenyRequestsOtherThanReadsNotSignedInTheHeader",
          (statement) => {
            statement.Condition = { StringEquals: { "s3:authType": "REST-QUERY-STRING" } };
          },
        );
        const result = await run(resources);
        expectFindings(result, "mandatory", [[R.headerSignedWritesOnly, "-data-bucket"]], base);
        assert.match(
          message(result, R.headerSignedWritesOnly),
          /covers presigned ones only .* a browser POST upload \(s3:authType "POST"\) signed with a leaked key still writes/,
        );
      });

      it("accepts the deny without the AWS-service exemption, and refuses one that also spares POST", async () => {
        editStatement(
          pick(resources, T.bucketPolicy, "-data-policy"),
          "DenyRequestsOtherThanReadsNotSignedInTheHeader",
          (statement) => {
            delete statement.Condition.Bool;
          },
        );
        editStatement(
          pick(resources, T.bucketPolicy, "-data-logs-policy"),
          "DenyRequestsOtherThanReadsNotSignedInTheHeader",
          (statement) => {
            statement.Condition.StringNotEquals = { "s3:authType": ["REST-HEADER", "POST"] };
          },
        );
        const result = await run(resources);
        expectFindings(result, "mandatory", [[R.headerSignedWritesOnly, "-data-logs"]], base);
      });

      it("reports a deny that spares presigned PUTs, naming what it spares", async () => {
        editStatement(
          pick(resources, T.bucketPolicy, "-data-logs-policy"),
          "DenyRequestsOtherThanReadsNotSignedInTheHeader",
          (statement) => {
            statement.NotAction = [...statement.NotAction, "s3:Put*"];
          },
        );
        const result = await run(resources);
        expectFindings(result, "mandatory", [[R.headerSignedWritesOnly, "-data-logs"]], base);
        assert.match(message(result, R.headerSignedWritesOnly), /spares s3:PutObject, .*s3:PutBucketPolicy/);
      });

      it("reports a deny narrowed by another condition, or one that lists some writes only", async () => {
        editStatement(
          pick(resources, T.bucketPolicy, "-data-policy"),
          "DenyRequestsOtherThanReadsNotSignedInTheHeader",
          (statement) => {
            statement.Condition.IpAddress = { "aws:SourceIp": "203.0.113.0/24" };
          },
        );
        editStatement(
          pick(resources, T.bucketPolicy, "-data-logs-policy"),
          "DenyRequestsOtherThanReadsNotSignedInTheHeader",
          (statement) => {
            delete statement.NotAction;
            statement.Action = ["s3:PutObject", "s3:DeleteObject"];
          },
        );
        const result = await run(resources);
        expectFindings(
          result,
          "mandatory",
          [
            [R.headerSignedWritesOnly, "-data-bucket"],
            [R.headerSignedWritesOnly, "-data-logs"],
          ],
          base,
        );
        assert.match(message(result, R.headerSignedWritesOnly), /spares s3:DeleteObjectVersion/);
      });

      it("accepts a deny of every action not signed in the header (s3:*): stricter, if useless for links", async () => {
        editStatement(
          pick(resources, T.bucketPolicy, "-data-policy"),
          "DenyRequestsOtherThanReadsNotSignedInTheHeader",
          (statement) => {
            delete statement.NotAction;
            statement.Action = "s3:*";
          },
        );
        assert.deepEqual(findings(await runOnly(R.headerSignedWritesOnly, resources), "mandatory", base), []);
      });
    });
  });

  // ---------------------------------------------------------------- the pack itself

  describe("the pack", () => {
    const ADVISORY = [R.versioning, R.logging, R.lifecycle, R.corsOrigin];

    it("lists every rule once, mandatory unless noted", () => {
      assert.deepEqual([...RULE_NAMES].sort(), Object.values(R).sort());
      assert.equal(new Set(RULE_NAMES).size, RULE_NAMES.length);
      for (const policy of policies) {
        assert.match(policy.name, /^[a-z0-9]+(-[a-z0-9]+)+$/);
        assert.equal(
          policy.enforcementLevel,
          (ADVISORY as string[]).includes(policy.name) ? "advisory" : "mandatory",
          policy.name,
        );
        assert.equal(policy.enforcementLevel, RULE_INFO.get(policy.name)!.enforcementLevel);
      }
    });

    it("describes every rule with the Security Hub control and the Checkov id it mirrors", () => {
      for (const policy of policies) {
        const info = RULE_INFO.get(policy.name)!;
        assert.equal(policy.description, describeRule(info));
        assert.match(policy.description, /\[AWS Security Hub: .+ \| Checkov: .+\]$/, policy.name);
        const cited = [...info.securityHub, ...(info.related ?? []), ...info.checkov];
        assert.ok(cited.length > 0, `${policy.name} cites no control`);
        for (const id of [...info.securityHub, ...info.checkov, ...(info.related ?? [])])
          assert.ok(policy.description.includes(id), `${policy.name}: ${id}`);
        for (const id of info.securityHub) assert.match(id, /^(S3|IAM|CloudFront)\.\d+$/);
        for (const id of info.checkov) assert.match(id, /^CKV2?_AWS_\d+$/);
      }
      const cite = (name: string) => RULE_INFO.get(name)!;
      assert.deepEqual(cite(R.flags).checkov, ["CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"]);
      assert.deepEqual(cite(R.ownerEnforced).checkov, ["CKV2_AWS_65"]);
      assert.deepEqual(cite(R.tls).securityHub, ["S3.5"]);
      assert.deepEqual(cite(R.versioning).checkov, ["CKV_AWS_21"]);
      assert.deepEqual(cite(R.logging).checkov, ["CKV_AWS_18"]);
      assert.deepEqual(cite(R.lifecycle).checkov, ["CKV2_AWS_61"]);
      assert.deepEqual(cite(R.userDirect).securityHub, ["IAM.2"]);
      assert.deepEqual(cite(R.rotation).securityHub, ["IAM.3"]);
      assert.deepEqual(cite(R.iamWildcards).securityHub, ["IAM.1", "IAM.21"]);
    });

    it("policy/index.ts builds the pack from exactly this list (loaded with a stub PolicyPack)", () => {
      const indexPath = path.join(ROOT, "policy", "index.ts");
      const constructed: Array<{ name: string; args: any }> = [];
      const loader = Module as unknown as {
        _load: (request: string, parent: { filename?: string } | undefined, isMain: boolean) => unknown;
      };
      const original = loader._load;
      loader._load = function (request, parent, isMain) {
        if (request === "@pulumi/policy" && parent?.filename === indexPath) {
          return {
            PolicyPack: class {
              constructor(name: string, args: unknown) {
                constructed.push({ name, args });
              }
            },
          };
        }
        return original.call(this, request, parent, isMain);
      };
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- loads the pack under a watching loader
        require(indexPath);
      } finally {
        loader._load = original;
        delete require.cache[indexPath];
      }
      assert.equal(constructed.length, 1);
      assert.equal(constructed[0].name, POLICY_PACK_NAME);
      assert.equal(constructed[0].args.policies, policies, "the pack gets the very list the tests run");
      assert.deepEqual(
        constructed[0].args.policies.map((p: { name: string }) => p.name),
        RULE_NAMES,
      );
    });

    it("is a runnable pack: PulumiPolicy.yaml, a versioned package.json with its lock, pinned to Node 20 releases", () => {
      assert.ok(fs.existsSync(path.join(ROOT, "policy", "package-lock.json")));
      const manifest = fs.readFileSync(path.join(ROOT, "policy", "PulumiPolicy.yaml"), "utf8");
      assert.match(manifest, /^runtime: nodejs$/m);
      const pack = JSON.parse(fs.readFileSync(path.join(ROOT, "policy", "package.json"), "utf8"));
      const root = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
      assert.match(pack.version, /^\d+\.\d+\.\d+$/);
      assert.equal(pack.main, "index.ts");
      assert.equal(pack.dependencies["@pulumi/policy"], "1.21.0");
      assert.equal(pack.dependencies["@pulumi/pulumi"], "3.248.0");
      assert.equal(pack.dependencies["@pulumi/pulumi"], root.dependencies["@pulumi/pulumi"]);
      assert.equal(
        pack.dependencies["@pulumi/aws"],
        undefined,
        "the pack reads resources by type name: no provider SDK",
      );
      assert.equal(
        pack.dependencies.typescript,
        root.devDependencies.typescript,
        "ts-node type-checks the pack with the root's TypeScript",
      );
      assert.equal(pack.engines.node, root.engines.node);
    });

    /** Every TypeScript source of the pack, relative to policy/ (its node_modules aside). */
    function packSources(folder = path.join(ROOT, "policy")): string[] {
      return fs.readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(folder, entry.name);
        if (entry.isDirectory()) return entry.name === "node_modules" ? [] : packSources(full);
        return entry.name.endsWith(".ts") ? [path.relative(path.join(ROOT, "policy"), full)] : [];
      });
    }

    it("keeps the rules side-effect free: only type imports from Pulumi packages, and only index.ts builds the pack", () => {
      const sources = packSources().filter((file) => file !== "index.ts");
      assert.ok(sources.length > 10, `found only ${sources.join(", ")}`);
      for (const file of sources) {
        const source = fs.readFileSync(path.join(ROOT, "policy", file), "utf8");
        for (const match of source.matchAll(/^import (type )?[^;]*? from "(@pulumi\/[^"]+)";/gms)) {
          assert.equal(match[1], "type ", `${file} imports ${match[2]} at run time`);
        }
        assert.doesNotMatch(source, /new PolicyPack/);
      }
    });

    it("stands alone: no import leaves policy/, and every package it imports is a dependency of policy/package.json", () => {
      const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "policy", "package.json"), "utf8")) as {
        dependencies: Record<string, string>;
      };
      const packageOf = (specifier: string) =>
        specifier
          .split("/")
          .slice(0, specifier.startsWith("@") ? 2 : 1)
          .join("/");
      for (const file of packSources()) {
        const source = fs.readFileSync(path.join(ROOT, "policy", file), "utf8");
        for (const match of source.matchAll(/(?:from|import|require\()\s*"([^"]+)"/g)) {
          const specifier = match[1];
          if (specifier.startsWith(".")) {
            const target = path.resolve(path.join(ROOT, "policy", path.dirname(file)), specifier);
            assert.ok(
              target.startsWith(path.join(ROOT, "policy") + path.sep),
              `${file} imports ${specifier}, outside policy/`,
            );
          } else if (!specifier.startsWith("node:")) {
            assert.ok(
              packageOf(specifier) in manifest.dependencies,
              `${file} imports ${specifier}, which policy/package.json does not list`,
            );
          }
        }
      }
    });

    it("scopes the presigner rule to the component type the program registers", () => {
      assert.ok(base.components.some((component) => component.type === PRESIGNER_COMPONENT_TYPE));
    });
  });

  describe("docs/policy-pack.md", () => {
    it("its table lists exactly the rules, their levels and controls", () => {
      const section = fs.readFileSync(path.join(ROOT, "docs", "policy-pack.md"), "utf8");
      assert.match(section, /^# Policy pack$/m);
      assert.match(section, /pulumi preview --policy-pack policy/);
      const rows = section
        .split("\n")
        .filter((line) => line.startsWith("| `"))
        .map((line) =>
          line
            .split("|")
            .slice(1, -1)
            .map((cell) => cell.trim()),
        );
      assert.deepEqual(
        rows.map((cells) => [cells[0].replace(/`/g, ""), cells[1]]),
        policies.map((policy) => [policy.name, policy.enforcementLevel]),
      );
      for (const cells of rows) {
        const info = RULE_INFO.get(cells[0].replace(/`/g, ""))!;
        const hub = `${info.securityHub.join(", ") || "none"}${info.related ? ` (related: ${info.related.join(", ")})` : ""}`;
        assert.equal(cells[3], hub, `${info.name}: Security Hub column`);
        assert.equal(
          cells[4],
          info.checkov.length > 0 ? info.checkov.join(", ") : "none",
          `${info.name}: Checkov column`,
        );
      }
    });
  });

  describe("negative tests of the self-hosted viewer's rules", () => {
    let viewerStack: SynthesizedStack;
    let resources: EngineResource[];
    before(async () => {
      viewerStack = await synthesize(SELF_HOSTED, "policy");
    });
    beforeEach(() => {
      resources = engineResources(viewerStack);
    });
    const distribution = () => pick(resources, T.distribution, "-viewer-distribution");
    const editBehaviour = (edit: (behaviour: any) => void) => {
      const behaviour = structuredClone(distribution().inputs.defaultCacheBehavior);
      edit(behaviour);
      setProp(distribution(), "defaultCacheBehavior", behaviour);
    };
    const expectOnly = async (rule: string, pattern: RegExp) => {
      const result = await run(resources);
      assert.deepEqual(
        findings(result, "mandatory", viewerStack).map(([found]) => found),
        [rule],
        message(result, rule),
      );
      assert.match(message(result, rule), pattern);
      caught.add(rule);
    };

    it(`${R.https}: reports plain HTTP, a behaviour without the headers policy, and TLS below 1.2_2021`, async () => {
      editBehaviour((behaviour) => (behaviour.viewerProtocolPolicy = "allow-all"));
      await expectOnly(R.https, /allows plain HTTP \(viewerProtocolPolicy allow-all\)/);
      resources = engineResources(viewerStack);
      editBehaviour((behaviour) => delete behaviour.responseHeadersPolicyId);
      await expectOnly(R.https, /has no response-headers policy/);
      resources = engineResources(viewerStack);
      setProp(distribution(), "viewerCertificate", {
        acmCertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc",
        sslSupportMethod: "sni-only",
        minimumProtocolVersion: "TLSv1",
      });
      await expectOnly(R.https, /accepts TLSv1: set minimumProtocolVersion TLSv1\.2_2021/);
    });

    it(`${R.oac}: reports an S3 origin without an Origin Access Control, a legacy identity, and unsigned requests`, async () => {
      const origins = structuredClone(distribution().inputs.origins);
      delete origins[0].originAccessControlId;
      setProp(distribution(), "origins", origins);
      await expectOnly(R.oac, /without an Origin Access Control/);
      resources = engineResources(viewerStack);
      const legacy = structuredClone(distribution().inputs.origins);
      legacy[0].s3OriginConfig = { originAccessIdentity: "origin-access-identity/cloudfront/E123" };
      setProp(distribution(), "origins", legacy);
      await expectOnly(R.oac, /legacy origin access identity/);
      resources = engineResources(viewerStack);
      setProp(pick(resources, T.originAccessControl, "-viewer-oac"), "signingBehavior", "no-override");
      await expectOnly(R.oac, /sign always with sigv4/);
    });

    it(`${R.pinned}: reports a CloudFront grant without aws:SourceArn, or of more than s3:GetObject`, async () => {
      const policy = pick(resources, T.bucketPolicy, "-viewer-policy");
      editStatement(policy, "AllowReadsByTheStacksCloudFrontDistribution", (statement) => delete statement.Condition);
      await expectOnly(R.pinned, /lets any CloudFront distribution read/);
      resources = engineResources(viewerStack);
      editStatement(
        pick(resources, T.bucketPolicy, "-viewer-policy"),
        "AllowReadsByTheStacksCloudFrontDistribution",
        (statement) => (statement.Action = "s3:*"),
      );
      await expectOnly(R.pinned, /grants CloudFront s3:\*: grant s3:GetObject only/);
    });

    it(`${R.csp}: reports 'unsafe-inline', a third-party script host, a third-party connect-src host, and no policy at all`, async () => {
      const headers = () => pick(resources, T.responseHeadersPolicy, "-viewer-headers");
      const withCsp = (edit: (csp: string) => string | undefined) => {
        const config = structuredClone(headers().inputs.securityHeadersConfig);
        const csp = edit(config.contentSecurityPolicy.contentSecurityPolicy);
        if (csp === undefined) delete config.contentSecurityPolicy;
        else config.contentSecurityPolicy.contentSecurityPolicy = csp;
        setProp(headers(), "securityHeadersConfig", config);
      };
      withCsp((csp) => csp.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'"));
      await expectOnly(R.csp, /script-src allows 'unsafe-inline'/);
      resources = engineResources(viewerStack);
      withCsp((csp) => csp.replace("script-src 'self'", "script-src 'self' https://www.googletagmanager.com"));
      await expectOnly(R.csp, /allows scripts from https:\/\/www\.googletagmanager\.com/);
      resources = engineResources(viewerStack);
      withCsp((csp) =>
        csp.replace("connect-src 'self'", "connect-src 'self' https://genomebrowser-uploads.hms.harvard.edu"),
      );
      await expectOnly(
        R.csp,
        /connect-src lets the page send data \(a link included\) to https:\/\/genomebrowser-uploads/,
      );
      resources = engineResources(viewerStack);
      withCsp((csp) => csp.replace(/connect-src [^;]*; /, "").replace("default-src 'self'", "default-src *"));
      await expectOnly(R.csp, /connect-src lets the page send data \(a link included\) to \*/);
      resources = engineResources(viewerStack);
      withCsp(() => undefined);
      await expectOnly(R.csp, /sets no Content-Security-Policy/);
    });
  });

  describe("negative tests of the sign-in rules", () => {
    let signInStack: SynthesizedStack;
    let resources: EngineResource[];
    before(async () => {
      signInStack = await synthesize(SIGN_IN, "policy");
    });
    beforeEach(() => {
      resources = engineResources(signInStack);
    });
    const distribution = () => pick(resources, T.distribution, "-viewer-distribution");
    const editBehaviours = (edit: (behaviours: any[], fallback: any) => void) => {
      const behaviours = structuredClone(distribution().inputs.orderedCacheBehaviors);
      const fallback = structuredClone(distribution().inputs.defaultCacheBehavior);
      edit(behaviours, fallback);
      setProp(distribution(), "orderedCacheBehaviors", behaviours);
      setProp(distribution(), "defaultCacheBehavior", fallback);
    };
    const expectOnly = async (rule: string, pattern: RegExp) => {
      const result = await run(resources);
      assert.deepEqual(
        findings(result, "mandatory", signInStack).map(([found]) => found),
        [rule],
        message(result, rule),
      );
      assert.match(message(result, rule), pattern);
      caught.add(rule);
      resources = engineResources(signInStack);
    };

    it(`${R.dataPathsSigned}: reports a data path without the key group, a path outside the prefixes, and the bucket as the default`, async () => {
      editBehaviours((behaviours) => delete behaviours.find((b) => b.pathPattern === "/cohorts/*").trustedKeyGroups);
      await expectOnly(
        R.dataPathsSigned,
        /cache behaviour #1 \(\/cohorts\/\*\) serves the data bucket without a trusted key group/,
      );
      editBehaviours((behaviours) => (behaviours.find((b) => b.pathPattern === "/configs/*").trustedKeyGroups = []));
      await expectOnly(R.dataPathsSigned, /\(\/configs\/\*\) serves the data bucket without a trusted key group/);
      editBehaviours(
        (behaviours) => (behaviours.find((b) => b.pathPattern === "/configs/*").pathPattern = "/ledger/*"),
      );
      await expectOnly(
        R.dataPathsSigned,
        /\(\/ledger\/\*\) serves the data bucket outside its data and config prefixes/,
      );
      editBehaviours((_, fallback) => (fallback.targetOriginId = "data-bucket"));
      await expectOnly(R.dataPathsSigned, /the default cache behaviour \(every path\) serves the data bucket/);
    });

    it(`${R.cloudFrontGrant}: reports CloudFront's grant on the whole bucket, the ledger, or all but a few objects`, async () => {
      const grant = "AllowDataAndConfigReadsByTheStacksCloudFrontDistribution";
      const bucket = bucketArn(resources);
      const policy = () => pick(resources, T.bucketPolicy, "-data-policy");
      editStatement(policy(), grant, (statement) => (statement.Resource = `${bucket}/*`));
      await expectOnly(
        R.cloudFrontGrant,
        new RegExp(`lets CloudFront read ${bucket}/\\*: grant only .*/cohorts/\\*, .*/configs/\\*`),
      );
      editStatement(policy(), grant, (statement) => statement.Resource.push(`${bucket}/ledger/*`));
      await expectOnly(R.cloudFrontGrant, /lets CloudFront read .*\/ledger\/\*:/);
      editStatement(policy(), grant, (statement) => {
        statement.NotResource = `${bucket}/ledger/*`;
        delete statement.Resource;
      });
      await expectOnly(R.cloudFrontGrant, /grants CloudFront NotResource/);
    });

    it(`${R.lambdaKeys}: reports a private key in a function's environment as PEM, base64 DER or JWK; never a public key or an ARN`, async () => {
      const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
      const withVariable = (value: string) => {
        const lambda = pick(resources, RESOURCE_TYPE.lambdaFunction, "-function-lambda");
        setProp(lambda, "environment", { variables: { ...lambda.inputs.environment.variables, COOKIE_KEY: value } });
      };
      withVariable(privateKey.export({ type: "pkcs8", format: "pem" }) as string);
      await expectOnly(
        R.lambdaKeys,
        /environment variable COOKIE_KEY holds a PEM private key: keep keys in Secrets Manager/,
      );
      withVariable((privateKey.export({ type: "pkcs1", format: "der" }) as Buffer).toString("base64"));
      await expectOnly(R.lambdaKeys, /COOKIE_KEY holds base64 key material/);
      withVariable(JSON.stringify(privateKey.export({ format: "jwk" })));
      await expectOnly(R.lambdaKeys, /COOKIE_KEY holds a private JSON Web Key/);
      withVariable(publicKey.export({ type: "spki", format: "pem" }) as string);
      assert.deepEqual(findings(await run(resources), "mandatory", signInStack), []);
    });
  });

  describe("coverage", () => {
    it("every rule was made to fail by some negative test above", () => {
      assert.deepEqual([...caught].sort(), [...RULE_NAMES].sort());
    });
  });
});
