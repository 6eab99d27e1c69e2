import { stageContext } from '../context.js';
import { listRuns, readJournal } from '../release/journal.js';
import type { Check } from './types.js';

/** Pre-check (stages with promoteFrom, i.e. prod): the same release digest passed its post-checks on that stage. */
export const check: Check = {
  name: 'staging-verified',
  phase: 'pre',
  async run({ ctx, digest }) {
    const from = ctx.stage.promoteFrom;
    if (!from) return { name: 'staging-verified', ok: true, detail: `stage ${ctx.stage.name} does not promote from another stage` };
    const other = stageContext(ctx.project, from);
    for (const r of await listRuns(other)) {
      const j = await readJournal(other, r.key);
      if (j && j.digest === digest && j.postChecksPassed) return { name: 'staging-verified', ok: true, detail: `digest ${digest.slice(0, 19)} passed post-checks on ${from} in run ${j.run}` };
    }
    return {
      name: 'staging-verified',
      ok: false,
      detail: `release digest ${digest.slice(0, 19)} has not passed its post-checks on ${from}; apply the same release (same files) to ${from} first`,
    };
  },
};
