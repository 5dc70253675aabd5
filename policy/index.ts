/**
 * The CrossGuard policy pack: `pulumi preview --policy-pack policy` from the project root.
 *
 * Only this file constructs the PolicyPack (which starts a gRPC server and waits for the engine);
 * the rules live in ./rules, which the tests import directly.
 */
import { PolicyPack } from "@pulumi/policy";
import { POLICY_PACK_NAME, policies } from "./rules";

new PolicyPack(POLICY_PACK_NAME, {
  description:
    "Keeps the chromoscope-private-data stack private: S3 public access, ACLs, TLS, encryption, CORS, " +
    "presigned-link caps and least-privilege IAM for the presigner (AWS Security Hub FSBP/CIS, Checkov).",
  enforcementLevel: "mandatory",
  policies,
});
