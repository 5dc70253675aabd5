/** Check: whose credentials these are (STS GetCallerIdentity), and whether they are the stack's presigner. */
import { EXPORT_OUTPUTS_COMMAND } from "../../s3/outputs-source";
import { Finding, unsupported } from "../doctor-model";
import { Probe } from "../probe";

/** Whose credentials these are (STS), and whether they are the stack's presigner. */
export async function identityFinding(probe: Probe): Promise<Finding> {
  const answer = await probe.identity();
  const { outputs, credentials } = probe;
  const presigner =
    outputs.presignerKind === "role"
      ? `role ${outputs.presignerRoleArn ?? "(not in the outputs)"}`
      : `user ${outputs.presignerUserName ?? "(not in the outputs)"}`;
  switch (answer.kind) {
    case "no-sts":
      return unsupported(
        credentials.kind === "stack-presigner"
          ? "STS GetCallerIdentity is not asked through a custom --endpoint; the key is the stack's presigner key from the outputs"
          : "STS GetCallerIdentity is not asked through a custom --endpoint",
      );
    case "error": {
      const { failure } = answer;
      const key = credentials.credentials.accessKeyId;
      switch (failure.name) {
        case "InvalidClientTokenId":
        case "InvalidAccessKeyId":
          return {
            status: "fail",
            detail: `AWS does not know the access key ${key}: it was deleted, deactivated or rotated away`,
            fix:
              credentials.kind === "stack-presigner"
                ? `export fresh outputs (\`${EXPORT_OUTPUTS_COMMAND}\`): the presigner's keys may have been rotated`
                : "configure current AWS credentials (AWS_PROFILE, aws sso login, or environment variables)",
          };
        case "SignatureDoesNotMatch":
          return {
            status: "fail",
            detail: `the secret key does not belong to the access key ${key}`,
            fix: "export the stack outputs again with --show-secrets, or fix the configured secret key",
          };
        case "ExpiredToken":
        case "ExpiredTokenException":
          return {
            status: "fail",
            detail: "the session credentials have expired",
            fix: "refresh the session (e.g. aws sso login) and run the doctor again",
          };
      }
      return {
        status: "warn",
        detail: `could not ask STS who these credentials are: ${failure.message}`,
        fix: "check the network; the other checks do not depend on this one",
      };
    }
    case "answer":
      if (answer.match === "presigner")
        return { status: "pass", detail: `${answer.arn} is the stack's presigner ${presigner}` };
      if (answer.match === "unknown") {
        return {
          status: "warn",
          detail: `${answer.arn}; the stack outputs name no presigner identity to compare with`,
          fix: "pass --stack or --outputs so the doctor can compare with the stack's presigner",
        };
      }
      return {
        status: "warn",
        detail: `${answer.arn} is not the stack's presigner ${presigner}: links it signs carry this identity's permissions and die with its credentials`,
        fix: "sign with the presigner: pass --stack or --outputs (its key is used), or assume the presigner role",
      };
  }
}
