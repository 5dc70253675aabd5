/**
 * Readers of a sign-in stack with its own Amazon Cognito user pool: `add-reader` invites a person
 * (Cognito emails a temporary password) and puts them in a group, creating the group when it is new;
 * `remove-reader` takes them out of one group, or out of the pool. Groups are read at sign-in, so a
 * change takes effect at the person's next sign-in. A stack that trusts the lab's own provider has no
 * pool: people and groups are managed there.
 */
import type * as Cognito from "@aws-sdk/client-cognito-identity-provider";
import { AwsError, UsageError, ValidationError } from "../errors";
import { printable } from "../naming";
import { StackOutputs } from "../../../components/stack-outputs";
import { GROUP_RULE, groupProblem } from "./grants";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, as the other SDK clients
const cognitoSdk = (): typeof Cognito => require("@aws-sdk/client-cognito-identity-provider") as typeof Cognito;

export type CognitoClient = Pick<Cognito.CognitoIdentityProviderClient, "send" | "destroy">;

export function cognitoClient(
  region: string,
  credentials: Cognito.CognitoIdentityProviderClientConfig["credentials"],
): CognitoClient {
  return new (cognitoSdk().CognitoIdentityProviderClient)({ region, credentials });
}

/** The stack's own user pool, or a UsageError saying where people are managed instead. */
export function userPoolOf(
  outputs: Pick<StackOutputs, "access" | "signInUserPoolId" | "signInIssuer">,
  command: string,
): string {
  if (outputs.access !== "sign-in") {
    throw new UsageError(`${command} needs a sign-in stack, and this stack shares presigned links (access: links)`, {
      fix: 'set the stack setting access to "sign-in" (with viewer: "self-hosted"), run pulumi up, and export its outputs again',
    });
  }
  if (outputs.signInUserPoolId === undefined) {
    throw new UsageError(
      `${command} manages the stack's own Cognito user pool, and this stack signs people in through the lab's own provider (${outputs.signInIssuer ?? "signInIssuer"})`,
      { fix: "add the person, and their group, in that provider: groups come from its ID tokens (signInGroupsClaim)" },
    );
  }
  return outputs.signInUserPoolId;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function checkedEmail(email: string): string {
  if (!EMAIL.test(email))
    throw new ValidationError(`--email ${printable(email)} is not an email address`, {
      fix: "pass --email name@example.org",
    });
  return email.toLowerCase();
}

function checkedGroup(group: string): string {
  const problem = groupProblem(group);
  if (problem !== undefined)
    throw new ValidationError(`--group ${printable(group)} ${problem}`, { fix: `pass --group with ${GROUP_RULE}` });
  return group;
}

const nameOf = (error: unknown) => (error as { name?: string }).name;

async function call<T>(
  step: string,
  action: () => Promise<T>,
  tolerated: readonly string[] = [],
): Promise<T | undefined> {
  try {
    return await action();
  } catch (error) {
    if (tolerated.includes(nameOf(error) ?? "")) return undefined;
    throw new AwsError(`${step} failed: ${error instanceof Error ? error.message : String(error)}`, {
      fix:
        nameOf(error) === "AccessDeniedException"
          ? "use credentials allowed to administer the stack's user pool (cognito-idp:Admin*, CreateGroup)"
          : "check your AWS credentials and region, then run the command again",
      cause: error,
    });
  }
}

export interface AddedReader {
  /** False when the person was already in the pool. */
  invited: boolean;
  groupCreated: boolean;
}

export async function addReader(
  client: CognitoClient,
  userPoolId: string,
  email: string,
  group: string,
): Promise<AddedReader> {
  const sdk = cognitoSdk();
  const username = checkedEmail(email);
  const groupName = checkedGroup(group);
  const created = await call(
    "creating the group",
    () => client.send(new sdk.CreateGroupCommand({ UserPoolId: userPoolId, GroupName: groupName })),
    ["GroupExistsException"],
  );
  const invited = await call(
    `inviting ${username}`,
    () =>
      client.send(
        new sdk.AdminCreateUserCommand({
          UserPoolId: userPoolId,
          Username: username,
          UserAttributes: [
            { Name: "email", Value: username },
            { Name: "email_verified", Value: "true" },
          ],
          DesiredDeliveryMediums: ["EMAIL"],
        }),
      ),
    ["UsernameExistsException"],
  );
  await call(`adding ${username} to group ${groupName}`, () =>
    client.send(
      new sdk.AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: username, GroupName: groupName }),
    ),
  );
  return { invited: invited !== undefined, groupCreated: created !== undefined };
}

/** Takes the person out of `group`, or (no group) deletes them from the pool. */
export async function removeReader(
  client: CognitoClient,
  userPoolId: string,
  email: string,
  group?: string,
): Promise<void> {
  const sdk = cognitoSdk();
  const username = checkedEmail(email);
  const command =
    group === undefined
      ? new sdk.AdminDeleteUserCommand({ UserPoolId: userPoolId, Username: username })
      : new sdk.AdminRemoveUserFromGroupCommand({
          UserPoolId: userPoolId,
          Username: username,
          GroupName: checkedGroup(group),
        });
  const done = await call(`removing ${username}`, () => client.send(command as never), ["UserNotFoundException"]);
  if (done === undefined) {
    throw new ValidationError(`${username} is not in the stack's user pool`, {
      fix: "check the address (`aws cognito-idp list-users`)",
    });
  }
}
