/**
 * Sign-in viewing (`access: sign-in`) under Pulumi mocks: who may sign in (the stack's own Cognito
 * user pool, or the lab's issuer with or without a client secret), the two cookie-key slots, the
 * sign-in function with its secret, role, URL and permissions, the distribution's data, config and
 * function routes behind the trusted key group, CloudFront's read grant on the data bucket, the
 * narrowed Content-Security-Policy, and the outputs; links mode creates none of it.
 */
import "../support/pulumi-mocks";
import * as assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { signInFunctionPolicyDocument } from "../../policy/documents/iam-policies";
import { cspDirectives } from "../../policy/documents/viewer-headers";
import { RESOURCE_TYPE } from "../../policy/framework/resource-types";
import { bundleSignInHandler } from "../../components/sign-in/function-bundle";
import { SignInFunctionConfiguration } from "../../components/sign-in/function-configuration";
import { hostedSignInDomain } from "../../components/sign-in/sign-in-gateway";
import { parseStackOutputs } from "../../scripts/lib/s3/outputs-source";
import { MOCK_ACCOUNT_ID, MOCK_REGION } from "../support/pulumi-mocks";
import {
  ofType,
  settingsFrom,
  single,
  synthesize,
  SynthesizedResource,
  SynthesizedStack,
} from "../support/stack-harness";
import { STAND_IN_VIEWER } from "../support/stand-in-viewer";

const T = RESOURCE_TYPE;
const SELF_HOSTED = { viewer: "self-hosted", viewerDistPath: STAND_IN_VIEWER };
const SIGN_IN = { ...SELF_HOSTED, access: "sign-in" };
const LAB_ISSUER = "https://login.lab.example.org/realms/lab";
/** What the mocks hand over for an input the program marked secret. */
const SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270";
const PEM = /-----BEGIN [A-Z ]*KEY-----/;
/** Every type only sign-in mode creates. */
const SIGN_IN_TYPES = [
  "tls:index/privateKey:PrivateKey",
  "aws:cloudfront/publicKey:PublicKey",
  "aws:cloudfront/keyGroup:KeyGroup",
  "aws:cloudfront/originRequestPolicy:OriginRequestPolicy",
  "aws:cognito/userPool:UserPool",
  "aws:cognito/userPoolClient:UserPoolClient",
  "aws:cognito/userPoolDomain:UserPoolDomain",
  "aws:secretsmanager/secret:Secret",
  "aws:secretsmanager/secretVersion:SecretVersion",
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:iam/role:Role",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:lambda/function:Function",
  "aws:lambda/functionUrl:FunctionUrl",
  "aws:lambda/permission:Permission",
];

function secretValue(input: unknown): string {
  const wrapped = input as Record<string, unknown>;
  assert.equal(typeof wrapped, "object", "the input is not marked secret");
  assert.ok(Object.values(wrapped).includes(SECRET_SIGNATURE), "the input is not marked secret");
  return String(wrapped.value);
}

function configurationOf(stack: SynthesizedStack): SignInFunctionConfiguration {
  const version = single(stack, "aws:secretsmanager/secretVersion:SecretVersion", "-configuration-value");
  return JSON.parse(secretValue(version.inputs.secretString)) as SignInFunctionConfiguration;
}

/** Runs a CommonJS bundle and returns its exports. */
function exportsOf(code: string): Record<string, unknown> {
  const module = { exports: {} as Record<string, unknown> };
  runInNewContext(code, {
    module,
    exports: module.exports,
    require,
    process,
    Buffer,
    console,
    URL,
    TextEncoder,
    TextDecoder,
  });
  return module.exports;
}

function distributionOf(stack: SynthesizedStack): SynthesizedResource {
  return single(stack, T.distribution, "-viewer-distribution");
}

function behaviour(stack: SynthesizedStack, pathPattern: string): Record<string, any> {
  const found = (distributionOf(stack).inputs.orderedCacheBehaviors as any[]).find(
    (b) => b.pathPattern === pathPattern,
  );
  assert.ok(found, `no cache behaviour for ${pathPattern}`);
  return found;
}

describe("sign-in viewing (Pulumi program under mocks)", function () {
  this.timeout(60_000);
  let own: SynthesizedStack;
  before(async () => {
    own = await synthesize(SIGN_IN, "signin");
  });

  describe("links mode", () => {
    it("is unchanged: no sign-in resource, no extra route, no CloudFront grant on the data bucket, access 'links'", async () => {
      for (const overrides of [{}, SELF_HOSTED]) {
        const links = await synthesize(overrides, "links");
        assert.deepEqual(
          links.resources.filter((resource) => SIGN_IN_TYPES.includes(resource.type)).map((resource) => resource.name),
          [],
        );
        assert.deepEqual(
          links.components.filter((component) => component.type.includes(":sign-in:")),
          [],
        );
        const policy = JSON.parse(single(links, T.bucketPolicy, "-data-policy").inputs.policy);
        assert.deepEqual(
          policy.Statement.filter((statement: any) => statement.Effect === "Allow"),
          [],
        );
        assert.equal(links.outputs.access, "links");
        for (const output of ["grantsPrefix", "auditPrefix", "signInIssuer", "signInClientId", "signInFunctionName"])
          assert.ok(!(output in links.outputs), `${output} exported in links mode`);
        if (overrides === SELF_HOSTED) {
          assert.equal(distributionOf(links).inputs.orderedCacheBehaviors, undefined);
          assert.equal((distributionOf(links).inputs.origins as unknown[]).length, 1);
        }
      }
    });

    it("refuses sign-in without the self-hosted viewer, naming the fix, before anything is declared", () => {
      assert.throws(
        () => settingsFrom({ access: "sign-in" }),
        /access is "sign-in" but viewer is not "self-hosted": .*set viewer to "self-hosted"/,
      );
    });
  });

  describe("the stack's own Cognito user pool", () => {
    it("only administrators add people (no self sign-up), optional TOTP MFA, strong passwords, kept on destroy", () => {
      const pool = single(own, "aws:cognito/userPool:UserPool", "-gateway-users");
      assert.deepEqual(pool.inputs.adminCreateUserConfig, { allowAdminCreateUserOnly: true });
      assert.equal(pool.inputs.mfaConfiguration, "OPTIONAL");
      assert.deepEqual(pool.inputs.softwareTokenMfaConfiguration, { enabled: true });
      assert.deepEqual(pool.inputs.usernameAttributes, ["email"]);
      assert.ok(pool.inputs.passwordPolicy.minimumLength >= 12);
      assert.equal(pool.inputs.deletionProtection, "ACTIVE");
    });

    it("its client: authorization code only, a secret, the viewer's /auth/callback as the only callback", () => {
      const client = single(own, "aws:cognito/userPoolClient:UserPoolClient", "-gateway-client");
      const pool = single(own, "aws:cognito/userPool:UserPool", "-gateway-users");
      const host = distributionOf(own).state.domainName;
      assert.equal(client.inputs.userPoolId, pool.state.id);
      assert.deepEqual(client.inputs.allowedOauthFlows, ["code"]);
      assert.equal(client.inputs.allowedOauthFlowsUserPoolClient, true);
      assert.deepEqual(client.inputs.allowedOauthScopes, ["openid", "email"]);
      assert.deepEqual(client.inputs.callbackUrls, [`https://${host}/auth/callback`]);
      assert.deepEqual(client.inputs.logoutUrls, [`https://${host}/app/`]);
      assert.deepEqual(client.inputs.supportedIdentityProviders, ["COGNITO"]);
      assert.ok(!client.inputs.explicitAuthFlows.includes("ALLOW_USER_PASSWORD_AUTH"));
      assert.equal(client.inputs.generateSecret, true);
    });

    it("its hosted sign-in domain, derived from the pool and free of the words Cognito reserves", () => {
      const pool = single(own, "aws:cognito/userPool:UserPool", "-gateway-users");
      const domain = single(own, "aws:cognito/userPoolDomain:UserPoolDomain", "-gateway-domain");
      assert.equal(domain.inputs.domain, hostedSignInDomain(pool.state.id));
      assert.match(domain.inputs.domain, /^chromoscope-[0-9a-f]{16}$/);
      assert.equal(domain.inputs.managedLoginVersion, 1);
    });

    it("hands the function the pool's issuer, client id and client secret; exports the issuer and ids, never the secret", () => {
      const pool = single(own, "aws:cognito/userPool:UserPool", "-gateway-users");
      const client = single(own, "aws:cognito/userPoolClient:UserPoolClient", "-gateway-client");
      const issuer = `https://cognito-idp.${MOCK_REGION}.amazonaws.com/${pool.state.id}`;
      const configuration = configurationOf(own);
      assert.equal(configuration.issuer, issuer);
      assert.equal(configuration.clientId, client.id);
      assert.equal(configuration.clientSecret, client.state.clientSecret);
      assert.equal(own.outputs.signInIssuer, issuer);
      assert.equal(own.outputs.signInUserPoolId, pool.state.id);
      assert.equal(own.outputs.signInClientId, client.id);
      assert.doesNotMatch(JSON.stringify(own.outputs), new RegExp(String(client.state.clientSecret)));
    });
  });

  describe("the lab's own OpenID Connect provider", () => {
    for (const secret of ["lab-client-s3cret", ""]) {
      it(`${secret ? "with" : "without"} a client secret: no user pool; the function trusts the lab's issuer`, async () => {
        const lab = await synthesize(
          { ...SIGN_IN, signInIssuer: LAB_ISSUER, signInClientId: "chromoscope-viewer", signInClientSecret: secret },
          "labsignin",
        );
        assert.deepEqual(
          lab.resources.filter((resource) => resource.type.startsWith("aws:cognito/")),
          [],
        );
        const configuration = configurationOf(lab);
        assert.equal(configuration.issuer, LAB_ISSUER);
        assert.equal(configuration.clientId, "chromoscope-viewer");
        if (secret) assert.equal(configuration.clientSecret, secret);
        else assert.ok(!("clientSecret" in configuration), "a public client has no secret");
        assert.equal(lab.outputs.signInIssuer, LAB_ISSUER);
        assert.equal(lab.outputs.signInClientId, "chromoscope-viewer");
        assert.ok(!("signInUserPoolId" in lab.outputs));
        if (secret) assert.doesNotMatch(JSON.stringify(lab.outputs), new RegExp(secret));
      });
    }
  });

  describe("cookie-signing keys", () => {
    it("two RSA-2048 slots, each a CloudFront public key, one key group trusting both", () => {
      const keys = ofType(own, "tls:index/privateKey:PrivateKey");
      assert.deepEqual(keys.map((key) => key.name.slice(own.name.length)).sort(), [
        "-sign-in-keys-a",
        "-sign-in-keys-b",
      ]);
      for (const key of keys) {
        assert.deepEqual([key.inputs.algorithm, key.inputs.rsaBits], ["RSA", 2048]);
        assert.ok(
          key.opts.additionalSecretOutputs?.includes("privateKeyPemPkcs8"),
          "the private key is a secret in state",
        );
      }
      const publicKeys = ofType(own, "aws:cloudfront/publicKey:PublicKey");
      for (const slot of ["a", "b"]) {
        const privateKey = single(own, "tls:index/privateKey:PrivateKey", `-keys-${slot}`);
        assert.equal(
          single(own, "aws:cloudfront/publicKey:PublicKey", `-keys-${slot}-public`).inputs.encodedKey,
          privateKey.state.publicKeyPem,
        );
      }
      const group = single(own, "aws:cloudfront/keyGroup:KeyGroup", "-keys-group");
      assert.deepEqual([...group.inputs.items].sort(), publicKeys.map((key) => key.id).sort());
    });

    it("the active slot follows cookieKeyGeneration; a bump replaces only the other slot's key, create-first", async () => {
      const bumped = await synthesize({ ...SIGN_IN, cookieKeyGeneration: 1 }, "signin");
      const trigger = (stack: SynthesizedStack, slot: string) =>
        single(stack, "tls:index/privateKey:PrivateKey", `-keys-${slot}`).opts.replacementTrigger;
      assert.deepEqual([trigger(own, "a"), trigger(own, "b")], [0, -1]);
      assert.deepEqual([trigger(bumped, "a"), trigger(bumped, "b")], [0, 1]);
      for (const key of ofType(own, "tls:index/privateKey:PrivateKey"))
        assert.notEqual(key.opts.deleteBeforeReplace, true);
      const activeId = (stack: SynthesizedStack, slot: string) =>
        single(stack, "aws:cloudfront/publicKey:PublicKey", `-keys-${slot}-public`).id;
      assert.equal(configurationOf(own).activeKeyPairId, activeId(own, "a"));
      assert.equal(configurationOf(bumped).activeKeyPairId, activeId(bumped, "b"));
    });

    it("both private keys reach the function's secret (PKCS#8) and nothing else: no output, no environment", () => {
      const configuration = configurationOf(own);
      const expected = Object.fromEntries(
        ["a", "b"].map((slot) => [
          single(own, "aws:cloudfront/publicKey:PublicKey", `-keys-${slot}-public`).id,
          single(own, "tls:index/privateKey:PrivateKey", `-keys-${slot}`).state.privateKeyPemPkcs8,
        ]),
      );
      assert.deepEqual(configuration.keys, expected);
      assert.doesNotMatch(JSON.stringify(own.outputs), PEM);
      const lambda = single(own, "aws:lambda/function:Function", "-function-lambda");
      assert.doesNotMatch(JSON.stringify(lambda.inputs.environment), PEM);
    });
  });

  describe("the sign-in function", () => {
    it("runs nodejs22.x from the bundled handler, configured only by its secret's ARN", async () => {
      const lambda = single(own, "aws:lambda/function:Function", "-function-lambda");
      const secret = single(own, "aws:secretsmanager/secret:Secret", "-function-configuration");
      assert.equal(lambda.inputs.runtime, "nodejs22.x");
      assert.equal(lambda.inputs.handler, "index.handler");
      assert.deepEqual(lambda.inputs.environment, { variables: { SIGN_IN_SECRET_ARN: secret.state.arn } });
      assert.equal(lambda.inputs.role, single(own, T.role, "-function-role").state.arn);
      assert.equal(
        lambda.inputs.loggingConfig.logGroup,
        single(own, "aws:cloudwatch/logGroup:LogGroup", "-function-logs").state.name,
      );
      const assets = (await lambda.inputs.code.assets) as Record<string, { text: Promise<string> }>;
      assert.deepEqual(Object.keys(assets), ["index.js"]);
      assert.equal(typeof exportsOf(await assets["index.js"].text).handler, "function");
    });

    it("its configuration secret holds what the contract names, as a Pulumi secret", () => {
      const configuration = configurationOf(own);
      const bucket = single(own, T.bucket, "-data-bucket");
      assert.deepEqual(Object.keys(configuration).sort(), [
        "activeKeyPairId",
        "auditPrefix",
        "bucket",
        "clientId",
        "clientSecret",
        "configPrefix",
        "dataPrefixes",
        "grantsPrefix",
        "groupsClaim",
        "issuer",
        "keys",
        "ledgerPrefix",
        "region",
        "sessionHours",
        "viewerOrigin",
      ]);
      assert.equal(configuration.viewerOrigin, `https://${distributionOf(own).state.domainName}`);
      assert.deepEqual(
        [configuration.bucket, configuration.region, configuration.groupsClaim, configuration.sessionHours],
        [bucket.state.bucket, MOCK_REGION, "cognito:groups", 12],
      );
      assert.deepEqual(
        [
          configuration.dataPrefixes,
          configuration.configPrefix,
          configuration.ledgerPrefix,
          configuration.grantsPrefix,
          configuration.auditPrefix,
        ],
        [["cohorts/"], "configs/", "ledger/", "grants/", "audit/"],
      );
    });

    it("its role: exactly the contract's permissions (secret, grants, ledger, audit create-only, own logs)", () => {
      const role = single(own, T.role, "-function-role");
      assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal, {
        Service: "lambda.amazonaws.com",
      });
      const policy = JSON.parse(single(own, T.rolePolicy, "-function-role-policy").inputs.policy);
      const bucket = single(own, T.bucket, "-data-bucket");
      const expected = signInFunctionPolicyDocument({
        bucketArn: bucket.state.arn,
        region: MOCK_REGION,
        grantsPrefix: "grants/",
        ledgerPrefix: "ledger/",
        auditPrefix: "audit/",
        secretArn: single(own, "aws:secretsmanager/secret:Secret", "-function-configuration").state.arn,
        logGroupArn: single(own, "aws:cloudwatch/logGroup:LogGroup", "-function-logs").state.arn,
        kmsKeyArn: "",
      });
      assert.deepEqual(policy, expected);
      const actions = policy.Statement.flatMap((statement: any) => [statement.Action].flat()).sort();
      assert.deepEqual(actions, [
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "s3:GetObject",
        "s3:ListBucket",
        "s3:PutObject",
        "secretsmanager:GetSecretValue",
      ]);
      const put = policy.Statement.find((statement: any) => statement.Action === "s3:PutObject")!;
      assert.deepEqual(
        [put.Resource, put.Condition],
        [`${bucket.state.arn}/audit/*`, { StringEquals: { "s3:if-none-match": "*" } }],
      );
    });

    it("its URL takes only IAM-signed calls, and only the viewer's distribution may make them", () => {
      const lambda = single(own, "aws:lambda/function:Function", "-function-lambda");
      const url = single(own, "aws:lambda/functionUrl:FunctionUrl", "-function-url");
      assert.deepEqual([url.inputs.functionName, url.inputs.authorizationType], [lambda.state.name, "AWS_IAM"]);
      const distributionArn = distributionOf(own).state.arn;
      const permissions = ofType(own, "aws:lambda/permission:Permission").map((permission) => permission.inputs);
      assert.deepEqual(
        permissions
          .map((p) => [p.action, p.principal, p.sourceArn, p.function, p.functionUrlAuthType, p.invokedViaFunctionUrl])
          .sort(),
        [
          ["lambda:InvokeFunction", "cloudfront.amazonaws.com", distributionArn, lambda.state.name, undefined, true],
          [
            "lambda:InvokeFunctionUrl",
            "cloudfront.amazonaws.com",
            distributionArn,
            lambda.state.name,
            "AWS_IAM",
            undefined,
          ],
        ],
      );
    });

    it("bundles its entry with esbuild into one CommonJS file that exports the handler, the same wherever the checkout is", () => {
      const entries = [1, 2].map(() => {
        const folder = mkdtempSync(join(tmpdir(), "bundle-"));
        writeFileSync(join(folder, "answer.ts"), "export const status: number = 204;\n");
        writeFileSync(
          join(folder, "lambda-handler.ts"),
          'import { status } from "./answer";\nexport async function handler() {\n  return { statusCode: status };\n}\n',
        );
        return join(folder, "lambda-handler.ts");
      });
      const code = bundleSignInHandler(entries[0]);
      assert.equal(bundleSignInHandler(entries[1]), code, "the same sources, the same bundle");
      assert.doesNotMatch(code, /^import |require\("\.|\/tmp\//m, "one file, no import left, no machine path");
      const { handler } = exportsOf(code) as { handler?: () => Promise<{ statusCode: number }> };
      assert.equal(typeof handler, "function");
      return handler!().then((result) => assert.equal(result.statusCode, 204));
    });

    it("refuses a missing entry by name", () => {
      assert.throws(
        () => bundleSignInHandler("/nonexistent/lambda-handler.ts"),
        /entry \/nonexistent\/lambda-handler\.ts does not exist/,
      );
    });
  });

  describe("the viewer's distribution", () => {
    it("adds the data bucket (S3 Origin Access Control) and the function URL (lambda Origin Access Control) as origins", () => {
      const origins = distributionOf(own).inputs.origins as any[];
      const data = origins.find((origin) => origin.originId === "data-bucket");
      const fn = origins.find((origin) => origin.originId === "sign-in-function");
      const bucket = single(own, T.bucket, "-data-bucket");
      assert.equal(data.domainName, bucket.state.bucketRegionalDomainName);
      const oac = (suffix: string) => single(own, "aws:cloudfront/originAccessControl:OriginAccessControl", suffix);
      assert.equal(data.originAccessControlId, oac("-routes-data-oac").id);
      assert.deepEqual(
        ["originAccessControlOriginType", "signingBehavior", "signingProtocol"].map(
          (key) => oac("-routes-data-oac").inputs[key],
        ),
        ["s3", "always", "sigv4"],
      );
      const url = single(own, "aws:lambda/functionUrl:FunctionUrl", "-function-url");
      assert.equal(fn.domainName, new URL(url.state.functionUrl).host);
      assert.equal(fn.originAccessControlId, oac("-routes-function-oac").id);
      assert.equal(oac("-routes-function-oac").inputs.originAccessControlOriginType, "lambda");
      assert.equal(fn.customOriginConfig.originProtocolPolicy, "https-only");
    });

    it("serves each data prefix and the config prefix only with the trusted key group; configs never cached", async () => {
      const group = single(own, "aws:cloudfront/keyGroup:KeyGroup", "-keys-group");
      const headers = single(own, T.responseHeadersPolicy, "-viewer-headers");
      const data = behaviour(own, "/cohorts/*");
      const configs = behaviour(own, "/configs/*");
      for (const signed of [data, configs]) {
        assert.equal(signed.targetOriginId, "data-bucket");
        assert.deepEqual(signed.trustedKeyGroups, [group.id]);
        assert.deepEqual(signed.allowedMethods, ["GET", "HEAD"]);
        assert.equal(signed.responseHeadersPolicyId, headers.id);
      }
      assert.equal(data.cachePolicyId, "658327ea-f89d-4fab-a63d-7e88639e58f6", "CachingOptimized");
      assert.equal(data.compress, false, "byte ranges stay exact");
      assert.equal(configs.cachePolicyId, "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", "CachingDisabled");
      const custom = await synthesize(
        { ...SIGN_IN, dataPrefixes: ["wgs/", "panels/2026/"], configPrefix: "shared/configs/" },
        "signin",
      );
      assert.deepEqual(
        (distributionOf(custom).inputs.orderedCacheBehaviors as any[]).map((b) => b.pathPattern),
        ["/wgs/*", "/panels/2026/*", "/shared/configs/*", "/auth/*", "/open/*"],
      );
    });

    it("sends /auth/* and /open/* to the function uncached, with the viewer's cookies, query and address but not its Host", () => {
      const policy = single(own, "aws:cloudfront/originRequestPolicy:OriginRequestPolicy", "-routes-function-requests");
      assert.deepEqual(policy.inputs.cookiesConfig, { cookieBehavior: "all" });
      assert.deepEqual(policy.inputs.queryStringsConfig, { queryStringBehavior: "all" });
      assert.deepEqual(policy.inputs.headersConfig, {
        headerBehavior: "whitelist",
        headers: { items: ["CloudFront-Viewer-Address"] },
      });
      for (const path of ["/auth/*", "/open/*"]) {
        const route = behaviour(own, path);
        assert.equal(route.targetOriginId, "sign-in-function");
        assert.equal(route.cachePolicyId, "4135ea2d-6df8-44a3-9df3-4b5a84be39ad");
        assert.equal(route.originRequestPolicyId, policy.id);
        assert.equal(route.trustedKeyGroups, undefined);
        assert.deepEqual(route.allowedMethods, ["GET", "HEAD"]);
      }
      assert.equal(
        distributionOf(own).inputs.defaultCacheBehavior.trustedKeyGroups,
        undefined,
        "the app itself is public",
      );
    });

    it("its Content-Security-Policy lets the app fetch from its own origin, and no bucket endpoint", () => {
      const headers = single(own, T.responseHeadersPolicy, "-viewer-headers");
      const connect = cspDirectives(
        headers.inputs.securityHeadersConfig.contentSecurityPolicy.contentSecurityPolicy,
      ).get("connect-src")!;
      assert.equal(connect[0], "'self'");
      assert.deepEqual(
        connect.filter((source) => /amazonaws\.com/.test(source)),
        [],
      );
    });
  });

  describe("the data bucket", () => {
    it("grants CloudFront s3:GetObject on the data and config prefixes only, for the viewer's distribution only", async () => {
      const bucketArn = single(own, T.bucket, "-data-bucket").state.arn;
      const policy = JSON.parse(single(own, T.bucketPolicy, "-data-policy").inputs.policy);
      assert.deepEqual(
        policy.Statement.filter((statement: any) => statement.Effect === "Allow"),
        [
          {
            Sid: "AllowDataAndConfigReadsByTheStacksCloudFrontDistribution",
            Effect: "Allow",
            Principal: { Service: "cloudfront.amazonaws.com" },
            Action: "s3:GetObject",
            Resource: [`${bucketArn}/cohorts/*`, `${bucketArn}/configs/*`],
            Condition: { StringEquals: { "AWS:SourceArn": distributionOf(own).state.arn } },
          },
        ],
      );
      assert.match(distributionOf(own).state.arn, new RegExp(`^arn:aws:cloudfront::${MOCK_ACCOUNT_ID}:distribution/`));
    });

    it("keeps configs until revoke-cohort deletes them: no lifecycle expiry under the config prefix", () => {
      const rules = single(own, T.lifecycle, "-data-bucket-lifecycle").inputs.rules as Array<{ id: string }>;
      assert.ok(rules.some((rule) => rule.id === "abort-incomplete-multipart-uploads"));
      assert.ok(!rules.some((rule) => rule.id === "expire-published-configs"), JSON.stringify(rules));
    });
  });

  describe("outputs", () => {
    it("the contract's sign-in outputs, which the commands' schema reads, and no secret", () => {
      assert.equal(own.outputs.access, "sign-in");
      assert.equal(own.outputs.grantsPrefix, "grants/");
      assert.equal(own.outputs.auditPrefix, "audit/");
      assert.equal(own.outputs.accessLogPrefix, "access-logs/");
      assert.equal(
        own.outputs.signInFunctionName,
        single(own, "aws:lambda/function:Function", "-function-lambda").state.name,
      );
      assert.equal(own.outputs.viewerUrl, `https://${distributionOf(own).state.domainName}/app/`);
      const exported = { ...own.outputs, presignerSecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
      const parsed = parseStackOutputs(JSON.parse(JSON.stringify(exported)), "the program's outputs");
      assert.deepEqual(Object.keys(parsed).sort(), Object.keys(exported).sort());
      assert.equal(parsed.access, "sign-in");
      assert.equal(parsed.signInUserPoolId, own.outputs.signInUserPoolId);
    });
  });
});
