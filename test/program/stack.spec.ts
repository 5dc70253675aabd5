import "../support/pulumi-mocks";
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { logBucketPolicyDocument } from "../../policy/documents/bucket-policies";
import { CORS_EXPOSE_HEADERS } from "../../policy/documents/cors-rule";
import { PolicyDocument, PolicyStatement } from "../../policy/documents/iam-policies";
import { MOCK_KEY_CREATED_AT, MOCK_REGION, mockAccessKeyId } from "../support/pulumi-mocks";
import { ofType, single, synthesize, SynthesizedResource, SynthesizedStack } from "../support/stack-harness";
import { RESOURCE_TYPE } from "../../policy/framework/resource-types";
import { KEY_OUTPUT_NAMES, USER_KIND_OUTPUT_NAMES } from "../fixtures/stack-outputs";

const T = RESOURCE_TYPE;

function doc(resource: SynthesizedResource, field = "policy"): PolicyDocument {
  return JSON.parse(resource.inputs[field]);
}

function statement(document: PolicyDocument, sid: string): PolicyStatement {
  const found = document.Statement.find((s) => s.Sid === sid);
  assert.ok(found, `statement ${sid} missing from ${JSON.stringify(document)}`);
  return found;
}

function asList(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function bucketFor(stack: SynthesizedStack, resource: SynthesizedResource): SynthesizedResource {
  const bucket = ofType(stack, T.bucket).find((b) => b.state.bucket === resource.inputs.bucket);
  assert.ok(bucket, `${resource.name} is attached to no bucket of the stack`);
  return bucket;
}

describe("provisioning stack (Pulumi program under mocks)", function () {
  let stack: SynthesizedStack;
  before(async () => {
    stack = await synthesize();
  });

  describe("buckets", () => {
    it("creates the data bucket and a log bucket, nothing else", () => {
      assert.deepEqual(
        ofType(stack, T.bucket)
          .map((b) => b.name)
          .sort(),
        [`${stack.name}-data-bucket`, `${stack.name}-data-logs`],
      );
    });

    it("blocks all public access on every bucket (all four flags)", () => {
      const blocks = ofType(stack, T.publicAccessBlock);
      assert.equal(blocks.length, 2);
      for (const block of blocks) {
        bucketFor(stack, block);
        assert.deepEqual(
          [
            block.inputs.blockPublicAcls,
            block.inputs.blockPublicPolicy,
            block.inputs.ignorePublicAcls,
            block.inputs.restrictPublicBuckets,
          ],
          [true, true, true, true],
        );
      }
      assert.deepEqual(new Set(blocks.map((b) => b.inputs.bucket)).size, 2);
    });

    it("turns ACLs off (BucketOwnerEnforced) on every bucket", () => {
      const controls = ofType(stack, T.ownershipControls);
      assert.equal(controls.length, 2);
      for (const control of controls) assert.equal(control.inputs.rule.objectOwnership, "BucketOwnerEnforced");
    });

    it("encrypts every bucket with SSE-S3 by default", () => {
      const configs = ofType(stack, T.encryption);
      assert.equal(configs.length, 2);
      for (const config of configs) {
        assert.deepEqual(config.inputs.rules, [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
      }
    });

    it("enables versioning on every bucket", () => {
      const versionings = ofType(stack, T.versioning);
      assert.equal(versionings.length, 2);
      for (const versioning of versionings) assert.equal(versioning.inputs.versioningConfiguration.status, "Enabled");
    });

    it("expires configs, noncurrent versions and incomplete uploads on the data bucket", () => {
      const lifecycle = single(stack, T.lifecycle, "-data-bucket-lifecycle");
      const rules = lifecycle.inputs.rules as any[];
      const byId = Object.fromEntries(rules.map((rule) => [rule.id, rule]));
      assert.deepEqual(byId["expire-published-configs"].filter, { prefix: "configs/" });
      assert.equal(byId["expire-published-configs"].expiration.days, 30);
      assert.equal(byId["expire-noncurrent-versions"].noncurrentVersionExpiration.noncurrentDays, 30);
      assert.equal(byId["abort-incomplete-multipart-uploads"].abortIncompleteMultipartUpload.daysAfterInitiation, 1);
      for (const rule of rules) assert.equal(rule.status, "Enabled");
      assert.ok(lifecycle.opts.dependsOn, "lifecycle waits for versioning");
    });

    it("logs server access into the log bucket, partitioned by day, under the exported prefix", () => {
      const logging = single(stack, T.logging, "-data-logging");
      const data = single(stack, T.bucket, "-data-bucket");
      const logs = single(stack, T.bucket, "-data-logs");
      assert.equal(logging.inputs.bucket, data.state.bucket);
      assert.equal(logging.inputs.targetBucket, logs.state.bucket);
      assert.equal(logging.inputs.targetPrefix, "access-logs/");
      assert.deepEqual(logging.inputs.targetObjectKeyFormat, {
        partitionedPrefix: { partitionDateSource: "EventTime" },
      });
      assert.equal(stack.outputs.accessLogPrefix, logging.inputs.targetPrefix, "access-report finds the logs here");
      const logRules = single(stack, T.lifecycle, "-data-logs-lifecycle").inputs.rules as any[];
      assert.equal(logRules.find((rule) => rule.id === "expire-access-logs").expiration.days, 365);
      assert.equal(stack.outputs.logBucketName, logs.state.bucket);
    });

    it("denies non-TLS, TLS < 1.2, SigV2, over-age presigned requests and writes not signed in the header on the data bucket", () => {
      const data = single(stack, T.bucket, "-data-bucket");
      const policy = doc(single(stack, T.bucketPolicy, "-data-policy"));
      const everything = [data.state.arn, `${data.state.arn}/*`];
      const expectDeny = (sid: string, condition: PolicyStatement["Condition"]) => {
        const s = statement(policy, sid);
        assert.equal(s.Effect, "Deny");
        assert.equal(s.Principal, "*");
        assert.deepEqual(asList(s.Resource), everything);
        assert.deepEqual(s.Condition, condition);
      };
      expectDeny("DenyInsecureTransport", { Bool: { "aws:SecureTransport": "false" } });
      expectDeny("DenyOutdatedTls", { NumericLessThan: { "s3:TlsVersion": 1.2 } });
      expectDeny("DenySignatureVersion2", { StringEquals: { "s3:signatureversion": "AWS" } });
      expectDeny("DenyPresignedUrlsOlderThanMaxLifetime", {
        StringEquals: { "s3:authType": "REST-QUERY-STRING" },
        NumericGreaterThan: { "s3:signatureAge": 604_800_000 },
      });
      expectDeny("DenyRequestsOtherThanReadsNotSignedInTheHeader", {
        StringNotEquals: { "s3:authType": "REST-HEADER" },
        Bool: { "aws:PrincipalIsAWSService": "false" },
      });
      assert.deepEqual(statement(policy, "DenyRequestsOtherThanReadsNotSignedInTheHeader").NotAction, [
        "s3:GetObject",
        "s3:GetObjectVersion",
      ]);
      assert.equal(
        policy.Statement.filter((s) => s.Effect === "Allow").length,
        0,
        "the data bucket policy grants nothing",
      );
    });

    it("gives the log bucket the same denies plus log delivery from the data bucket only", () => {
      const data = single(stack, T.bucket, "-data-bucket");
      const logs = single(stack, T.bucket, "-data-logs");
      const policy = doc(single(stack, T.bucketPolicy, "-data-logs-policy"));
      const dataPolicy = doc(single(stack, T.bucketPolicy, "-data-policy"));
      for (const deny of dataPolicy.Statement) {
        const twin = statement(policy, deny.Sid!);
        assert.deepEqual(twin.Condition, deny.Condition);
        assert.deepEqual(asList(twin.Resource), [logs.state.arn, `${logs.state.arn}/*`]);
      }
      const delivery = statement(policy, "AllowS3ServerAccessLogDelivery");
      assert.deepEqual(delivery.Principal, { Service: "logging.s3.amazonaws.com" });
      assert.equal(delivery.Action, "s3:PutObject");
      assert.equal(delivery.Resource, `${logs.state.arn}/access-logs/*`);
      assert.deepEqual(delivery.Condition, {
        ArnLike: { "aws:SourceArn": data.state.arn },
        StringEquals: { "aws:SourceAccount": "123456789012" },
      });
    });

    it("denies every read of the logs but the account root's and the logReaderArns' (the logs hold full presigned URLs)", async () => {
      const logs = single(stack, T.bucket, "-data-logs");
      const readDeny = (synthesized: SynthesizedStack) =>
        statement(
          doc(single(synthesized, T.bucketPolicy, "-data-logs-policy")),
          "DenyLogReadsExceptAccountRootAndLogReaders",
        );
      assert.deepEqual(readDeny(stack), {
        Sid: "DenyLogReadsExceptAccountRootAndLogReaders",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:GetObject*",
        Resource: `${logs.state.arn}/*`,
        Condition: { ArnNotLike: { "aws:PrincipalArn": ["arn:aws:iam::123456789012:root"] } },
      });
      const reader = "arn:aws:iam::123456789012:role/security-audit";
      const withReader = await synthesize({ logReaderArns: [reader] });
      assert.deepEqual(readDeny(withReader).Condition, {
        ArnNotLike: { "aws:PrincipalArn": ["arn:aws:iam::123456789012:root", reader] },
      });
    });

    it("refuses a log reader of another account (the log bucket grants no other account, so it could never read)", () => {
      const args = {
        bucketArn: "arn:aws:s3:::logs",
        sourceBucketArn: "arn:aws:s3:::data",
        accountId: "123456789012",
        maxLinkLifetimeSeconds: 3600,
      };
      assert.throws(
        () => logBucketPolicyDocument({ ...args, logReaderArns: ["arn:aws:iam::210987654321:role/audit"] }),
        /logReaderArns must name principals of account 123456789012 .*arn:aws:iam::210987654321:role\/audit/,
      );
    });

    it("has exactly one CORS rule: GET only, the viewer origin, the range headers exposed", () => {
      const cors = single(stack, T.cors, "-data-cors");
      assert.equal(cors.inputs.bucket, single(stack, T.bucket, "-data-bucket").state.bucket);
      assert.equal(cors.inputs.corsRules.length, 1);
      const [rule] = cors.inputs.corsRules;
      assert.deepEqual(rule.allowedMethods, ["GET"]);
      assert.deepEqual(rule.allowedOrigins, ["https://chromoscope.bio"]);
      assert.deepEqual(rule.allowedHeaders, ["*"]);
      assert.deepEqual(rule.exposeHeaders, ["Content-Range", "Content-Length", "ETag", "Accept-Ranges"]);
      assert.deepEqual(rule.exposeHeaders, [...CORS_EXPOSE_HEADERS]);
      assert.equal(rule.maxAgeSeconds, 3000);
      assert.equal(ofType(stack, T.cors).length, 1, "the log bucket has no CORS rule");
    });

    it("keeps buckets on destroy unless forceDestroy is set", async () => {
      for (const bucket of ofType(stack, T.bucket)) assert.equal(bucket.inputs.forceDestroy, false);
      const forced = await synthesize({ forceDestroy: true });
      for (const bucket of ofType(forced, T.bucket)) assert.equal(bucket.inputs.forceDestroy, true);
    });
  });

  describe("presigner identity (user kind)", () => {
    it("is an IAM user under /chromoscope/ whose permissions come only through a group", () => {
      const user = single(stack, T.user, "-presigner-user");
      const group = single(stack, T.group, "-presigner-group");
      assert.equal(user.inputs.path, "/chromoscope/");
      const membership = single(stack, T.groupMembership, "-presigner-membership");
      assert.equal(membership.inputs.user, user.state.name);
      assert.deepEqual(membership.inputs.groups, [group.state.name]);
      assert.equal(single(stack, T.groupPolicy, "-presigner-group-policy").inputs.group, group.state.name);
      assert.equal(ofType(stack, T.userPolicy).length + ofType(stack, T.userPolicyAttachment).length, 0);
    });

    it("may read data, configs and the ledger, list only those prefixes, and write only configs and the ledger", () => {
      const arn = single(stack, T.bucket, "-data-bucket").state.arn;
      const policy = doc(single(stack, T.groupPolicy, "-presigner-group-policy"));
      assert.deepEqual(statement(policy, "ReadCohortDataConfigsAndLedger"), {
        Sid: "ReadCohortDataConfigsAndLedger",
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: [`${arn}/cohorts/*`, `${arn}/configs/*`, `${arn}/ledger/*`],
      });
      assert.deepEqual(statement(policy, "ListOnlyOwnPrefixes").Condition, {
        StringLike: { "s3:prefix": ["cohorts/*", "configs/*", "ledger/*"] },
      });
      assert.equal(statement(policy, "ListOnlyOwnPrefixes").Resource, arn);
      assert.deepEqual(statement(policy, "WriteAndDeleteConfigs").Action, ["s3:PutObject", "s3:DeleteObject"]);
      assert.equal(statement(policy, "WriteAndDeleteConfigs").Resource, `${arn}/configs/*`);
      assert.equal(statement(policy, "AppendToLedger").Action, "s3:PutObject");
      assert.equal(statement(policy, "AppendToLedger").Resource, `${arn}/ledger/*`);
      assert.deepEqual(
        statement(policy, "AppendToLedger").Condition,
        { StringEquals: { "s3:if-none-match": "*" } },
        "create-only",
      );
      assert.ok(
        !policy.Statement.some((s) => asList(s.Action).some((a) => a.startsWith("kms:"))),
        "no KMS without a key",
      );
    });

    it("uses no wildcard action and no resource beyond the bucket and its three prefixes", () => {
      const arn = single(stack, T.bucket, "-data-bucket").state.arn;
      const allowed = new Set([arn, `${arn}/cohorts/*`, `${arn}/configs/*`, `${arn}/ledger/*`]);
      const policy = doc(single(stack, T.groupPolicy, "-presigner-group-policy"));
      for (const s of policy.Statement) {
        assert.equal(s.Effect, "Allow");
        for (const action of asList(s.Action)) assert.match(action, /^s3:[A-Za-z]+$/, `action ${action}`);
        for (const resource of asList(s.Resource)) assert.ok(allowed.has(resource), `resource ${resource}`);
      }
      const writes = policy.Statement.filter((s) => asList(s.Action).some((a) => /^s3:(Put|Delete)/.test(a)));
      for (const s of writes) for (const r of asList(s.Resource)) assert.match(r, /\/(configs|ledger)\/\*$/);
    });

    it("holds two access-key slots that are replaced delete-first on their own trigger", () => {
      const keys = ofType(stack, T.accessKey);
      assert.deepEqual(keys.map((key) => key.name).sort(), [
        `${stack.name}-presigner-key-a`,
        `${stack.name}-presigner-key-b`,
      ]);
      const user = single(stack, T.user, "-presigner-user");
      for (const key of keys) {
        assert.equal(key.inputs.user, user.state.name);
        assert.equal(key.opts.deleteBeforeReplace, true);
      }
      assert.equal(single(stack, T.accessKey, "-key-a").opts.replacementTrigger, 0);
      assert.equal(single(stack, T.accessKey, "-key-b").opts.replacementTrigger, -1);
    });

    it("exports the active slot's key, the secret as a Pulumi secret, and both slots' rotation dates", async () => {
      assert.equal(stack.outputs.activeKeySlot, "a");
      assert.equal(stack.outputs.presignerAccessKeyId, mockAccessKeyId(`${stack.name}-presigner-key-a`));
      assert.equal(stack.outputs.presignerSecretAccessKey, `mock-secret-${stack.name}-presigner-key-a`);
      assert.equal(await pulumi.isSecret(pulumi.output(stack.rawOutputs.presignerSecretAccessKey)), true);
      assert.equal(await pulumi.isSecret(pulumi.output(stack.rawOutputs.presignerAccessKeyId)), false);
      const created = "2026-11-01T09:30:00.000Z";
      const due = "2026-12-01T09:30:00.000Z";
      assert.deepEqual(stack.outputs.accessKeys, [
        {
          slot: "a",
          accessKeyId: mockAccessKeyId(`${stack.name}-presigner-key-a`),
          createdAt: created,
          rotationDueAt: due,
          status: "Active",
        },
        {
          slot: "b",
          accessKeyId: mockAccessKeyId(`${stack.name}-presigner-key-b`),
          createdAt: created,
          rotationDueAt: due,
          status: "Inactive",
        },
      ]);
      assert.equal(MOCK_KEY_CREATED_AT, "2026-11-01T09:30:00Z");
    });

    it("exports exactly the outputs the scripts read", () => {
      assert.deepEqual(Object.keys(stack.outputs).sort(), USER_KIND_OUTPUT_NAMES);
      assert.equal(stack.outputs.region, MOCK_REGION);
      assert.equal(stack.outputs.bucketName, single(stack, T.bucket, "-data-bucket").state.bucket);
      assert.equal(stack.outputs.bucketArn, single(stack, T.bucket, "-data-bucket").state.arn);
      assert.equal(stack.outputs.presignerUserName, single(stack, T.user, "-presigner-user").state.name);
      assert.deepEqual(stack.outputs.dataPrefixes, ["cohorts/"]);
      assert.equal(stack.outputs.configPrefix, "configs/");
      assert.equal(stack.outputs.ledgerPrefix, "ledger/");
      assert.deepEqual(stack.outputs.allowedOrigins, ["https://chromoscope.bio"]);
      assert.equal(stack.outputs.maxLinkLifetimeSeconds, 604800);
      assert.equal(stack.outputs.presignerKind, "user");
      assert.equal(stack.outputs.keyGeneration, 0);
      assert.equal(stack.outputs.viewerUrl, "https://chromoscope.bio/app/");
      assert.equal(stack.outputs.access, "links");
    });

    it("exports where the data bucket's access logs land, under partitioned keys (the access report reads them)", () => {
      const logging = single(stack, T.logging, "-data-logging");
      assert.equal(stack.outputs.accessLogPrefix, logging.inputs.targetPrefix);
      assert.equal(stack.outputs.accessLogPrefix, "access-logs/");
      assert.deepEqual(logging.inputs.targetObjectKeyFormat, {
        partitionedPrefix: { partitionDateSource: "EventTime" },
      });
    });
  });

  describe("key rotation by generation", () => {
    it("bumping the generation from 4 to 5 replaces only the inactive slot's key", async () => {
      const before = await synthesize({ keyGeneration: 4 });
      const after = await synthesize({ keyGeneration: 5 });
      const trigger = (s: SynthesizedStack, slot: string) =>
        single(s, T.accessKey, `-key-${slot}`).opts.replacementTrigger;
      assert.equal(before.outputs.activeKeySlot, "a");
      assert.equal(after.outputs.activeKeySlot, "b");
      assert.equal(trigger(before, "a"), 4);
      assert.equal(trigger(after, "a"), 4, "the key that signed generation 4's links is untouched");
      assert.equal(trigger(before, "b"), 3);
      assert.equal(trigger(after, "b"), 5, "the older slot gets a new key");
      assert.equal(after.outputs.presignerAccessKeyId, mockAccessKeyId(`${after.name}-presigner-key-b`));
      assert.equal(after.outputs.keyGeneration, 5);
    });
  });

  describe("variants", () => {
    it("role kind: a role with the same policy, a trust policy for the principals, max session, an instance profile, no keys", async () => {
      const principals = ["arn:aws:iam::210987654321:role/lab-pipeline", "arn:aws:iam::123456789012:user/alice"];
      const role = await synthesize({ presignerKind: "role", trustedPrincipals: principals, maxSessionHours: 6 });
      const roleResource = single(role, T.role, "-presigner-role");
      assert.equal(roleResource.inputs.maxSessionDuration, 6 * 3600);
      assert.equal(roleResource.inputs.path, "/chromoscope/");
      assert.deepEqual(JSON.parse(roleResource.inputs.assumeRolePolicy).Statement, [
        { Sid: "TrustedPrincipalsAssume", Effect: "Allow", Principal: { AWS: principals }, Action: "sts:AssumeRole" },
      ]);
      const policy = doc(single(role, T.rolePolicy, "-presigner-role-policy"));
      const userPolicy = doc(single(stack, T.groupPolicy, "-presigner-group-policy"));
      const arnOf = (s: SynthesizedStack) => single(s, T.bucket, "-data-bucket").state.arn;
      assert.deepEqual(
        JSON.parse(JSON.stringify(policy).split(arnOf(role)).join("ARN")),
        JSON.parse(JSON.stringify(userPolicy).split(arnOf(stack)).join("ARN")),
      );
      assert.equal(single(role, T.instanceProfile, "-presigner-instance-profile").inputs.role, roleResource.state.name);
      assert.equal(ofType(role, T.accessKey).length + ofType(role, T.user).length + ofType(role, T.group).length, 0);
      assert.equal(role.outputs.presignerRoleArn, roleResource.state.arn);
      assert.equal(
        role.outputs.presignerInstanceProfileName,
        single(role, T.instanceProfile, "-presigner-instance-profile").state.name,
      );
      for (const absent of KEY_OUTPUT_NAMES) {
        assert.ok(!(absent in role.outputs), `${absent} must be absent for the role kind`);
      }
    });

    it("role kind with a service principal trusts that service for the instance profile", async () => {
      const role = await synthesize({ presignerKind: "role", trustedPrincipals: ["ec2.amazonaws.com"] });
      assert.deepEqual(JSON.parse(single(role, T.role, "-presigner-role").inputs.assumeRolePolicy).Statement, [
        {
          Sid: "TrustedServicesAssume",
          Effect: "Allow",
          Principal: { Service: ["ec2.amazonaws.com"] },
          Action: "sts:AssumeRole",
        },
      ]);
    });

    it("KMS key: SSE-KMS with a bucket key on the data bucket, SSE-S3 on the log bucket, KMS use on that key only", async () => {
      const key = "arn:aws:kms:eu-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
      const kms = await synthesize({ kmsKeyArn: key });
      assert.deepEqual(single(kms, T.encryption, "-data-bucket-encryption").inputs.rules, [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key },
          bucketKeyEnabled: true,
        },
      ]);
      assert.deepEqual(single(kms, T.encryption, "-data-logs-encryption").inputs.rules, [
        { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ]);
      assert.deepEqual(statement(doc(single(kms, T.groupPolicy, "-group-policy")), "UseBucketKmsKeyThroughS3"), {
        Sid: "UseBucketKmsKeyThroughS3",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: key,
        Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-2.amazonaws.com" } },
      });
    });

    it('"*" origin only when set explicitly', async () => {
      const open = await synthesize({ allowedOrigins: ["*"] });
      assert.deepEqual(single(open, T.cors, "-data-cors").inputs.corsRules[0].allowedOrigins, ["*"]);
      assert.deepEqual(single(open, T.cors, "-data-cors").inputs.corsRules[0].allowedMethods, ["GET"]);
      assert.deepEqual(open.outputs.allowedOrigins, ["*"]);
    });

    it("logging off: no log bucket, no logging, no logBucketName or accessLogPrefix output", async () => {
      const quiet = await synthesize({ accessLogging: false });
      assert.equal(ofType(quiet, T.bucket).length, 1);
      assert.equal(ofType(quiet, T.logging).length, 0);
      assert.equal(ofType(quiet, T.bucketPolicy).length, 1);
      assert.ok(!("logBucketName" in quiet.outputs));
      assert.ok(!("accessLogPrefix" in quiet.outputs));
    });

    it("versioning off: no versioning resource and no noncurrent-version rule", async () => {
      const unversioned = await synthesize({ versioning: false });
      assert.equal(ofType(unversioned, T.versioning).length, 0);
      for (const lifecycle of ofType(unversioned, T.lifecycle)) {
        assert.ok(!(lifecycle.inputs.rules as any[]).some((rule) => rule.noncurrentVersionExpiration));
      }
    });

    it("custom prefixes, link lifetime and expiry days reach the policies and lifecycle", async () => {
      const custom = await synthesize({
        dataPrefixes: ["pcawg/", "tcga/brca/"],
        configPrefix: "shared/configs/",
        ledgerPrefix: "shared/ledger/",
        maxLinkLifetimeSeconds: 86400,
        configExpiryDays: 3,
        noncurrentVersionDays: 7,
      });
      const arn = single(custom, T.bucket, "-data-bucket").state.arn;
      const policy = doc(single(custom, T.groupPolicy, "-group-policy"));
      assert.deepEqual(statement(policy, "ReadCohortDataConfigsAndLedger").Resource, [
        `${arn}/pcawg/*`,
        `${arn}/tcga/brca/*`,
        `${arn}/shared/configs/*`,
        `${arn}/shared/ledger/*`,
      ]);
      const deny = statement(
        doc(single(custom, T.bucketPolicy, "-data-policy")),
        "DenyPresignedUrlsOlderThanMaxLifetime",
      );
      assert.deepEqual(deny.Condition!.NumericGreaterThan, { "s3:signatureAge": 86_400_000 });
      const rules = single(custom, T.lifecycle, "-data-bucket-lifecycle").inputs.rules as any[];
      assert.deepEqual(
        rules.find((r) => r.id === "expire-published-configs"),
        {
          id: "expire-published-configs",
          status: "Enabled",
          filter: { prefix: "shared/configs/" },
          expiration: { days: 3 },
        },
      );
      assert.equal(
        rules.find((r) => r.id === "expire-noncurrent-versions").noncurrentVersionExpiration.noncurrentDays,
        7,
      );
    });
  });

  describe("component structure", () => {
    it("parents every child to its component and derives every name from the component's", async () => {
      const role = await synthesize({
        presignerKind: "role",
        trustedPrincipals: ["arn:aws:iam::123456789012:role/lab-pipeline"],
      });
      for (const s of [stack, role]) {
        assert.deepEqual(s.components.map((c) => `${c.type}::${c.name}`).sort(), [
          `chromoscope-private-data:identity:PresignerIdentity::${s.name}-presigner`,
          `chromoscope-private-data:storage:PrivateDataBucket::${s.name}-data`,
        ]);
        assert.ok(s.resources.length >= 10);
        for (const resource of s.resources) {
          assert.ok(
            resource.parentType?.startsWith("chromoscope-private-data:"),
            `${resource.name} has no component parent`,
          );
          assert.ok(
            resource.name.startsWith(`${resource.parentName}-`),
            `${resource.name} is not derived from ${resource.parentName}`,
          );
        }
      }
    });

    it("uses only current @pulumi/aws v7 resource types (no deprecated V2 classes)", () => {
      for (const resource of stack.resources) assert.doesNotMatch(resource.type, /V2$/, resource.type);
      for (const bucket of ofType(stack, T.bucket)) {
        for (const inline of [
          "acl",
          "corsRules",
          "versioning",
          "lifecycleRules",
          "logging",
          "policy",
          "serverSideEncryptionConfiguration",
        ]) {
          assert.ok(!(inline in bucket.inputs), `bucket ${bucket.name} uses the deprecated inline argument ${inline}`);
        }
      }
    });
  });
});
