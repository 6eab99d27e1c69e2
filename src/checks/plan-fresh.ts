import type { Check } from './types.js';

/** Pre-check: the plan being applied still matches live state (digest and every step's fingerprint). */
export const check: Check = {
  name: 'plan-fresh',
  phase: 'pre',
  async run({ plan, freshPlan }) {
    if (!plan || !freshPlan) return { name: 'plan-fresh', ok: false, detail: 'no plan to compare; run with a release (and --plan for a saved plan)' };
    if (plan.digest !== freshPlan.digest) return { name: 'plan-fresh', ok: false, detail: `the release's files changed since the plan (digest ${plan.digest.slice(0, 19)} → ${freshPlan.digest.slice(0, 19)})` };
    const stale = freshPlan.steps.filter((s) => plan.steps.find((x) => x.section === s.section)?.fingerprint !== s.fingerprint).map((s) => s.section);
    return stale.length
      ? { name: 'plan-fresh', ok: false, detail: `live state changed since the plan in: ${stale.join(', ')}; run release plan again` }
      : { name: 'plan-fresh', ok: true, detail: `plan of ${plan.createdAt} still matches live state` };
  },
};
