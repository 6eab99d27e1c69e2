import { stageContext } from '../context.js';
import { listRuns, readJournal } from '../release/journal.js';
import type { Ctx } from '../context.js';
import type { Journal } from '../release/journal.js';
import type { Check } from './types.js';

/** The newest run of `ctx`'s stage in which release digest `digest` passed its post-checks, if any. */
export async function verifiedRun(ctx: Ctx, digest: string): Promise<Journal | undefined> {
  for (const r of await listRuns(ctx)) {
    const j = await readJournal(ctx, r.key);
    if (j && j.digest === digest && j.postChecksPassed) return j;
  }
  return undefined;
}

/**
 * For a plan without changes: why apply must still run the post-checks on this stage — another stage promotes from
 * it and `digest` has not passed them here (a change to turnctl.yaml that changes nothing on this stage, e.g. a value
 * for prod only, gives the release a new digest). Undefined when nothing promotes from it or the digest passed.
 */
export async function promotionVerificationNeeded(ctx: Ctx, digest: string): Promise<string | undefined> {
  const promoting = Object.entries(ctx.project.config.stages)
    .filter(([, s]) => s.promoteFrom === ctx.stage.name)
    .map(([name]) => name);
  if (promoting.length === 0 || (await verifiedRun(ctx, digest))) return undefined;
  return `release digest ${digest.slice(0, 19)} has not passed its post-checks on ${ctx.stage.name}, which stage ${promoting.join(', ')} promotes from: apply runs them and records the run (nothing else is changed)`;
}

/** Pre-check (stages with promoteFrom, i.e. prod): the same release digest passed its post-checks on that stage. */
export const check: Check = {
  name: 'staging-verified',
  phase: 'pre',
  async run({ ctx, digest }) {
    const from = ctx.stage.promoteFrom;
    if (!from) return { name: 'staging-verified', ok: true, detail: `stage ${ctx.stage.name} does not promote from another stage` };
    const j = await verifiedRun(stageContext(ctx.project, from), digest);
    if (j) return { name: 'staging-verified', ok: true, detail: `digest ${digest.slice(0, 19)} passed post-checks on ${from} in run ${j.run}` };
    return {
      name: 'staging-verified',
      ok: false,
      detail: `release digest ${digest.slice(0, 19)} has not passed its post-checks on ${from}; apply the same release (same files) to ${from} first`,
    };
  },
};
