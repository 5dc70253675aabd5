/** What the presigner identity may write: only configs and ledger entries, never bucket settings or IAM. */
import { prefixObjectsArn } from "../documents/iam-policies";
import { allowStatements } from "./iam-least-privilege";
import {
  coversBucket,
  firstUnknown,
  grantsAction,
  isUnknown,
  ResourceView,
  s3ArnPath,
  stringList,
  Unknown,
} from "../framework/inspect";
import { IDENTITY_POLICY_TYPES, TYPES } from "../framework/resource-types";
import { stackRule } from "../framework/rule-framework";

/** The component type that PresignerIdentity registers (components/presigner-identity.ts). */
export const PRESIGNER_COMPONENT_TYPE = "chromoscope-private-data:identity:PresignerIdentity";
/** Object writes: the presigner may do these only under the config and ledger prefixes. */
export const OBJECT_WRITE_ACTIONS = [
  "s3:PutObject",
  "s3:DeleteObject",
  "s3:DeleteObjectVersion",
  "s3:PutObjectAcl",
  "s3:PutObjectVersionAcl",
  "s3:PutObjectTagging",
  "s3:PutObjectVersionTagging",
  "s3:DeleteObjectTagging",
  "s3:DeleteObjectVersionTagging",
  "s3:PutObjectRetention",
  "s3:PutObjectLegalHold",
  "s3:RestoreObject",
  "s3:ReplicateObject",
  "s3:ReplicateDelete",
];

/** Bucket administration: the presigner may read the configuration (for the doctor), never change it. */
export const BUCKET_ADMIN_ACTIONS = [
  "s3:CreateBucket",
  "s3:DeleteBucket",
  "s3:PutBucketPolicy",
  "s3:DeleteBucketPolicy",
  "s3:PutBucketAcl",
  "s3:PutBucketCORS",
  "s3:PutBucketPublicAccessBlock",
  "s3:PutBucketOwnershipControls",
  "s3:PutEncryptionConfiguration",
  "s3:PutLifecycleConfiguration",
  "s3:PutBucketVersioning",
  "s3:PutBucketLogging",
];

function stringOutput(stack: ResourceView | undefined, key: string): string | Unknown | undefined {
  const value = stack?.props[key];
  return isUnknown(value) || (typeof value === "string" && value !== "") ? value : undefined;
}

export const presignerWriteScope = stackRule(
  {
    name: "presigner-writes-only-config-and-ledger",
    enforcementLevel: "mandatory",
    checks:
      "The presigner identity's policies (under the PresignerIdentity component) write objects (s3:PutObject, s3:DeleteObject, ...) only under the stack's configPrefix and ledgerPrefix of its data bucket, and change no bucket configuration and nothing in IAM.",
    securityHub: [],
    checkov: [],
    related: ["IAM.1", "IAM.21"],
  },
  (model, report, deferral) => {
    const policyResources = model.resources.filter(
      (view) => IDENTITY_POLICY_TYPES.includes(view.type) || view.type === TYPES.role,
    );
    const hasPresigner = model.resources.some((view) => view.type === PRESIGNER_COMPONENT_TYPE);
    const scoped = hasPresigner
      ? policyResources.filter((view) => model.ancestorTypes(view).includes(PRESIGNER_COMPONENT_TYPE))
      : policyResources;
    if (scoped.length === 0) return;

    const stack = model.stackResource;
    const outputs = {
      configPrefix: stringOutput(stack, "configPrefix"),
      ledgerPrefix: stringOutput(stack, "ledgerPrefix"),
    };
    const bucketNameOutput = stringOutput(stack, "bucketName");
    const bucketArnOutput = stringOutput(stack, "bucketArn");
    const name =
      typeof bucketNameOutput === "string"
        ? bucketNameOutput
        : typeof bucketArnOutput === "string"
          ? s3ArnPath(bucketArnOutput)
          : undefined;
    const unknown =
      firstUnknown([outputs.configPrefix, outputs.ledgerPrefix]) ??
      (name === undefined ? firstUnknown([bucketNameOutput, bucketArnOutput]) : undefined);
    if (unknown) return deferral.defer(unknown);
    if (typeof outputs.configPrefix !== "string" || typeof outputs.ledgerPrefix !== "string" || name === undefined) {
      return report(
        "The stack exports no bucketName/bucketArn, configPrefix and ledgerPrefix, so the presigner's write scope cannot be checked.",
        stack?.urn,
      );
    }
    // "bucket/prefix*" as an ARN path, built by the same function as the presigner's policy.
    const writable = [outputs.configPrefix, outputs.ledgerPrefix].map((prefix) =>
      s3ArnPath(prefixObjectsArn(`arn:aws:s3:::${name}`, prefix))!.slice(0, -1),
    );

    for (const resource of scoped) {
      const reportHere = (message: string) => report(message, resource.urn);
      for (const { where, statement } of allowStatements(resource, deferral, reportHere)) {
        if (statement.NotAction !== undefined) {
          report(`${where} allows NotAction: the presigner may only have listed actions.`, resource.urn);
          continue;
        }
        const resources = stringList(statement.Resource);
        const writes = OBJECT_WRITE_ACTIONS.filter((action) => grantsAction(statement, action));
        if (writes.length > 0) {
          const outside =
            statement.NotResource !== undefined
              ? ["NotResource"]
              : resources.filter((arn) => {
                  const path = s3ArnPath(arn);
                  return path === undefined || !writable.some((prefix) => path.startsWith(prefix));
                });
          if (outside.length > 0) {
            report(
              `${where} lets the presigner ${writes.join(", ")} on ${outside.join(", ")}: writes are allowed only under ${writable.map((path) => `${path}*`).join(" and ")}.`,
              resource.urn,
            );
          }
        }
        const admin = BUCKET_ADMIN_ACTIONS.filter((action) => grantsAction(statement, action));
        if (admin.length > 0 && (statement.NotResource !== undefined || coversBucket(resources, name))) {
          report(`${where} lets the presigner change bucket configuration (${admin.join(", ")}).`, resource.urn);
        }
        const iam = stringList(statement.Action).filter(
          (action) => action === "*" || action.toLowerCase().startsWith("iam:"),
        );
        if (iam.length > 0) report(`${where} grants IAM actions (${iam.join(", ")}) to the presigner.`, resource.urn);
      }
    }
  },
);
