import { desiredBuckets } from '../buckets/desired.js';
import { roleChangeId } from '../buckets/diff.js';
import { verifyGrants } from '../buckets/permissions.js';
import type { PolicyDoc } from '../buckets/policy-doc.js';
import type { Plan } from '../release/types.js';
import type { Check } from './types.js';

/** The grants policies a plan is about to put on roles (role → document, null = removed). */
export function plannedRolePolicies(plan: Plan | undefined): Map<string, PolicyDoc | null> {
  const out = new Map<string, PolicyDoc | null>();
  for (const step of plan?.steps ?? []) {
    if (step.section !== 'buckets') continue;
    for (const c of step.changes) {
      const m = /^iam:([^:]+):/.exec(c.id);
      if (m && c.id === roleChangeId(m[1]!)) out.set(m[1]!, (c.after as PolicyDoc | null) ?? null);
    }
  }
  return out;
}

/**
 * Pre-check: every grant in turnctl.yaml is in effect for its function's role — through IAM policy simulation on
 * AWS stages, through turnctl's own evaluation of the role's policies on the sandbox (moto has no simulation).
 * A role whose grants policy the plan changes is checked with the planned policy.
 */
export const check: Check = {
  name: 'permissions',
  phase: 'pre',
  async run({ ctx, plan }) {
    const { grants } = desiredBuckets(ctx);
    if (grants.length === 0) return { name: 'permissions', ok: true, detail: 'no bucket grants declared' };
    const planned = plannedRolePolicies(plan);
    const verdicts = await verifyGrants(ctx, grants, planned);
    const failed = verdicts.filter((v) => !v.ok);
    const how = `${ctx.stage.sandbox ? "evaluated from the roles' policies (sandbox: no IAM simulation)" : 'IAM policy simulation'}${planned.size ? ', with the policy this release applies' : ''}`;
    return {
      name: 'permissions',
      ok: failed.length === 0,
      detail: failed.length === 0 ? `${verdicts.length} grant(s) in effect (${how})` : failed.map((v) => v.detail).join(' | '),
      items: verdicts.map((v) => ({ name: v.grant.label, ok: v.ok, detail: v.detail })),
    };
  },
};
