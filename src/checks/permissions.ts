import { desiredBuckets } from '../buckets/desired.js';
import { parseChangeId, roleChangeId } from '../buckets/diff.js';
import { verifyGrants, type PlannedPolicies } from '../buckets/permissions.js';
import type { PolicyDoc } from '../buckets/policy-doc.js';
import type { Plan } from '../release/types.js';
import type { Check } from './types.js';

/** The policies a plan is about to put: grants policies on roles and bucket policies (null = removed). */
export function plannedPolicies(plan: Plan | undefined): PlannedPolicies {
  const roles = new Map<string, PolicyDoc | null>();
  const buckets = new Map<string, PolicyDoc | null>();
  for (const step of plan?.steps ?? []) {
    if (step.section !== 'buckets') continue;
    for (const c of step.changes) {
      const id = parseChangeId(c.id);
      if (id.kind === 'role' && c.id === roleChangeId(id.role)) roles.set(id.role, (c.after as PolicyDoc | null) ?? null);
      if (id.kind === 'bucket' && id.aspect === 'policy') buckets.set(id.bucket, (c.after as PolicyDoc | null) ?? null);
    }
  }
  return { roles, buckets };
}

/**
 * Pre-check: every grant in turnctl.yaml is in effect for its function's role — through IAM policy simulation on
 * AWS stages, through turnctl's own evaluation of the role's policies on the sandbox (moto has no simulation) —
 * and not denied by the bucket's policy. A role or bucket whose policy the plan changes is checked with the planned one.
 */
export const check: Check = {
  name: 'permissions',
  phase: 'pre',
  async run({ ctx, plan }) {
    const { grants } = desiredBuckets(ctx);
    if (grants.length === 0) return { name: 'permissions', ok: true, detail: 'no bucket grants declared' };
    const planned = plannedPolicies(plan);
    const verdicts = await verifyGrants(ctx, grants, planned);
    const failed = verdicts.filter((v) => !v.ok);
    const how = `${ctx.stage.sandbox ? 'role and bucket policies evaluated by turnctl, the sandbox has no IAM simulation' : 'IAM policy simulation of the roles, bucket policies evaluated by turnctl'}${planned.roles.size + planned.buckets.size ? '; with the policies this release applies' : ''}`;
    return {
      name: 'permissions',
      ok: failed.length === 0,
      detail: failed.length === 0 ? `${verdicts.length} grant(s) in effect (${how})` : failed.map((v) => v.detail).join(' | '),
      items: verdicts.map((v) => ({ name: v.grant.label, ok: v.ok, detail: v.detail })),
    };
  },
};
