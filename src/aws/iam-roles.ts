import type { Ctx } from '../context.js';
import { isAwsError } from '../errors.js';

/** What turnctl reads of one IAM role: that it exists, and its inline policies (documents as IAM returns them). */
export interface RoleFacts {
  exists: boolean;
  inline: Record<string, string>;
}

/**
 * From this many roles on, a read asks IAM once for every role of the account (GetAccountAuthorizationDetails,
 * paginated) instead of two calls per role: a 50-function plan sent 100 IAM reads before. Below it, the account-wide
 * answer (every role and policy of the account) costs more than it saves.
 */
export const BULK_ROLE_READ_MIN = 8;

/**
 * Existence and inline policies of the given roles. Many roles: one account-wide read; when the caller may not make it
 * (AccessDenied — it needs iam:GetAccountAuthorizationDetails, which narrow deploy roles often lack) or for few roles,
 * GetRole + GetRolePolicy per role, with the same result. Inside a plan's read phase the account-wide answer is
 * shared by every step that asks (the clients memoize identical reads).
 */
export async function readRoles(ctx: Ctx, roles: readonly string[], policyNames: readonly string[], opts: { bulkFrom?: number } = {}): Promise<Map<string, RoleFacts>> {
  const wanted = [...new Set(roles)];
  if (wanted.length === 0) return new Map();
  if (wanted.length >= (opts.bulkFrom ?? BULK_ROLE_READ_MIN)) {
    const all = await accountRoles(ctx);
    if (all) return new Map(wanted.map((r) => [r, pick(all.get(r), policyNames)]));
  }
  const { mapLimit } = await import('./clients.js');
  const rows = await mapLimit(wanted, ctx.concurrency, async (r) => [r, await readOneRole(ctx, r, policyNames)] as const);
  return new Map(rows);
}

function pick(facts: RoleFacts | undefined, policyNames: readonly string[]): RoleFacts {
  if (!facts) return { exists: false, inline: {} };
  return { exists: true, inline: Object.fromEntries(policyNames.filter((p) => p in facts.inline).map((p) => [p, facts.inline[p]!])) };
}

/** Every role of the account with all its inline policies, or null when the caller may not list them. */
async function accountRoles(ctx: Ctx): Promise<Map<string, RoleFacts> | null> {
  const { paginateGetAccountAuthorizationDetails } = await import('@aws-sdk/client-iam');
  const client = await ctx.aws.iam();
  const out = new Map<string, RoleFacts>();
  try {
    for await (const page of paginateGetAccountAuthorizationDetails({ client, pageSize: 1000 }, { Filter: ['Role'] })) {
      for (const role of page.RoleDetailList ?? []) {
        if (!role.RoleName) continue;
        out.set(role.RoleName, { exists: true, inline: Object.fromEntries((role.RolePolicyList ?? []).map((p) => [p.PolicyName!, p.PolicyDocument ?? ''])) });
      }
    }
  } catch (err) {
    if (isAwsError(err, 'AccessDenied', 'AccessDeniedException')) return null;
    throw err;
  }
  return out;
}

async function readOneRole(ctx: Ctx, role: string, policyNames: readonly string[]): Promise<RoleFacts> {
  const { GetRoleCommand, GetRolePolicyCommand } = await import('@aws-sdk/client-iam');
  const iam = await ctx.aws.iam();
  const missing = (err: unknown) => isAwsError(err, 'NoSuchEntity', 'NoSuchEntityException');
  const inline: Record<string, string> = {};
  for (const name of policyNames) {
    try {
      inline[name] = (await iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: name }))).PolicyDocument ?? '';
    } catch (err) {
      if (!missing(err)) throw err;
    }
  }
  // A found policy proves the role exists; otherwise "no such policy" and "no such role" need telling apart.
  if (Object.keys(inline).length > 0) return { exists: true, inline };
  try {
    await iam.send(new GetRoleCommand({ RoleName: role }));
    return { exists: true, inline };
  } catch (err) {
    if (missing(err)) return { exists: false, inline: {} };
    throw err;
  }
}
