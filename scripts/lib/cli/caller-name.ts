/**
 * Who is running a command, as a grant records it: the caller's ARN from STS, or the access key id
 * where STS is not asked (a stand-in stack's local server has none) or does not answer.
 */
import { stsSdk } from "../s3/sdk-modules";
import { OpenedStack } from "./shell";

export async function callerName(stack: Pick<OpenedStack, "outputs" | "credentials" | "endpoint">): Promise<string> {
  const keyId = stack.credentials.credentials.accessKeyId;
  if (stack.endpoint !== undefined) return keyId;
  const sts = new (stsSdk().STSClient)({ region: stack.outputs.region, credentials: stack.credentials.credentials });
  try {
    const answer = await sts.send(new (stsSdk().GetCallerIdentityCommand)({}), {
      abortSignal: AbortSignal.timeout(10_000),
    });
    return answer.Arn ?? keyId;
  } catch {
    return keyId;
  } finally {
    sts.destroy();
  }
}
