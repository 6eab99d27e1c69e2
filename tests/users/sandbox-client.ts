import { CognitoIdentityProviderClient, ListUserPoolsCommand, AdminGetUserCommand, AdminListGroupsForUserCommand, ListGroupsCommand } from '@aws-sdk/client-cognito-identity-provider';

/** A second Cognito client, independent of turnctl's, pointed at the sandbox: the tests read state back through it. */
export function cognitoClient(): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    endpoint: process.env.TURNCTL_SANDBOX_ENDPOINT,
    region: 'eu-central-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

/** The id of the pool named `name` (undefined when missing). */
export async function poolIdByName(c: CognitoIdentityProviderClient, name: string): Promise<string | undefined> {
  let NextToken: string | undefined;
  do {
    const res = await c.send(new ListUserPoolsCommand({ MaxResults: 60, NextToken }));
    const p = res.UserPools?.find((x) => x.Name === name);
    if (p) return p.Id;
    NextToken = res.NextToken;
  } while (NextToken);
  return undefined;
}

/** A user as read back through the second client: attributes, status, enabled, groups; undefined when missing. */
export async function readUser(c: CognitoIdentityProviderClient, poolId: string, email: string) {
  try {
    const u = await c.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: email }));
    const groups = await c.send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: email }));
    const attrs = Object.fromEntries((u.UserAttributes ?? []).map((a) => [a.Name!, a.Value!]));
    return { attrs, status: u.UserStatus, enabled: u.Enabled, groups: (groups.Groups ?? []).map((g) => g.GroupName!).sort() };
  } catch (err) {
    if ((err as Error).name === 'UserNotFoundException') return undefined;
    throw err;
  }
}

/** The pool's groups as read back through the second client: name → precedence and description. */
export async function readGroups(c: CognitoIdentityProviderClient, poolId: string): Promise<Record<string, { precedence?: number; description?: string }>> {
  const out: Record<string, { precedence?: number; description?: string }> = {};
  let NextToken: string | undefined;
  do {
    const res = await c.send(new ListGroupsCommand({ UserPoolId: poolId, Limit: 60, NextToken }));
    for (const g of res.Groups ?? []) out[g.GroupName!] = { precedence: g.Precedence, description: g.Description };
    NextToken = res.NextToken;
  } while (NextToken);
  return out;
}
