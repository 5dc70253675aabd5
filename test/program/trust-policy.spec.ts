import "../support/pulumi-mocks";
import * as assert from "node:assert/strict";
import { PolicyDocument } from "../../policy/documents/iam-policies";
import { presignerTrustPolicyDocument, TrustPolicyArgs, trustAccountOf } from "../../components/trust-policy";
import { MOCK_ACCOUNT_ID } from "../support/pulumi-mocks";
import { single, synthesize } from "../support/stack-harness";
import { RESOURCE_TYPE } from "../../policy/framework/resource-types";

const ACCOUNT = "123456789012";
const OWN_USER = `arn:aws:iam::${ACCOUNT}:user/ci-publisher`;
const PARTNER_ROLE = "arn:aws:iam::444455556666:role/partner/pipeline";

function trust(overrides: Partial<TrustPolicyArgs>): PolicyDocument {
  return presignerTrustPolicyDocument({
    trustedPrincipals: [OWN_USER],
    accountId: ACCOUNT,
    partition: "aws",
    externalId: "",
    ...overrides,
  });
}

describe("presigner role trust policy", () => {
  describe("the builder", () => {
    it("trusts named users and roles of any account in one statement when no external id is set", () => {
      assert.deepEqual(trust({ trustedPrincipals: [OWN_USER, PARTNER_ROLE] }).Statement, [
        {
          Sid: "TrustedPrincipalsAssume",
          Effect: "Allow",
          Principal: { AWS: [OWN_USER, PARTNER_ROLE] },
          Action: "sts:AssumeRole",
        },
      ]);
    });

    it("with an external id, requires sts:ExternalId from principals of other accounts only", () => {
      assert.deepEqual(trust({ trustedPrincipals: [OWN_USER, PARTNER_ROLE], externalId: "lab-7f3a" }).Statement, [
        { Sid: "TrustedPrincipalsAssume", Effect: "Allow", Principal: { AWS: [OWN_USER] }, Action: "sts:AssumeRole" },
        {
          Sid: "OtherAccountPrincipalsAssumeWithExternalId",
          Effect: "Allow",
          Principal: { AWS: [PARTNER_ROLE] },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "sts:ExternalId": "lab-7f3a" } },
        },
      ]);
    });

    it("pins ECS tasks to the stack's account (aws:SourceAccount, aws:SourceArn); EC2 and Lambda get no condition they never send", () => {
      const services = ["ec2.amazonaws.com", "ecs-tasks.amazonaws.com", "lambda.amazonaws.com"];
      assert.deepEqual(trust({ trustedPrincipals: services }).Statement, [
        {
          Sid: "TrustedServicesAssume",
          Effect: "Allow",
          Principal: { Service: ["ec2.amazonaws.com", "lambda.amazonaws.com"] },
          Action: "sts:AssumeRole",
        },
        {
          Sid: "EcsTasksAssumeForOwnAccount",
          Effect: "Allow",
          Principal: { Service: "ecs-tasks.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            ArnLike: { "aws:SourceArn": `arn:aws:ecs:*:${ACCOUNT}:*` },
            StringEquals: { "aws:SourceAccount": ACCOUNT },
          },
        },
      ]);
    });

    it("writes the ECS source ARN in the stack's partition", () => {
      const [statement] = trust({
        trustedPrincipals: ["ecs-tasks.amazonaws.com"],
        ...trustAccountOf("arn:aws-cn:iam::123456789012:user/deployer", ACCOUNT),
      }).Statement;
      assert.deepEqual(statement.Condition!.ArnLike, { "aws:SourceArn": `arn:aws-cn:ecs:*:${ACCOUNT}:*` });
    });

    it("refuses an account root, a service that does not presign, and an empty list", () => {
      assert.throws(
        () => trust({ trustedPrincipals: [`arn:aws:iam::${ACCOUNT}:root`] }),
        /is an account root.*name a role or user/,
      );
      assert.throws(
        () => trust({ trustedPrincipals: ["states.amazonaws.com"] }),
        /"states\.amazonaws\.com" is not a service that presigns/,
      );
      assert.throws(() => trust({ trustedPrincipals: [] }), /must name at least one principal/);
    });
  });

  describe("the component", () => {
    it("tells other accounts from its own by the deployer's caller identity and passes the external id", async () => {
      const ownRole = `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/lab-pipeline`;
      const stack = await synthesize({
        presignerKind: "role",
        trustedPrincipals: [ownRole, PARTNER_ROLE, "ecs-tasks.amazonaws.com"],
        externalId: "lab-7f3a",
      });
      const document = JSON.parse(
        single(stack, RESOURCE_TYPE.role, "-presigner-role").inputs.assumeRolePolicy,
      ) as PolicyDocument;
      const bySid = Object.fromEntries(document.Statement.map((statement) => [statement.Sid, statement]));
      assert.deepEqual(Object.keys(bySid), [
        "TrustedPrincipalsAssume",
        "OtherAccountPrincipalsAssumeWithExternalId",
        "EcsTasksAssumeForOwnAccount",
      ]);
      assert.deepEqual(bySid.TrustedPrincipalsAssume.Principal, { AWS: [ownRole] });
      assert.deepEqual(bySid.OtherAccountPrincipalsAssumeWithExternalId.Principal, { AWS: [PARTNER_ROLE] });
      assert.deepEqual(bySid.EcsTasksAssumeForOwnAccount.Condition!.StringEquals, {
        "aws:SourceAccount": MOCK_ACCOUNT_ID,
      });
    });
  });
});
