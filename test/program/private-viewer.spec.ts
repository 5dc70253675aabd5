/**
 * The self-hosted viewer (settings `viewer: self-hosted`) under Pulumi mocks: a private bucket read
 * only by the stack's distribution through an Origin Access Control, HTTPS only, index.html for the
 * app's routes, a Content-Security-Policy with the served page's inline-script hash, the data origin
 * and Gosling's tile server (or not: viewerAnnotationTiles), warnings for a build it cannot change,
 * the data bucket's CORS opened to the distribution, and the outputs the commands read.
 */
import "../support/pulumi-mocks";
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import * as pulumi from "@pulumi/pulumi";
import { cspDirectives, viewerCspProblems } from "../../policy/documents/viewer-headers";
import { parseStackOutputs } from "../../scripts/lib/s3/outputs-source";
import { inlineScriptHashes, viewerObjectKey, viewerRoutingFunctionCode } from "../../components/viewer-site";
import { servedViewer } from "../../components/viewer/served-viewer";
import { MOCK_REGION } from "../support/pulumi-mocks";
import { ofType, settingsFrom, single, synthesize, SynthesizedStack } from "../support/stack-harness";

import { STAND_IN_VIEWER } from "../support/stand-in-viewer";
const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;
const policyOf = (resource: { inputs: Record<string, unknown> }) => JSON.parse(String(resource.inputs.policy));

describe("self-hosted viewer (Pulumi program under mocks)", function () {
  this.timeout(30_000);
  let stack: SynthesizedStack;
  before(async () => {
    stack = await synthesize({ viewer: "self-hosted", viewerDistPath: STAND_IN_VIEWER }, "viewer");
  });

  it("with the default viewer (chromoscope.bio) creates no CloudFront resource and links open chromoscope.bio", async () => {
    const plain = await synthesize({}, "plainviewer");
    assert.deepEqual(
      plain.resources.filter((resource) => resource.type.startsWith("aws:cloudfront")),
      [],
    );
    assert.equal(plain.outputs.viewerUrl, "https://chromoscope.bio/app/");
    assert.equal(plain.outputs.viewerDistributionId, undefined);
  });

  it("locks the viewer bucket down like the data bucket: public access blocked, ACLs off, SSE-S3, versioned, logged", () => {
    const bucket = single(stack, "aws:s3/bucket:Bucket", "-viewer-bucket");
    const of = (type: string) => ofType(stack, type).find((resource) => resource.inputs.bucket === bucket.id)!;
    assert.deepEqual(
      ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].map(
        (flag) => of("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs[flag],
      ),
      [true, true, true, true],
    );
    assert.equal(
      of("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs.rule.objectOwnership,
      "BucketOwnerEnforced",
    );
    const encryption = of("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration");
    assert.equal(encryption.inputs.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "AES256");
    assert.ok(of("aws:s3/bucketVersioning:BucketVersioning"));
    const logging = of("aws:s3/bucketLogging:BucketLogging");
    assert.equal(logging.inputs.targetBucket, single(stack, "aws:s3/bucket:Bucket", "-data-logs").id);
  });

  it("reads through an Origin Access Control (s3, always, sigv4), granted to this distribution only (AWS:SourceArn) and the app's files only (app/*, not the sync's manifest), TLS only", () => {
    const control = single(stack, "aws:cloudfront/originAccessControl:OriginAccessControl", "-viewer-oac");
    assert.deepEqual(
      [control.inputs.originAccessControlOriginType, control.inputs.signingBehavior, control.inputs.signingProtocol],
      ["s3", "always", "sigv4"],
    );
    const distribution = single(stack, "aws:cloudfront/distribution:Distribution", "-viewer-distribution");
    const origin = (distribution.inputs.origins as any[])[0];
    assert.equal(origin.originAccessControlId, control.id);
    assert.equal(origin.s3OriginConfig, undefined, "no legacy origin access identity");
    const policy = policyOf(single(stack, "aws:s3/bucketPolicy:BucketPolicy", "-viewer-policy"));
    const allows = policy.Statement.filter((statement: any) => statement.Effect === "Allow");
    assert.deepEqual(allows, [
      {
        Sid: "AllowReadsByTheStacksCloudFrontDistribution",
        Effect: "Allow",
        Principal: { Service: "cloudfront.amazonaws.com" },
        Action: "s3:GetObject",
        Resource: `arn:aws:s3:::${single(stack, "aws:s3/bucket:Bucket", "-viewer-bucket").id}/app/*`,
        Condition: { StringEquals: { "AWS:SourceArn": distribution.state.arn } },
      },
    ]);
    assert.ok(policy.Statement.some((statement: any) => statement.Sid === "DenyInsecureTransport"));
  });

  it("serves HTTPS only, index.html for the app's routes, and every response with the headers policy", () => {
    const distribution = single(stack, "aws:cloudfront/distribution:Distribution", "-viewer-distribution");
    const behaviour = distribution.inputs.defaultCacheBehavior;
    assert.equal(behaviour.viewerProtocolPolicy, "redirect-to-https");
    assert.deepEqual(behaviour.allowedMethods, ["GET", "HEAD"]);
    assert.equal(distribution.inputs.orderedCacheBehaviors, undefined, "one behaviour, so every path gets the headers");
    assert.equal(
      behaviour.responseHeadersPolicyId,
      single(stack, "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy", "-viewer-headers").id,
    );
    const routing = single(stack, "aws:cloudfront/function:Function", "-viewer-routing");
    assert.equal(routing.inputs.runtime, "cloudfront-js-2.0");
    assert.deepEqual(behaviour.functionAssociations, [{ eventType: "viewer-request", functionArn: routing.state.arn }]);
    assert.deepEqual(distribution.inputs.viewerCertificate, { cloudfrontDefaultCertificate: true });
  });

  it("allows the served page's own inline script by hash, the data bucket's endpoint and Gosling's tile server; nothing third-party", () => {
    const headers = single(stack, "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy", "-viewer-headers");
    const config = headers.inputs.securityHeadersConfig;
    const csp = config.contentSecurityPolicy.contentSecurityPolicy as string;
    const directives = cspDirectives(csp);
    // The served index.html keeps the process/global shim; the analytics snippet is gone with gtag.js.
    const shim = '\n      var process = { platform: "", env: "" };\n      var global = globalThis;\n    ';
    assert.deepEqual(directives.get("script-src"), ["'self'", "'unsafe-eval'", sha256(shim)]);
    const dataBucket = single(stack, "aws:s3/bucket:Bucket", "-data-bucket").id;
    assert.deepEqual(directives.get("connect-src"), [
      "'self'",
      `https://${dataBucket}.s3.${MOCK_REGION}.amazonaws.com`,
      "https://server.gosling-lang.org",
    ]);
    assert.deepEqual(viewerCspProblems(csp), []);
    assert.equal(config.contentSecurityPolicy.override, true);
    assert.equal(config.referrerPolicy.referrerPolicy, "no-referrer");
    assert.ok(config.strictTransportSecurity.accessControlMaxAgeSec >= 31_536_000);
    assert.equal(config.contentTypeOptions.override, true);
    assert.equal(config.frameOptions.frameOption, "DENY");
  });

  it("opens the data bucket's CORS rule to the distribution's origin only (not chromoscope.bio), and lets the viewer bucket log", () => {
    const distribution = single(stack, "aws:cloudfront/distribution:Distribution", "-viewer-distribution");
    const cors = single(stack, "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration", "-data-cors");
    assert.deepEqual(cors.inputs.corsRules[0].allowedOrigins, [`https://${distribution.state.domainName}`]);
    assert.deepEqual(stack.outputs.allowedOrigins, [`https://${distribution.state.domainName}`]);
    const logPolicy = policyOf(single(stack, "aws:s3/bucketPolicy:BucketPolicy", "-data-logs-policy"));
    const delivery = logPolicy.Statement.find((statement: any) => statement.Sid === "AllowS3ServerAccessLogDelivery");
    assert.deepEqual(delivery.Condition.ArnLike["aws:SourceArn"], [
      `arn:aws:s3:::${single(stack, "aws:s3/bucket:Bucket", "-data-bucket").id}`,
      `arn:aws:s3:::${single(stack, "aws:s3/bucket:Bucket", "-viewer-bucket").id}`,
    ]);
  });

  it("allowedOrigins adds to the distribution's origin: the lab lists chromoscope.bio or a partner's viewer itself", async () => {
    const listed = await synthesize(
      {
        viewer: "self-hosted",
        viewerDistPath: STAND_IN_VIEWER,
        allowedOrigins: ["https://viewer.partner.example.org"],
      },
      "extraorigins",
    );
    const distribution = single(listed, "aws:cloudfront/distribution:Distribution", "-viewer-distribution");
    const expected = [`https://${distribution.state.domainName}`, "https://viewer.partner.example.org"];
    const cors = single(listed, "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration", "-data-cors");
    assert.deepEqual(cors.inputs.corsRules[0].allowedOrigins, expected);
    assert.deepEqual(listed.outputs.allowedOrigins, expected);
  });

  it("syncs the build as one resource keyed by the folder's content digest (not one resource per file)", () => {
    const syncs = stack.resources.filter((resource) => resource.type === "pulumi-nodejs:dynamic:Resource");
    assert.equal(syncs.length, 1);
    assert.equal(syncs[0].inputs.digest, servedViewer(STAND_IN_VIEWER).digest);
    assert.equal(syncs[0].inputs.folder, STAND_IN_VIEWER);
    assert.equal(ofType(stack, "aws:s3/bucketObjectv2:BucketObjectv2").length, 0);
  });

  it("with viewerAnnotationTiles false, connect-src names only the viewer's origin and the data endpoint", async () => {
    const closed = await synthesize(
      { viewer: "self-hosted", viewerDistPath: STAND_IN_VIEWER, viewerAnnotationTiles: false },
      "closedviewer",
    );
    const headers = single(closed, "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy", "-viewer-headers");
    const csp = headers.inputs.securityHeadersConfig.contentSecurityPolicy.contentSecurityPolicy as string;
    const dataBucket = single(closed, "aws:s3/bucket:Bucket", "-data-bucket").id;
    assert.deepEqual(cspDirectives(csp).get("connect-src"), [
      "'self'",
      `https://${dataBucket}.s3.${MOCK_REGION}.amazonaws.com`,
    ]);
    assert.deepEqual(viewerCspProblems(csp), []);
  });

  it("warns, naming what was not applied and what the viewer then needs, when a build lacks a start-up fetch; still deploys it", async () => {
    const folder = mkdtempSync(join(tmpdir(), "viewer-other-build-"));
    const warnings: string[] = [];
    const warn = pulumi.log.warn;
    pulumi.log.warn = async (message: string) => {
      warnings.push(message);
    };
    try {
      cpSync(STAND_IN_VIEWER, folder, { recursive: true });
      const script = join(folder, "assets", "app.js");
      writeFileSync(
        script,
        readFileSync(script, "utf8").replace("genomebrowser-uploads.hms.harvard.edu", "example.org"),
      );
      const other = await synthesize({ viewer: "self-hosted", viewerDistPath: folder }, "otherbuild");
      assert.equal(warnings.length, 1, warnings.join("\n"));
      assert.match(warnings[0], new RegExp(`^viewerDistPath ${folder}: not found in the build's scripts`));
      assert.match(warnings[0], /the public cohort list the app waits for before it opens a link's cohort/);
      assert.match(warnings[0], /links show its built-in sample instead of the cohort: the viewer then needs/);
      assert.equal(ofType(other, "pulumi-nodejs:dynamic:Resource").length, 1, "the viewer is still synced");
    } finally {
      pulumi.log.warn = warn;
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("lets the presigner list the viewer's files and read the sync's manifest (the doctor's check), never read the files", () => {
    const viewerArn = `arn:aws:s3:::${single(stack, "aws:s3/bucket:Bucket", "-viewer-bucket").id}`;
    const policy = policyOf(single(stack, "aws:iam/groupPolicy:GroupPolicy", "-presigner-group-policy"));
    const onViewer = policy.Statement.filter((statement: any) =>
      [statement.Resource].flat().some((resource: string) => resource.startsWith(viewerArn)),
    );
    assert.deepEqual(onViewer, [
      {
        Sid: "ListViewerFilesForTheDoctor",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: viewerArn,
        Condition: { StringLike: { "s3:prefix": "app/*" } },
      },
      {
        Sid: "ReadViewerSyncManifestForTheDoctor",
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: `${viewerArn}/.viewer-sync/manifest.json`,
      },
    ]);
  });

  it("exports the viewer's URL, distribution and bucket, which the commands' outputs schema reads", () => {
    const distribution = single(stack, "aws:cloudfront/distribution:Distribution", "-viewer-distribution");
    assert.equal(stack.outputs.viewerUrl, `https://${distribution.state.domainName}/app/`);
    assert.equal(stack.outputs.viewerDistributionId, distribution.id);
    assert.equal(stack.outputs.viewerBucketName, single(stack, "aws:s3/bucket:Bucket", "-viewer-bucket").id);
    assert.equal(stack.outputs.viewerFilesDigest, servedViewer(STAND_IN_VIEWER).listingDigest);
    const exported = { ...stack.outputs, presignerSecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
    const parsed = parseStackOutputs(exported, "the program's outputs");
    assert.equal(parsed.viewerUrl, stack.outputs.viewerUrl);
  });

  it("a custom domain: its alias, its certificate with SNI and TLSv1.2_2021, and links on that domain", async () => {
    const custom = await synthesize(
      {
        viewer: "self-hosted",
        viewerDistPath: STAND_IN_VIEWER,
        viewerDomain: "viewer.lab.example.org",
        viewerCertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab",
      },
      "domainviewer",
    );
    const distribution = single(custom, "aws:cloudfront/distribution:Distribution", "-viewer-distribution");
    assert.deepEqual(distribution.inputs.aliases, ["viewer.lab.example.org"]);
    assert.deepEqual(distribution.inputs.viewerCertificate, {
      acmCertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab",
      sslSupportMethod: "sni-only",
      minimumProtocolVersion: "TLSv1.2_2021",
    });
    assert.equal(custom.outputs.viewerUrl, "https://viewer.lab.example.org/app/");
  });

  it("refuses settings that cannot make a viewer, each with the fix", () => {
    const problems = (overrides: Record<string, string>) => {
      try {
        settingsFrom(overrides);
        return "";
      } catch (error) {
        return (error as Error).message;
      }
    };
    assert.match(problems({ viewer: "self-hosted" }), /viewerDistPath is empty: build Chromoscope/);
    assert.match(
      problems({ viewer: "cloudfront" }),
      /viewer = cloudfront is not allowed: expected "chromoscope\.bio" or "self-hosted"/,
    );
    assert.match(
      problems({ viewer: "self-hosted", viewerDistPath: "/x", viewerDomain: "viewer.example.org" }),
      /viewerDomain and viewerCertificateArn go together/,
    );
    assert.match(
      problems({ viewer: "self-hosted", viewerDistPath: "/x", viewerUrl: "https://other.example.org/app/" }),
      /viewerUrl is set but viewer is "self-hosted"/,
    );
    assert.match(
      problems({ viewerCertificateArn: "arn:aws:acm:eu-west-2:123456789012:certificate/abc" }),
      /an ACM certificate ARN in us-east-1/,
    );
    assert.match(
      problems({ viewerAnnotationTiles: "false" }),
      /viewerAnnotationTiles is false but viewer is not "self-hosted": chromoscope\.bio reaches its tile server/,
    );
    assert.match(
      problems({ viewerAnnotationTiles: "no" }),
      /viewerAnnotationTiles = no is not allowed: expected true or false/,
    );
  });

  it("refuses a build folder without index.html before declaring anything", async () => {
    const empty = mkdtempSync(join(tmpdir(), "no-viewer-"));
    try {
      await assert.rejects(
        synthesize({ viewer: "self-hosted", viewerDistPath: empty }, "emptyviewer"),
        /holds no index\.html/,
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe("viewer site rules", () => {
  it("routes the app's paths to index.html and files to themselves; CloudFront's function runs the same rule", () => {
    const code = viewerRoutingFunctionCode();
    const sandbox: { handler?: (event: unknown) => { uri: string } } = {};
    runInNewContext(`${code}\nthis.handler = handler;`, sandbox);
    const cases: Array<[string, string]> = [
      ["/", "app/index.html"],
      ["/app/", "app/index.html"],
      ["/app", "app/index.html"],
      ["/app/cohort/PD4101", "app/index.html"],
      ["/app/assets/index-3f2a.js", "app/assets/index-3f2a.js"],
      ["/app/favicon.ico", "app/favicon.ico"],
      ["/.viewer-sync/manifest.json", "app/index.html"],
      ["/other/file.json", "app/index.html"],
    ];
    for (const [path, key] of cases) {
      assert.equal(viewerObjectKey(path), key, path);
      assert.equal(sandbox.handler!({ request: { uri: path } }).uri, `/${key}`, `CloudFront: ${path}`);
    }
  });

  it("hashes inline scripts exactly as browsers do, and skips scripts with a src", () => {
    const html = '<script>a()</script><script src="x.js"></script><script type="module">\n b();\n</script>';
    assert.deepEqual(inlineScriptHashes(html), [sha256("a()"), sha256("\n b();\n")]);
  });

  it("a folder's digest changes exactly when a file's content or name does", () => {
    const folder = mkdtempSync(join(tmpdir(), "viewer-digest-"));
    try {
      cpSync(STAND_IN_VIEWER, folder, { recursive: true });
      const first = servedViewer(folder);
      assert.equal(servedViewer(folder).digest, first.digest);
      writeFileSync(join(folder, "assets", "app.js"), "changed");
      assert.notEqual(servedViewer(folder).digest, first.digest);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
