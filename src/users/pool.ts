import type { CognitoIdentityProviderClient, GroupType } from '@aws-sdk/client-cognito-identity-provider';
import type { Ctx } from '../context.js';
import { TurnctlError } from '../errors.js';
import { DEFAULT_ROLES } from '../config/sections/users.js';

/** The stage's portal pool as configured: its name and roles (highest first). */
export interface PoolConfig {
  name: string;
  roles: string[];
}

/** The users config of the stage, with defaults (`<project>-<stage>-portal`, admin/operator/support). */
export function poolConfig(ctx: Pick<Ctx, 'stack' | 'names' | 'project'>): PoolConfig {
  const users = ctx.stack.users;
  const name = users?.pool ?? ctx.names.scoped('portal');
  // CreateUserPool's PoolName rule (after substitution); the sandbox takes any name.
  if (!/^[\w\s+=,.@-]{1,128}$/.test(name))
    throw ctx.project.file.error(['users', 'pool'], `user pool name "${name}" is not a Cognito pool name; use up to 128 letters, digits, spaces and + = , . @ _ -`);
  return { name, roles: users?.roles ?? [...DEFAULT_ROLES] };
}

/** A live pool: its id and the configured roles. */
export interface Pool extends PoolConfig {
  id: string;
  cognito: CognitoIdentityProviderClient;
}

/** The id of the pool named `name`, or undefined (pools have no name lookup: list all pages and match). */
export async function findPoolId(ctx: Ctx, name: string): Promise<string | undefined> {
  const { ListUserPoolsCommand } = await import('@aws-sdk/client-cognito-identity-provider');
  const cognito = await ctx.aws.cognito();
  const ids: string[] = [];
  let NextToken: string | undefined;
  do {
    const res = await cognito.send(new ListUserPoolsCommand({ MaxResults: 60, NextToken }));
    for (const p of res.UserPools ?? []) if (p.Name === name && p.Id) ids.push(p.Id);
    NextToken = res.NextToken;
  } while (NextToken);
  if (ids.length > 1)
    throw new TurnctlError(`${ids.length} user pools are named "${name}" (${ids.join(', ')}); delete the extra ones or set users.pool in turnctl.yaml to a unique name`);
  return ids[0];
}

/** The stage's pool, or undefined when it does not exist yet (only reads). */
export async function findPool(ctx: Ctx): Promise<Pool | undefined> {
  const cfg = poolConfig(ctx);
  const id = await findPoolId(ctx, cfg.name);
  return id ? { ...cfg, id, cognito: await ctx.aws.cognito() } : undefined;
}

/**
 * The stage's pool; a missing pool is an error naming the commands that create it. Only users add, users import
 * --apply and users init create it: a command about one user must not leave an empty pool behind on a mistyped stage.
 */
export async function openPool(ctx: Ctx): Promise<Pool> {
  const pool = await findPool(ctx);
  if (!pool) {
    const s = ctx.stage.name;
    throw new TurnctlError(`no user pool "${poolConfig(ctx).name}" on stage ${s}; add a user first (turnctl users add <email> --role <role> --stage ${s}) or create it with: turnctl users init --stage ${s}`);
  }
  return pool;
}

/** What ensurePool created or changed. */
export interface EnsureResult {
  pool: Pool;
  createdPool: boolean;
  createdGroups: string[];
  /** Existing groups whose precedence was set to their role's place in users.roles (the order changed). */
  reorderedGroups: Array<{ group: string; from: number | null; to: number }>;
}

/**
 * Creates the stage's pool (email is the username, case-insensitive, admin-created users only, verified email,
 * deletion protection) and one group per role where missing, and gives every role's group its place in users.roles as
 * precedence (0 = highest; existing groups too, so a reordered list takes effect). Idempotent.
 */
export async function ensurePool(ctx: Ctx): Promise<EnsureResult> {
  const cip = await import('@aws-sdk/client-cognito-identity-provider');
  const cognito = await ctx.aws.cognito();
  const cfg = poolConfig(ctx);
  let id = await findPoolId(ctx, cfg.name);
  let createdPool = false;
  if (!id) {
    ctx.progress(`creating user pool ${cfg.name}`);
    const res = await cognito.send(
      new cip.CreateUserPoolCommand({
        PoolName: cfg.name,
        UsernameAttributes: ['email'],
        UsernameConfiguration: { CaseSensitive: false },
        AutoVerifiedAttributes: ['email'],
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
        Policies: {
          PasswordPolicy: { MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: false, TemporaryPasswordValidityDays: 7 },
        },
        DeletionProtection: 'ACTIVE',
        UserPoolTags: { project: ctx.project.config.project, stage: ctx.stage.name, 'managed-by': 'turnctl' },
      }),
    );
    id = res.UserPool!.Id!;
    createdPool = true;
  }
  const existing = new Map<string, GroupType>();
  let NextToken: string | undefined;
  do {
    const res = await cognito.send(new cip.ListGroupsCommand({ UserPoolId: id, Limit: 60, NextToken }));
    for (const g of res.Groups ?? []) if (g.GroupName) existing.set(g.GroupName, g);
    NextToken = res.NextToken;
  } while (NextToken);
  const createdGroups: string[] = [];
  const reorderedGroups: EnsureResult['reorderedGroups'] = [];
  for (const [precedence, role] of cfg.roles.entries()) {
    const group = existing.get(role);
    if (group) {
      if (group.Precedence === precedence) continue;
      ctx.progress(`setting the precedence of group ${role} to ${precedence}`);
      // Description and RoleArn are sent back as they are: AWS's API reference has said UpdateGroup sets an attribute
      // left out to its default. moto 5.2.1 keeps it instead, so the sandbox cannot show which is right; this is safe on both.
      await cognito.send(
        new cip.UpdateGroupCommand({
          UserPoolId: id,
          GroupName: role,
          Precedence: precedence,
          ...(group.Description !== undefined ? { Description: group.Description } : {}),
          ...(group.RoleArn !== undefined ? { RoleArn: group.RoleArn } : {}),
        }),
      );
      reorderedGroups.push({ group: role, from: group.Precedence ?? null, to: precedence });
      continue;
    }
    ctx.progress(`creating group ${role}`);
    try {
      await cognito.send(new cip.CreateGroupCommand({ UserPoolId: id, GroupName: role, Precedence: precedence, Description: `portal role ${role} (turnctl)` }));
      createdGroups.push(role);
    } catch (err) {
      if ((err as { name?: string }).name !== 'GroupExistsException') throw err;
    }
  }
  return { pool: { ...cfg, id, cognito }, createdPool, createdGroups, reorderedGroups };
}
