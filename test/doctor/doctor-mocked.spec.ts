/**
 * The doctor's checks that the embedded S3 server cannot answer (Block Public Access, bucket policy,
 * ownership, encryption, STS identity, key age) against AWS SDK clients stubbed at the client
 * boundary (aws-sdk-client-mock) with the answers AWS gives, errors included. The clients reach the
 * doctor through createDoctorCommand's factory: nothing is patched globally.
 */
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient, STSServiceException } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { dataBucketPolicyDocument, logBucketPolicyDocument } from "../../policy/documents/bucket-policies";
import { createDoctorCommand } from "../../scripts/lib/cli/commands/doctor-command";
import { judgeBucketPolicy } from "../../scripts/lib/doctor/checks/bucket-policy-check";
import { CheckResult } from "../../scripts/lib/doctor/doctor-model";
import { DoctorClients, StsConnectionOptions } from "../../scripts/lib/doctor/probe";
import { S3ConnectionOptions } from "../../scripts/lib/s3/object-store";
import { run } from "../support/cli-runner";

const NOW = new Date("2026-03-10T12:00:00.000Z");
const ACCOUNT = "123456789012";
const BUCKET = "chromoscope-data-3f9a2c1";
const PRESIGNER_USER = "chromoscope-presigner-dev";
const KEY_A = "AKIA4EXAMPLEKEYSLOTA";
const KEY_B = "AKIA4EXAMPLEKEYSLOTB";
const SECRET_B = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/** Outputs of a deployed user-kind stack in eu-west-2, generation 1 (slot b active). */
const USER_STACK = {
  bucketName: BUCKET,
  bucketArn: `arn:aws:s3:::${BUCKET}`,
  region: "eu-west-2",
  dataPrefixes: ["cohorts/"],
  configPrefix: "configs/",
  ledgerPrefix: "ledger/",
  allowedOrigins: ["https://chromoscope.bio"],
  maxLinkLifetimeSeconds: 604800,
  presignerKind: "user",
  presignerUserName: PRESIGNER_USER,
  activeKeySlot: "b",
  presignerAccessKeyId: KEY_B,
  presignerSecretAccessKey: SECRET_B,
  accessKeys: [
    { slot: "a", accessKeyId: KEY_A, createdAt: "2026-01-05T09:00:00.000Z", rotationDueAt: "2026-02-04T09:00:00.000Z" },
    { slot: "b", accessKeyId: KEY_B, createdAt: "2026-02-20T09:00:00.000Z", rotationDueAt: "2026-03-22T09:00:00.000Z" },
  ],
  viewerUrl: "https://chromoscope.bio/app/",
  logBucketName: `${BUCKET}-logs`,
};

const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/chromoscope-presigner-dev`;
const ROLE_STACK = (() => {
  const { presignerUserName, activeKeySlot, presignerAccessKeyId, presignerSecretAccessKey, accessKeys, ...rest } =
    USER_STACK;
  return {
    ...rest,
    presignerKind: "role",
    presignerRoleArn: ROLE_ARN,
    presignerInstanceProfileName: "chromoscope-presigner-dev",
  };
})();

const USER_ARN = `arn:aws:iam::${ACCOUNT}:user/${PRESIGNER_USER}`;

/** The data bucket's policy as GetBucketPolicy returns it (condition values come back as strings). */
function policyJson(
  overrides: {
    signatureAge?: string;
    drop?: string[];
    extra?: object[];
    tls?: string;
    presignedReads?: string[];
    unsignedHeaderCondition?: object;
  } = {},
): string {
  const everything = [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`];
  const statements = [
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: everything,
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
    {
      Sid: "DenyOutdatedTls",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: everything,
      Condition: { NumericLessThan: { "s3:TlsVersion": overrides.tls ?? "1.2" } },
    },
    {
      Sid: "DenySignatureVersion2",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: everything,
      Condition: { StringEquals: { "s3:signatureversion": "AWS" } },
    },
    {
      Sid: "DenyPresignedUrlsOlderThanMaxLifetime",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: everything,
      Condition: {
        StringEquals: { "s3:authType": "REST-QUERY-STRING" },
        NumericGreaterThan: { "s3:signatureAge": overrides.signatureAge ?? "604800000" },
      },
    },
    {
      Sid: "DenyRequestsOtherThanReadsNotSignedInTheHeader",
      Effect: "Deny",
      Principal: "*",
      NotAction: overrides.presignedReads ?? ["s3:GetObject", "s3:GetObjectVersion"],
      Resource: everything,
      Condition: overrides.unsignedHeaderCondition ?? {
        StringNotEquals: { "s3:authType": "REST-HEADER" },
        Bool: { "aws:PrincipalIsAWSService": "false" },
      },
    },
  ].filter((statement) => !(overrides.drop ?? []).includes(statement.Sid));
  return JSON.stringify({ Version: "2012-10-17", Statement: [...statements, ...(overrides.extra ?? [])] });
}

const DECLARED_CORS = {
  ID: "chromoscope-viewer-get",
  AllowedHeaders: ["*"],
  AllowedMethods: ["GET"],
  AllowedOrigins: ["https://chromoscope.bio"],
  ExposeHeaders: ["Content-Range", "Content-Length", "ETag", "Accept-Ranges"],
  MaxAgeSeconds: 3000,
};

const COHORT_OBJECTS = [
  { Key: "cohorts/breast-2026/PD4103/PD4103.sv.bedpe", Size: 18_231 },
  { Key: "cohorts/breast-2026/PD4103/PD4103.cna.annotated.tsv", Size: 40_211 },
  { Key: "cohorts/breast-2026/PD4103/PD4103.bam", Size: 9_000_000_000 },
  { Key: "cohorts/breast-2026/PD4103/PD4103.bam.bai", Size: 8_912_000 },
  { Key: "cohorts/breast-2026/PD4104/PD4104.sv.bedpe", Size: 9_870 },
  { Key: "cohorts/breast-2026/PD4104/PD4104.cna.annotated.tsv", Size: 39_004 },
  { Key: "cohorts/breast-2026/PD4105/PD4105.sv.bedpe", Size: 12_044 },
];

function s3Error(name: string, status: number, message: string): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status, requestId: "4442587FB7D0A2F9" },
    message,
  });
}

const accessDenied = () => s3Error("AccessDenied", 403, "Access Denied");

function stsError(name: string, status: number, message: string): STSServiceException {
  return new STSServiceException({ name, $fault: "client", $metadata: { httpStatusCode: status }, message });
}

/** What S3 answers a browser: 403 AccessDenied without a signature, 206 with one (unless told otherwise). */
function fakeFetch(behaviour: { unsigned?: number; presigned?: number; presignedCode?: string } = {}) {
  const urls: string[] = [];
  const xml = (code: string) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>x</Message></Error>`;
  const fetch = async (url: string, init: RequestInit) => {
    urls.push(url);
    const signed = new URL(url).searchParams.has("X-Amz-Signature");
    const status = signed ? (behaviour.presigned ?? 206) : (behaviour.unsigned ?? 403);
    if (status >= 300)
      return new Response(xml(signed ? (behaviour.presignedCode ?? "AccessDenied") : "AccessDenied"), { status });
    const origin = new Headers(init.headers).get("origin");
    return new Response("#", { status, headers: origin ? { "Access-Control-Allow-Origin": origin } : {} });
  };
  return { urls, fetch };
}

describe("doctor with stubbed AWS clients", function () {
  this.timeout(20_000);
  let directory: string;
  let s3Mock: ReturnType<typeof mockClient>;
  let stsMock: ReturnType<typeof mockClient>;
  let http: ReturnType<typeof fakeFetch>;
  let s3Options: S3ConnectionOptions[];
  let stsOptions: StsConnectionOptions[];
  let clients: DoctorClients;

  before(() => {
    directory = mkdtempSync(join(tmpdir(), "doctor-mocked-"));
  });
  after(() => rmSync(directory, { recursive: true, force: true }));

  beforeEach(() => {
    const s3 = new S3Client({ region: "eu-west-2" });
    const sts = new STSClient({ region: "eu-west-2" });
    s3Mock = mockClient(s3);
    stsMock = mockClient(sts);
    s3Mock.onAnyCommand().rejects(new Error("unexpected S3 call"));
    s3Mock.on(GetBucketLocationCommand).resolves({ LocationConstraint: "eu-west-2" });
    s3Mock.on(GetPublicAccessBlockCommand).resolves({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    });
    s3Mock
      .on(GetBucketOwnershipControlsCommand)
      .resolves({ OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] } });
    s3Mock.on(GetBucketEncryptionCommand).resolves({
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" }, BucketKeyEnabled: false }],
      },
    });
    s3Mock.on(GetBucketPolicyCommand).resolves({ Policy: policyJson() });
    s3Mock.on(GetBucketCorsCommand).resolves({ CORSRules: [DECLARED_CORS] });
    s3Mock
      .on(ListObjectsV2Command, { Prefix: "cohorts/" })
      .resolves({ Contents: COHORT_OBJECTS, IsTruncated: false, KeyCount: COHORT_OBJECTS.length });
    s3Mock.on(ListObjectsV2Command, { Prefix: "ledger/" }).resolves({ IsTruncated: false, KeyCount: 0 });
    stsMock.on(GetCallerIdentityCommand).resolves({ UserId: "AIDA4EXAMPLEUSERID01", Account: ACCOUNT, Arn: USER_ARN });
    http = fakeFetch();
    s3Options = [];
    stsOptions = [];
    clients = {
      s3: (options) => {
        s3Options.push(options);
        return s3;
      },
      sts: (options) => {
        stsOptions.push(options);
        return sts;
      },
      fetch: (url, init) => http.fetch(url, init),
    };
  });

  let written = 0;
  function outputsFile(outputs: object): string {
    const path = join(directory, `outputs-${++written}.json`);
    writeFileSync(path, JSON.stringify(outputs), { mode: 0o600 });
    return path;
  }

  async function doctor(outputs: object = USER_STACK, io: Parameters<typeof run>[2] = {}) {
    const result = await run(createDoctorCommand(clients), ["--outputs", outputsFile(outputs), "--json"], {
      now: () => NOW,
      ...io,
    });
    assert.equal(result.stderr, "", "the report goes to stdout; nothing to stderr");
    const report = JSON.parse(result.stdout) as {
      checks: CheckResult[];
      summary: Record<string, number>;
      maxLinkSeconds: number | null;
      notRun: unknown[];
    };
    const check = (id: string) => {
      const found = report.checks.find((candidate) => candidate.id === id);
      assert.ok(found, `no check ${id} in ${result.stdout}`);
      return found;
    };
    return { code: result.code, report, check, stdout: result.stdout };
  }

  describe("a healthy stack", () => {
    it("passes every check and exits 0", async () => {
      const { code, report } = await doctor();
      assert.deepEqual(
        report.checks.filter((check) => check.status !== "pass").map((check) => `${check.id}: ${check.detail}`),
        [],
      );
      assert.equal(code, 0);
      assert.deepEqual(report.summary, { pass: 13, warn: 0, fail: 0, unsupported: 0 });
      assert.equal(report.maxLinkSeconds, 604_800);
    });

    it("reports each finding precisely", async () => {
      const { check } = await doctor();
      assert.equal(check("identity").detail, `${USER_ARN} is the stack's presigner user ${PRESIGNER_USER}`);
      assert.equal(check("bucket").detail, `bucket ${BUCKET} exists in eu-west-2`);
      assert.equal(
        check("data-prefixes").detail,
        "cohorts/: 7 objects, 2 samples (+1 incomplete: cohorts/breast-2026/PD4105/ (no CNV file))",
      );
      assert.equal(
        check("public-access-block").detail,
        "all four flags on (BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets)",
      );
      assert.equal(check("object-ownership").detail, "BucketOwnerEnforced: ACLs are disabled");
      assert.equal(check("encryption").detail, "SSE-S3 (AES256)");
      assert.equal(
        check("bucket-policy").detail,
        "denies plain HTTP, TLS below 1.2, SigV2, writes not signed in the header (presigned or browser POST) and presigned links older than 7 days",
      );
      assert.equal(
        check("cors").detail,
        "GET only, from https://chromoscope.bio; exposes Content-Range, Content-Length, ETag, Accept-Ranges",
      );
      assert.equal(
        check("key-age").detail,
        `active slot b (${KEY_B}) is 18 days old; rotation due 2026-03-22T09:00:00Z (in 11 days 21 hours)`,
      );
    });

    it("signs with the stack's key for the bucket's region, and tests the smallest object with a one-minute link", async () => {
      const { check } = await doctor();
      assert.deepEqual(
        s3Options.map((options) => [options.region, options.credentials.accessKeyId, options.endpoint]),
        [["eu-west-2", KEY_B, undefined]],
      );
      assert.deepEqual(
        stsOptions.map((options) => [options.region, options.credentials.accessKeyId]),
        [["eu-west-2", KEY_B]],
      );
      const [unsigned, presigned] = http.urls;
      assert.equal(unsigned, `https://${BUCKET}.s3.eu-west-2.amazonaws.com/cohorts/breast-2026/PD4104/PD4104.sv.bedpe`);
      const params = new URL(presigned).searchParams;
      assert.equal(presigned.split("?")[0], unsigned);
      assert.equal(params.get("X-Amz-Expires"), "60");
      assert.equal(params.get("X-Amz-Date"), "20260310T120000Z");
      assert.match(params.get("X-Amz-Credential") ?? "", new RegExp(`^${KEY_B}/20260310/eu-west-2/s3/aws4_request$`));
      assert.equal(
        check("private-and-presigned").detail,
        "cohorts/breast-2026/PD4104/PD4104.sv.bedpe: unsigned GET refused (403), presigned GET served it (206)",
      );
    });

    it('accepts an equivalent policy written differently: other Sids and order, {AWS: "*"}, bucket*, IfExists, key case', async () => {
      const everything = [`arn:aws:s3:::${BUCKET}*`];
      const policy = {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "MaxAge",
            Effect: "Deny",
            Principal: { AWS: "*" },
            Action: ["s3:*"],
            Resource: everything,
            Condition: {
              NumericGreaterThan: { "S3:SignatureAge": "604800000" },
              StringEquals: { "s3:authType": ["REST-QUERY-STRING"] },
            },
          },
          {
            Sid: "NoSigV2",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: everything,
            Condition: { StringEquals: { "s3:signatureversion": "AWS" } },
          },
          {
            Sid: "Tls13",
            Effect: "Deny",
            Principal: "*",
            Action: "*",
            Resource: "*",
            Condition: { NumericLessThan: { "s3:TlsVersion": "1.3" } },
          },
          {
            Sid: "TlsOnly",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: everything,
            Condition: { BoolIfExists: { "aws:SecureTransport": "false" } },
          },
          {
            Sid: "ReadLinks",
            Effect: "Deny",
            Principal: "*",
            NotAction: "S3:GetObject",
            Resource: everything,
            Condition: {
              BoolIfExists: { "AWS:PrincipalIsAwsService": ["false"] },
              StringNotEqualsIfExists: { "s3:AuthType": ["REST-HEADER"] },
            },
          },
        ],
      };
      s3Mock.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(policy) });
      const { check } = await doctor();
      assert.equal(check("bucket-policy").status, "pass", check("bucket-policy").detail);
    });
  });

  describe("Block Public Access", () => {
    it("fails naming the flags that are off", async () => {
      s3Mock.on(GetPublicAccessBlockCommand).resolves({
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: false,
          RestrictPublicBuckets: false,
        },
      });
      const { code, check } = await doctor();
      assert.equal(code, 1);
      assert.deepEqual(check("public-access-block"), {
        id: "public-access-block",
        title: "Block Public Access",
        status: "fail",
        detail: "Block Public Access is off for BlockPublicPolicy, RestrictPublicBuckets (all four must be on)",
        fix: "run `pulumi up --refresh` to restore the stack's settings (a console edit has drifted from the program)",
      });
    });

    it("fails when the bucket has no configuration (NoSuchPublicAccessBlockConfiguration)", async () => {
      s3Mock
        .on(GetPublicAccessBlockCommand)
        .rejects(
          s3Error("NoSuchPublicAccessBlockConfiguration", 404, "The public access block configuration was not found"),
        );
      const { code, check } = await doctor();
      assert.equal(code, 1);
      assert.equal(check("public-access-block").status, "fail");
      assert.match(check("public-access-block").detail, /^the bucket has no Block Public Access configuration/);
    });

    it("warns, naming s3:GetBucketPublicAccessBlock, on AccessDenied; never passes", async () => {
      s3Mock.on(GetPublicAccessBlockCommand).rejects(accessDenied());
      const { code, check } = await doctor();
      assert.equal(code, 0, "a warning does not fail");
      assert.deepEqual(check("public-access-block"), {
        id: "public-access-block",
        title: "Block Public Access",
        status: "warn",
        detail: `could not check: AccessDenied — these credentials lack s3:GetBucketPublicAccessBlock on arn:aws:s3:::${BUCKET}`,
        fix: "the presigner's policy should allow s3:GetBucketPublicAccessBlock: run `pulumi up --refresh` to restore the stack's IAM policy",
      });
    });

    it("tells other credentials to use the presigner's instead, when they are denied", async () => {
      const { presignerAccessKeyId, presignerSecretAccessKey, ...withoutKey } = USER_STACK;
      stsMock
        .on(GetCallerIdentityCommand)
        .resolves({ UserId: "AIDAOTHER", Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/alice` });
      s3Mock.on(GetPublicAccessBlockCommand).rejects(accessDenied());
      const { check } = await doctor(withoutKey, {
        credentialProvider: async () => ({
          accessKeyId: "AKIA4EXAMPLEALICE001",
          secretAccessKey: "aLiCeSeCrEtKeY0123456789abcdefGHIJKLMNOP",
        }),
      });
      assert.equal(check("public-access-block").status, "warn");
      assert.equal(
        check("public-access-block").fix,
        `run the doctor with the stack's presigner credentials (--stack or --outputs with its key), or grant s3:GetBucketPublicAccessBlock on arn:aws:s3:::${BUCKET}`,
      );
      assert.equal(check("identity").status, "warn");
      assert.match(
        check("identity").detail,
        /^arn:aws:iam::123456789012:user\/alice is not the stack's presigner user chromoscope-presigner-dev/,
      );
    });
  });

  describe("object ownership", () => {
    it("fails when ownership controls are missing (OwnershipControlsNotFoundError)", async () => {
      s3Mock
        .on(GetBucketOwnershipControlsCommand)
        .rejects(s3Error("OwnershipControlsNotFoundError", 404, "The bucket ownership controls were not found"));
      const { code, check } = await doctor();
      assert.equal(code, 1);
      assert.equal(check("object-ownership").status, "fail");
      assert.match(check("object-ownership").detail, /ACLs are enabled/);
    });

    it("fails when ACLs are back on (ObjectWriter)", async () => {
      s3Mock
        .on(GetBucketOwnershipControlsCommand)
        .resolves({ OwnershipControls: { Rules: [{ ObjectOwnership: "ObjectWriter" }] } });
      const { check } = await doctor();
      assert.equal(
        check("object-ownership").detail,
        "object ownership is ObjectWriter, not BucketOwnerEnforced: ACLs are enabled",
      );
    });

    it("warns, naming s3:GetBucketOwnershipControls, on AccessDenied", async () => {
      s3Mock.on(GetBucketOwnershipControlsCommand).rejects(accessDenied());
      const { check } = await doctor();
      assert.equal(check("object-ownership").status, "warn");
      assert.match(check("object-ownership").detail, /lack s3:GetBucketOwnershipControls/);
    });
  });

  describe("bucket policy", () => {
    const judge = async (policy: string) => {
      s3Mock.on(GetBucketPolicyCommand).resolves({ Policy: policy });
      return doctor();
    };

    it("fails when there is none (NoSuchBucketPolicy)", async () => {
      s3Mock.on(GetBucketPolicyCommand).rejects(s3Error("NoSuchBucketPolicy", 404, "The bucket policy does not exist"));
      const { code, check } = await doctor();
      assert.equal(code, 1);
      assert.equal(
        check("bucket-policy").detail,
        "the bucket has no policy: plain HTTP, SigV2 and links of any age are not refused",
      );
    });

    it("fails naming each deny that is missing", async () => {
      const { code, check } = await judge(policyJson({ drop: ["DenySignatureVersion2", "DenyInsecureTransport"] }));
      assert.equal(code, 1);
      assert.equal(
        check("bucket-policy").detail,
        "no statement denies requests without TLS (aws:SecureTransport false); SigV2 signatures",
      );
    });

    const UNSIGNED_HEADER_WRITES =
      "no statement denies requests other than reads not signed in the header (a presigned PUT or DELETE, a browser POST upload)";

    it("fails when writes not signed in the header are not denied: a leaked key could mint PUT and DELETE links", async () => {
      const { code, check } = await judge(policyJson({ drop: ["DenyRequestsOtherThanReadsNotSignedInTheHeader"] }));
      assert.equal(code, 1);
      assert.equal(check("bucket-policy").detail, UNSIGNED_HEADER_WRITES);
    });

    it("fails on the presigned-only deny of earlier stacks: it spares browser POST uploads", async () => {
      const older = await judge(
        policyJson({ unsignedHeaderCondition: { StringEquals: { "s3:authType": "REST-QUERY-STRING" } } }),
      );
      assert.equal(older.code, 1);
      assert.equal(older.check("bucket-policy").detail, UNSIGNED_HEADER_WRITES);
      const widened = await judge(
        policyJson({
          unsignedHeaderCondition: {
            StringNotEquals: { "s3:authType": ["REST-HEADER", "POST"] },
            Bool: { "aws:PrincipalIsAWSService": "false" },
          },
        }),
      );
      assert.equal(widened.check("bucket-policy").status, "fail", "a deny that spares POST is not the declared one");
    });

    it("fails when the deny of requests not signed in the header spares a write, passes when it spares fewer reads", async () => {
      const spared = await judge(policyJson({ presignedReads: ["s3:GetObject", "s3:PutObject"] }));
      assert.equal(spared.check("bucket-policy").detail, UNSIGNED_HEADER_WRITES);
      const stricter = await judge(policyJson({ presignedReads: ["s3:getobject"] }));
      assert.equal(stricter.check("bucket-policy").status, "pass", stricter.check("bucket-policy").detail);
    });

    it("fails when the signature-age cap allows links longer than the stack's maxLinkLifetimeSeconds", async () => {
      const { check } = await judge(policyJson({ signatureAge: String(8 * 86_400_000) }));
      assert.equal(check("bucket-policy").status, "fail");
      assert.equal(
        check("bucket-policy").detail,
        "no statement denies presigned links older than maxLinkLifetimeSeconds (s3:signatureAge)",
      );
    });

    it("fails when a deny was narrowed (to GetObject only, or by an extra condition)", async () => {
      const narrowed = JSON.parse(policyJson()) as { Statement: Array<Record<string, unknown>> };
      narrowed.Statement[2].Action = "s3:GetObject";
      (narrowed.Statement[0].Condition as Record<string, unknown>).IpAddress = { "aws:SourceIp": "10.0.0.0/8" };
      const { check } = await judge(JSON.stringify(narrowed));
      assert.equal(
        check("bucket-policy").detail,
        "no statement denies requests without TLS (aws:SecureTransport false); SigV2 signatures",
      );
    });

    it("fails when TLS 1.0 is allowed again", async () => {
      const { check } = await judge(policyJson({ tls: "1.0" }));
      assert.equal(check("bucket-policy").detail, "no statement denies TLS below 1.2");
    });

    it("fails on a statement that allows everyone", async () => {
      const publicRead = {
        Sid: "PublicRead",
        Effect: "Allow",
        Principal: "*",
        Action: "s3:GetObject",
        Resource: `arn:aws:s3:::${BUCKET}/*`,
      };
      const { code, check } = await judge(policyJson({ extra: [publicRead] }));
      assert.equal(code, 1);
      assert.equal(check("bucket-policy").detail, 'statement "PublicRead" allows everyone (public access)');
    });

    it("warns when a stricter cap cuts links short, and says links live only that long", async () => {
      const { code, check, report } = await judge(policyJson({ signatureAge: String(86_400_000) }));
      assert.equal(code, 0);
      assert.equal(check("bucket-policy").status, "warn");
      assert.match(
        check("bucket-policy").detail,
        /cuts presigned links at 1 day, shorter than the stack's maxLinkLifetimeSeconds \(7 days\)/,
      );
      assert.equal(report.maxLinkSeconds, 86_400);
      assert.match(
        check("credentials").detail,
        /links signed now can live 1 day \(the bucket policy's signature-age cap\)$/,
      );
    });

    it("passes the documents the program deploys, for the data and the log bucket, whatever the link lifetime", () => {
      for (const maxLinkLifetimeSeconds of [3600, 604_800]) {
        const bucketArn = `arn:aws:s3:::${BUCKET}`;
        const documents = [
          dataBucketPolicyDocument({ bucketArn, maxLinkLifetimeSeconds }),
          logBucketPolicyDocument({
            bucketArn,
            maxLinkLifetimeSeconds,
            sourceBucketArn: "arn:aws:s3:::source-bucket",
            accountId: ACCOUNT,
          }),
        ];
        for (const document of documents) {
          const judged = judgeBucketPolicy(JSON.stringify(document), BUCKET, maxLinkLifetimeSeconds);
          assert.equal(judged.finding.status, "pass", judged.finding.detail);
          assert.equal(judged.capSeconds, undefined);
        }
      }
    });

    it("fails on a policy that is not JSON", async () => {
      const { check } = await judge("{ not json");
      assert.equal(check("bucket-policy").detail, "the bucket policy is not valid JSON");
    });

    it("warns, naming s3:GetBucketPolicy, on AccessDenied", async () => {
      s3Mock.on(GetBucketPolicyCommand).rejects(accessDenied());
      const { check } = await doctor();
      assert.equal(check("bucket-policy").status, "warn");
      assert.match(check("bucket-policy").detail, /lack s3:GetBucketPolicy on/);
    });
  });

  describe("endpoint support and failures", () => {
    it("reports 501 and 405 answers as not supported by this endpoint", async () => {
      s3Mock
        .on(GetPublicAccessBlockCommand)
        .rejects(s3Error("NotImplemented", 501, "A header you provided implies functionality that is not implemented"));
      s3Mock
        .on(GetBucketPolicyCommand)
        .rejects(s3Error("MethodNotAllowed", 405, "The specified method is not allowed against this resource."));
      const { code, check, report } = await doctor();
      assert.equal(code, 0);
      assert.equal(check("public-access-block").detail, "not supported by this endpoint (501 NotImplemented)");
      assert.equal(check("bucket-policy").detail, "not supported by this endpoint (405 MethodNotAllowed)");
      assert.equal(report.summary.unsupported, 2);
    });

    it("fails a check S3 cannot answer (throttling), with a fix that fits the doctor", async () => {
      s3Mock.on(GetBucketCorsCommand).rejects(s3Error("SlowDown", 503, "Please reduce your request rate."));
      const { code, check } = await doctor();
      assert.equal(code, 1);
      assert.equal(check("cors").detail, "GetBucketCORS failed: SlowDown: Please reduce your request rate.");
      assert.equal(
        check("cors").fix,
        "S3 or the network failed: check the network and --endpoint, then run the doctor again",
      );
    });
  });

  describe("bucket and region", () => {
    it("reads an empty location as us-east-1", async () => {
      s3Mock.on(GetBucketLocationCommand).resolves({});
      const { check } = await doctor({ ...USER_STACK, region: "us-east-1" });
      assert.equal(check("bucket").detail, `bucket ${BUCKET} exists in us-east-1`);
    });

    it("fails when the bucket is elsewhere, and runs no bucket check", async () => {
      s3Mock.on(GetBucketLocationCommand).resolves({ LocationConstraint: "us-west-1" });
      const { code, check, report } = await doctor();
      assert.equal(code, 1);
      assert.equal(
        check("bucket").fix,
        "pass --region us-west-1, or export the outputs of the stack that owns this bucket",
      );
      assert.equal(report.notRun.length, 9);
      assert.equal(s3Mock.commandCalls(GetBucketCorsCommand).length, 0);
    });
  });

  describe("end to end through a browser's eyes", () => {
    it("fails when an unsigned GET is served: the data is public", async () => {
      http = fakeFetch({ unsigned: 200 });
      const { code, check } = await doctor();
      assert.equal(code, 1);
      assert.equal(
        check("private-and-presigned").detail,
        "cohorts/breast-2026/PD4104/PD4104.sv.bedpe: unsigned GET served it (200): the object is public, presigned GET served it (206)",
      );
    });

    it("fails when the presigned GET is refused, with the fix for S3's error code", async () => {
      http = fakeFetch({ presigned: 403, presignedCode: "SignatureDoesNotMatch" });
      const { check } = await doctor();
      assert.equal(check("private-and-presigned").status, "fail");
      assert.match(check("private-and-presigned").detail, /presigned GET refused \(403 SignatureDoesNotMatch\)$/);
      assert.equal(
        check("private-and-presigned").fix,
        "the secret key does not match the access key: export the stack outputs again with --show-secrets",
      );
    });
  });

  describe("credentials and identity", () => {
    const { presignerAccessKeyId, presignerSecretAccessKey, ...chainOnly } = USER_STACK;

    it("long-term keys from the chain: 7-day links", async () => {
      const { check, report } = await doctor(chainOnly, {
        credentialProvider: async () => ({ accessKeyId: KEY_A, secretAccessKey: SECRET_B }),
      });
      assert.equal(report.maxLinkSeconds, 604_800);
      assert.match(
        check("credentials").detail,
        /^long-term IAM user key AKIA4EXAMPLEKEYSLOTA from the AWS credential chain: links signed now can live 7 days \(S3's 7-day maximum for SigV4 links\)$/,
      );
    });

    it("session credentials with an expiry: links live until the session ends", async () => {
      const expiration = new Date(NOW.getTime() + 3 * 3600_000);
      const { check, report } = await doctor(chainOnly, {
        credentialProvider: async () => ({
          accessKeyId: "ASIA4EXAMPLESESSION1",
          secretAccessKey: SECRET_B,
          sessionToken: "IQoJb3JpZ2luX2VjEXAMPLETOKEN",
          expiration,
        }),
      });
      assert.equal(report.maxLinkSeconds, 10_800);
      assert.equal(
        check("credentials").detail,
        "session credentials ASIA4EXAMPLESESSION1 (expiring 2026-03-10T15:00:00.000Z): links signed now can live 3 hours (the signing session's expiry)",
      );
      assert.ok(!JSON.stringify(report).includes("IQoJb3JpZ2luX2VjEXAMPLETOKEN"), "the session token is never printed");
    });

    it("session credentials without an expiry: a warning and a one-hour assumption", async () => {
      const { check, report } = await doctor(chainOnly, {
        credentialProvider: async () => ({
          accessKeyId: "ASIA4EXAMPLESESSION1",
          secretAccessKey: SECRET_B,
          sessionToken: "token",
        }),
      });
      assert.equal(check("credentials").status, "warn");
      assert.equal(report.maxLinkSeconds, 3600);
    });

    it("session credentials that expire within a minute fail", async () => {
      const expiration = new Date(NOW.getTime() + 30_000);
      const { code, check } = await doctor(chainOnly, {
        credentialProvider: async () => ({
          accessKeyId: "ASIA4EXAMPLESESSION1",
          secretAccessKey: SECRET_B,
          sessionToken: "token",
          expiration,
        }),
      });
      assert.equal(code, 1);
      assert.equal(check("credentials").status, "fail");
      assert.match(check("credentials").fix ?? "", /refresh the session/);
    });

    it("missing credentials fail, and nothing that needs them runs", async () => {
      const { code, check, report } = await doctor(chainOnly, {
        credentialProvider: async () => Promise.reject(new Error("Could not load credentials from any providers")),
      });
      assert.equal(code, 1);
      assert.equal(check("credentials").status, "fail");
      assert.equal(report.notRun.length, 11);
      assert.equal(s3Mock.calls().length + stsMock.calls().length, 0, "no AWS call without credentials");
    });

    it("an EC2 instance role (session named after the instance)", async () => {
      stsMock.on(GetCallerIdentityCommand).resolves({
        Account: ACCOUNT,
        Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/chromoscope-presigner-dev/i-0a1b2c3d4e5f67890`,
      });
      const expiration = new Date(NOW.getTime() + 5 * 3600_000);
      const { check, report } = await doctor(ROLE_STACK, {
        credentialProvider: async () => ({
          accessKeyId: "ASIA4EXAMPLEINSTANCE",
          secretAccessKey: SECRET_B,
          sessionToken: "token",
          expiration,
        }),
      });
      assert.match(
        check("credentials").detail,
        /^EC2 instance role credentials ASIA4EXAMPLEINSTANCE \(expiring 2026-03-10T17:00:00.000Z\): links signed now can live 5 hours/,
      );
      assert.equal(check("identity").status, "pass");
      assert.equal(
        check("identity").detail,
        `arn:aws:sts::${ACCOUNT}:assumed-role/chromoscope-presigner-dev/i-0a1b2c3d4e5f67890 is the stack's presigner role ${ROLE_ARN}`,
      );
      assert.equal(check("key-age").detail, "role kind: no long-term access keys, nothing to rotate");
      assert.equal(report.maxLinkSeconds, 18_000);
    });

    it("a container role (credentials from the container endpoint)", async () => {
      stsMock.on(GetCallerIdentityCommand).resolves({
        Account: ACCOUNT,
        Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/chromoscope-presigner-dev/3f2a9c0d1e2b4c5d`,
      });
      const expiration = new Date(NOW.getTime() + 6 * 3600_000);
      const { check } = await doctor(ROLE_STACK, {
        env: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/credentials/3f2a9c0d" },
        credentialProvider: async () => ({
          accessKeyId: "ASIA4EXAMPLECONTAIN1",
          secretAccessKey: SECRET_B,
          sessionToken: "token",
          expiration,
        }),
      });
      assert.match(check("credentials").detail, /^container role credentials ASIA4EXAMPLECONTAIN1/);
    });

    it("a session of another role is not the presigner", async () => {
      stsMock
        .on(GetCallerIdentityCommand)
        .resolves({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/AdministratorAccess/alice` });
      const { check } = await doctor(ROLE_STACK, {
        credentialProvider: async () => ({
          accessKeyId: "ASIA4EXAMPLESESSION1",
          secretAccessKey: SECRET_B,
          sessionToken: "token",
          expiration: new Date(NOW.getTime() + 3600_000),
        }),
      });
      assert.equal(check("identity").status, "warn");
      assert.match(check("identity").fix ?? "", /sign with the presigner/);
    });

    it("fails when AWS no longer knows the stack's key (InvalidClientTokenId): the outputs are stale", async () => {
      stsMock
        .on(GetCallerIdentityCommand)
        .rejects(stsError("InvalidClientTokenId", 403, "The security token included in the request is invalid."));
      const { code, check } = await doctor();
      assert.equal(code, 1);
      assert.equal(
        check("identity").detail,
        `AWS does not know the access key ${KEY_B}: it was deleted, deactivated or rotated away`,
      );
      assert.match(check("identity").fix ?? "", /export fresh outputs/);
    });
  });

  describe("access key age", () => {
    const thirtyDaysAfter = (iso: string) => new Date(Date.parse(iso) + 30 * 86_400_000).toISOString();
    const keys = (createdA: string, createdB: string, dueB: string) => ({
      ...USER_STACK,
      accessKeys: [
        { slot: "a", accessKeyId: KEY_A, createdAt: createdA, rotationDueAt: thirtyDaysAfter(createdA) },
        { slot: "b", accessKeyId: KEY_B, createdAt: createdB, rotationDueAt: dueB },
      ],
    });

    it("warns when the active key's rotation is due within 7 days", async () => {
      const { code, check } = await doctor(
        keys("2026-01-05T09:00:00.000Z", "2026-02-10T09:00:00.000Z", "2026-03-12T09:00:00.000Z"),
      );
      assert.equal(code, 0);
      assert.equal(check("key-age").status, "warn");
      assert.equal(
        check("key-age").detail,
        `active slot b (${KEY_B}) is 28 days old: rotation due 2026-03-12T09:00:00Z (in 1 day 21 hours)`,
      );
      assert.match(check("key-age").fix ?? "", /npm run rotate-keys/);
    });

    it("warns when rotation is overdue", async () => {
      const { check } = await doctor(
        keys("2026-01-05T09:00:00.000Z", "2026-02-01T09:00:00.000Z", "2026-03-03T09:00:00.000Z"),
      );
      assert.equal(check("key-age").status, "warn");
      assert.match(check("key-age").detail, /rotation was due 2026-03-03T09:00:00Z \(7 days 3 hours ago\)$/);
    });

    it("fails when a key is older than 90 days (AWS IAM.3)", async () => {
      const { code, check } = await doctor(
        keys("2025-12-01T09:00:00.000Z", "2026-02-20T09:00:00.000Z", "2026-03-22T09:00:00.000Z"),
      );
      assert.equal(code, 1);
      assert.equal(check("key-age").detail, `slot a (${KEY_A}) is 99 days old: past the 90-day maximum (AWS IAM.3)`);
    });

    it("fails a rotation period over 45 days: two slots keep a key for up to twice that, past IAM.3's 90", async () => {
      const { code, check } = await doctor(
        keys("2026-01-05T09:00:00.000Z", "2026-02-20T09:00:00.000Z", "2026-04-07T09:00:00.000Z"),
      );
      assert.equal(code, 1);
      assert.equal(check("key-age").status, "fail");
      assert.equal(
        check("key-age").detail,
        "slot b's rotation period is 46 days: more than 45, and with two slots a key lives up to twice its period (AWS IAM.3 allows 90 days)",
      );
      assert.match(check("key-age").fix ?? "", /set keyRotationDays to 45 or less/);
    });

    it("warns when the outputs do not list the keys", async () => {
      const { accessKeys, ...withoutKeys } = USER_STACK;
      const { check } = await doctor(withoutKeys);
      assert.equal(check("key-age").status, "warn");
      assert.match(check("key-age").detail, /^cannot tell: /);
    });
  });

  describe("rotation impact", () => {
    it("warns, naming s3:ListBucket on the ledger prefix, when the ledger cannot be listed", async () => {
      s3Mock.on(ListObjectsV2Command, { Prefix: "ledger/" }).rejects(accessDenied());
      const { check } = await doctor();
      assert.equal(check("rotation-impact").status, "warn");
      assert.equal(
        check("rotation-impact").detail,
        `could not check: AccessDenied — these credentials lack s3:ListBucket on arn:aws:s3:::${BUCKET} (prefix ledger/)`,
      );
    });
  });

  it("prints {checks, summary, maxLinkSeconds, notRun} with --json, each check {id, title, status, detail[, fix]}", async () => {
    s3Mock.on(GetBucketCorsCommand).resolves({ CORSRules: [{ ...DECLARED_CORS, MaxAgeSeconds: 600 }] });
    const { report } = await doctor();
    assert.deepEqual(Object.keys(report).sort(), ["checks", "maxLinkSeconds", "notRun", "summary"]);
    assert.deepEqual(Object.keys(report.summary).sort(), ["fail", "pass", "unsupported", "warn"]);
    const cors = report.checks.find((check) => check.id === "cors")!;
    assert.deepEqual(Object.keys(cors).sort(), ["detail", "fix", "id", "status", "title"]);
    assert.equal(cors.status, "warn");
    assert.equal(cors.detail, "differs from the declared rule: MaxAgeSeconds is 600 (declared 3000)");
    assert.ok(report.checks.filter((check) => check.status === "pass").every((check) => check.fix === undefined));
  });
});
