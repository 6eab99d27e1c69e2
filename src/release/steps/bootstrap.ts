import type { Ctx } from '../../context.js';
import { mapLimit } from '../../aws/clients.js';
import { readRoles } from '../../aws/iam-roles.js';
import { isAwsError } from '../../errors.js';
import { ensureStateBucket, stateBucketExists } from '../../state/bucket.js';
import { poolConfig } from '../../users/pool.js';
import type { Change, RestoreResult } from '../types.js';

export const LAMBDA_TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const BASIC_EXECUTION = 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';

export interface BootstrapDesired {
  stateBucket: string;
  /** Execution roles turnctl manages (roles given as ARNs are the user's). */
  roles: string[];
  /** The portal user pool, when gateway routes authorize with it (turnctl creates it where missing, like `users init`). */
  userPool: string | null;
}
export interface BootstrapLive {
  stateBucket: boolean;
  roles: Record<string, boolean>;
  userPool?: boolean;
}

/**
 * What a stage needs before any step: its state bucket (journal, lock, audit) and the functions' execution roles.
 * Created when missing; not a checklist section, but shown in the plan like everything else.
 */
export const bootstrap = {
  section: 'bootstrap' as const,

  desired(ctx: Ctx, withRoles: boolean, withGateway: boolean): BootstrapDesired {
    const roles = withRoles ? [...new Set(Object.keys(ctx.stack.functions).map((f) => ctx.names.role(f)))].filter((r) => !r.startsWith('arn:')) : [];
    const gw = ctx.stack.gateway as { routes?: Array<{ auth?: string }>; authorizer?: { userPool?: string } } | undefined;
    const cognito = withGateway && (gw?.routes ?? []).some((r) => r.auth === 'cognito');
    // The pool turnctl owns is the users section's; a gateway pointed at another pool names one turnctl does not create.
    const own = poolConfig(ctx).name;
    const userPool = cognito && (gw?.authorizer?.userPool ?? own) === own ? own : null;
    return { stateBucket: ctx.names.stateBucket, roles: roles.sort(), userPool };
  },

  async read(ctx: Ctx, desired: BootstrapDesired): Promise<BootstrapLive> {
    const facts = await readRoles(ctx, desired.roles, []);
    const roles = desired.roles.map((r) => [r, facts.get(r)!.exists] as const);
    let userPool: boolean | undefined;
    if (desired.userPool) {
      const { findPoolId } = await import('../../users/pool.js');
      userPool = Boolean(await findPoolId(ctx, desired.userPool));
    }
    return { stateBucket: await stateBucketExists(ctx), roles: Object.fromEntries(roles), ...(userPool === undefined ? {} : { userPool }) };
  },

  diff(desired: BootstrapDesired, live: BootstrapLive): Change[] {
    const changes: Change[] = [];
    if (!live.stateBucket) changes.push({ id: `state-bucket:${desired.stateBucket}`, action: 'create', before: null, after: { versioning: true, publicAccessBlock: true, encryption: 'AES256' } });
    for (const r of desired.roles) if (!live.roles[r]) changes.push({ id: `role:${r}`, action: 'create', before: null, after: { trust: 'lambda.amazonaws.com', policies: ['AWSLambdaBasicExecutionRole'] } });
    if (desired.userPool && live.userPool === false)
      changes.push({ id: `user-pool:${desired.userPool}`, action: 'create', before: null, after: { groups: 'users.roles' }, note: 'holds users: kept on rollback' });
    return changes;
  },

  async apply(ctx: Ctx, _desired: BootstrapDesired, changes: Change[]): Promise<{ createdRoles: string[] }> {
    await ensureStateBucket(ctx);
    if (changes.some((c) => c.id.startsWith('user-pool:'))) {
      // Audited like `users init`: the users area's audit log shows who created the pool and its groups, and when.
      const { initPool } = await import('../../users/users.js');
      await initPool(ctx);
    }
    const roles = changes.filter((c) => c.id.startsWith('role:')).map((c) => c.id.slice(5));
    if (roles.length === 0) return { createdRoles: [] };
    const i = await import('@aws-sdk/client-iam');
    const iam = await ctx.aws.iam();
    const created: string[] = [];
    await mapLimit(roles, ctx.concurrency, async (RoleName) => {
      try {
        await iam.send(new i.CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: LAMBDA_TRUST_POLICY, Description: `turnctl: execution role (${ctx.stage.name})`, Tags: [{ Key: 'turnctl:stage', Value: ctx.stage.name }] }));
        created.push(RoleName);
      } catch (err) {
        if (!isAwsError(err, 'EntityAlreadyExists', 'EntityAlreadyExistsException')) throw err;
      }
      await iam.send(new i.AttachRolePolicyCommand({ RoleName, PolicyArn: BASIC_EXECUTION }));
      await i.waitUntilRoleExists({ client: iam, maxWaitTime: 60 }, { RoleName });
    });
    return { createdRoles: created.sort() };
  },

  /** Deletes the roles the release created (they hold no data); the state bucket holds the journal and is kept. */
  async restore(ctx: Ctx, before: BootstrapLive, result: unknown): Promise<RestoreResult> {
    // Every managed role that did not exist before the release is the release's (also when apply died half-way).
    void result;
    const createdRoles = Object.entries(before.roles).filter(([, existed]) => !existed).map(([r]) => r);
    const kept = before.stateBucket ? [] : [`state bucket ${ctx.names.stateBucket} (holds the journal)`];
    if (before.userPool === false) kept.push('the portal user pool (holds users)');
    if (createdRoles.length === 0) return { restored: [], kept };
    const i = await import('@aws-sdk/client-iam');
    const iam = await ctx.aws.iam();
    for (const RoleName of createdRoles) {
      try {
        const inline = await iam.send(new i.ListRolePoliciesCommand({ RoleName }));
        for (const PolicyName of inline.PolicyNames ?? []) await iam.send(new i.DeleteRolePolicyCommand({ RoleName, PolicyName }));
        const attached = await iam.send(new i.ListAttachedRolePoliciesCommand({ RoleName }));
        for (const p of attached.AttachedPolicies ?? []) await iam.send(new i.DetachRolePolicyCommand({ RoleName, PolicyArn: p.PolicyArn }));
        await iam.send(new i.DeleteRoleCommand({ RoleName }));
      } catch (err) {
        if (!isAwsError(err, 'NoSuchEntity', 'NoSuchEntityException')) throw err;
      }
    }
    return { restored: createdRoles.map((r) => `deleted role ${r} (created by the release)`), kept };
  },
};
