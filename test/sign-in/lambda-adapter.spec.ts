/**
 * The Lambda function-URL adapter and the configuration it reads from Secrets Manager: the event
 * becomes the handler's request (cookies, the viewer's address from X-Forwarded-For), the answer
 * becomes the function URL's result, and a bad or missing configuration is reported by field, never
 * by value, with a 503 page for the person.
 */
import * as assert from "node:assert/strict";
import {
  clientAddressOf,
  functionUrlResultOf,
  handler,
  SECRET_ARN_VARIABLE,
  viewerRequestOfEvent,
} from "../../scripts/lib/sign-in/lambda-handler";
import { parseSignInConfig } from "../../scripts/lib/sign-in/sign-in-config";
import { generateCookieKeyPairs } from "../../scripts/lib/dev/sign-in-demo/signed-cookie-check";
import { signInConfigFor } from "../support/sign-in-harness";

const EVENT = {
  rawPath: "/open/alpha",
  rawQueryString: "sample=PD1",
  cookies: ["cpd-session=abc", "CloudFront-Policy=xyz"],
  headers: { "x-forwarded-for": "198.51.100.4, 130.176.0.1", host: "abc.lambda-url.eu-west-2.on.aws" },
  requestContext: { http: { method: "GET", sourceIp: "130.176.0.1" } },
};

describe("sign-in on Lambda: the function-URL adapter and its configuration", () => {
  it("reads the path, query, cookies and the viewer's address (CloudFront-Viewer-Address or X-Forwarded-For, not CloudFront's own)", () => {
    assert.deepEqual(viewerRequestOfEvent(EVENT), {
      method: "GET",
      path: "/open/alpha",
      query: "sample=PD1",
      cookies: { "cpd-session": "abc", "CloudFront-Policy": "xyz" },
      clientAddress: "198.51.100.4",
      host: "abc.lambda-url.eu-west-2.on.aws",
    });
    assert.equal(clientAddressOf({ ...EVENT, headers: {} }), "130.176.0.1");
    const viewer = (address: string) =>
      clientAddressOf({ ...EVENT, headers: { "cloudfront-viewer-address": address } });
    assert.equal(viewer("198.51.100.4:50312"), "198.51.100.4");
    assert.equal(viewer("2001:db8::7:50312"), "2001:db8::7");
  });

  it("answers with the status, headers and Set-Cookie values as the function URL expects them", () => {
    const result = functionUrlResultOf({
      status: 302,
      headers: { Location: "/app/" },
      cookies: ["a=1; Path=/"],
      body: "",
    });
    assert.deepEqual(result, {
      statusCode: 302,
      headers: { Location: "/app/" },
      cookies: ["a=1; Path=/"],
      body: "",
      isBase64Encoded: false,
    });
  });

  it("without its secret's ARN it answers 503 (no stack trace, no cookie) and tries again next time", async () => {
    const saved = process.env[SECRET_ARN_VARIABLE];
    delete process.env[SECRET_ARN_VARIABLE];
    const log = console.log;
    const logged: string[] = [];
    console.log = (message: string) => logged.push(message);
    try {
      const result = await handler(EVENT);
      assert.equal(result.statusCode, 503);
      assert.deepEqual(result.cookies, []);
      assert.match(logged.join("\n"), /SIGN_IN_SECRET_ARN is not set/);
    } finally {
      console.log = log;
      if (saved !== undefined) process.env[SECRET_ARN_VARIABLE] = saved;
    }
  });

  it("parses the secret's JSON and names every bad field without repeating a value", () => {
    const keys = generateCookieKeyPairs();
    const good = signInConfigFor(keys, "https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_abc", {
      bucket: "lab-data",
      region: "eu-west-2",
    });
    assert.deepEqual(parseSignInConfig(JSON.stringify(good), "the secret"), good);
    const bad = {
      ...good,
      issuer: "http://idp.example.org",
      sessionHours: 48,
      activeKeyPairId: "KNOPE",
      grantsPrefix: "/g",
    };
    assert.throws(
      () => parseSignInConfig(JSON.stringify(bad), "the secret"),
      (error: Error) => {
        assert.match(error.message, /issuer must use https/);
        assert.match(error.message, /sessionHours must be a whole number from 1 to 24/);
        assert.match(error.message, /activeKeyPairId names no key in keys/);
        assert.match(error.message, /grantsPrefix/);
        assert.ok(!error.message.includes("PRIVATE KEY") && !error.message.includes("KNOPE"), error.message);
        return true;
      },
    );
    assert.throws(() => parseSignInConfig("{not json", "the secret"), /the secret is not valid JSON/);
  });
});
