import { join } from 'node:path';
import type { Ctx } from '../context.js';
import { loadManifest } from '../config/load.js';
import { LockHeldError, TurnctlError, UsageError } from '../errors.js';
import type { ApplyOptions, ApplyOutcome, EngineEvent } from './apply.js';
import { findRun, listRuns, ranChecksOnly, readJournal, saveJournal, type Journal } from './journal.js';
import { describeLock, lockBody, readLock, releaseLock, takeOverLock, takeOverRefusal } from './lock.js';
import { MIGRATE_FUNCTION, onlyFunction, preparePlan } from './plan.js';
import { bootstrap } from './steps/bootstrap.js';
import { loadStep } from './steps/index.js';
import type { Section } from '../config/schema.js';

/**
 * Restores the recorded before-states of a run in reverse order. A step that cannot be restored (a migration
 * without `down`) is skipped and reported as `blocked` (fix forward); every other step is still restored.
 */
export async function rollbackRun(ctx: Ctx, journal: Journal, reason: string, onEvent?: (e: EngineEvent) => void): Promise<{ restored: string[]; kept: string[]; blocked?: string }> {
  onEvent?.({ type: 'rollback', status: 'start' });
  journal.status = 'rolling-back';
  await saveJournal(ctx, journal);
  const restored: string[] = [];
  const kept: string[] = [];
  let blocked: string | undefined;
  for (const js of [...journal.steps].reverse()) {
    if (!['done', 'applying', 'failed', 'blocked'].includes(js.status) || js.before === undefined) continue;
    // A step that finished with nothing to change made no write: there is nothing to restore or report.
    if (js.status === 'done' && js.changes === 0) continue;
    ctx.progress(`restoring ${js.section}`);
    const restore =
      js.section === 'bootstrap'
        ? bootstrap.restore
        : js.section === MIGRATE_FUNCTION
          ? onlyFunction(await loadStep('functions'), 'migrate').restore
          : (await loadStep(js.section as Section)).restore;
    const r = await restore(ctx, js.before as never, js.result);
    restored.push(...r.restored);
    kept.push(...(r.kept ?? []));
    if (r.blocked) {
      // What cannot be undone (a migration without down) is left for a fix forward; everything else is restored.
      // Journalled as such: `release status` showed the step `done`, as if the release's change were still wanted.
      blocked = r.blocked;
      js.status = 'blocked';
      await saveJournal(ctx, journal);
      continue;
    }
    js.status = 'restored';
    await saveJournal(ctx, journal);
  }
  journal.rollback = { reason, at: new Date().toISOString(), restored, kept, ...(blocked ? { blocked } : {}) };
  journal.status = blocked ? 'rollback-blocked' : 'rolled-back';
  journal.finishedAt = new Date().toISOString();
  await saveJournal(ctx, journal);
  await releaseLock(ctx, journal.run);
  onEvent?.({ type: 'rollback', status: 'done', restored, kept, blocked });
  return { restored, kept, blocked };
}

/** The newest run before `run` that is not rolled back (the stage's newest change once `run` and newer are undone). */
async function newestLiveRunBefore(ctx: Ctx, run: string): Promise<Journal | undefined> {
  for (const r of (await listRuns(ctx)).filter((x) => x.run < run)) {
    const j = await readJournal(ctx, r.key);
    if (j && j.status !== 'rolled-back' && !ranChecksOnly(j)) return j;
  }
  return undefined;
}

/** The run named, or else the stage's newest run that changed something. */
async function runToRollBack(ctx: Ctx, run: string | undefined): Promise<Journal | undefined> {
  if (run) return findRun(ctx, run);
  for (const r of await listRuns(ctx)) {
    const j = await readJournal(ctx, r.key);
    if (j && !ranChecksOnly(j)) return j;
  }
  return undefined;
}

/**
 * `release rollback [run]`: rolls back a run (default: the newest) if it is the newest run that changed the stage.
 * Undefined when no run was ever applied to the stage and none was named: nothing to do, like a plan with no changes.
 * `confirm` is asked once the run is known to be one that can be rolled back.
 */
export async function rollbackCommand(
  ctx: Ctx,
  run: string | undefined,
  opts: { onEvent?: (e: EngineEvent) => void; force?: boolean; confirm?: (journal: Journal) => Promise<void> } = {},
): Promise<Journal | undefined> {
  const journal = await runToRollBack(ctx, run);
  if (!journal) {
    if (run) throw new UsageError(`no run ${run} on stage ${ctx.stage.name}; see turnctl release history --stage ${ctx.stage.name}`);
    return undefined;
  }
  if (ranChecksOnly(journal) && journal.status !== 'running')
    throw new TurnctlError(`run ${journal.run} (release ${journal.release}) changed nothing (it only ran the post-checks); there is nothing to roll back`);
  if (journal.status === 'rolled-back') {
    // Without a run named, say which run is the stage's newest change now (rolling back several releases is deliberate).
    const older = run ? undefined : await newestLiveRunBefore(ctx, journal.run);
    const next = older ? `; the newest change to stage ${ctx.stage.name} now is run ${older.run} (release ${older.release}): turnctl release rollback ${older.run} --stage ${ctx.stage.name}` : '';
    throw new TurnctlError(`run ${journal.run} (release ${journal.release}) is already rolled back${next}`);
  }
  const newer = (await listRuns(ctx)).filter((r) => r.run > journal.run);
  for (const r of newer) {
    const j = await readJournal(ctx, r.key);
    if (j && j.status !== 'rolled-back' && !ranChecksOnly(j)) throw new TurnctlError(`run ${journal.run} is not the newest change to stage ${ctx.stage.name}: roll back run ${j.run} (release ${j.release}) first`);
  }
  const lock = await readLock(ctx);
  if (lock && lock.run !== journal.run) throw new LockHeldError(describeLock(ctx, lock));
  const refusal = lock && takeOverRefusal(ctx, lock, opts.force);
  if (refusal) throw new LockHeldError(refusal);
  await opts.confirm?.(journal);
  await takeOverLock(ctx, journal.run, lockBody(journal.run, journal.release));
  await rollbackRun(ctx, journal, `requested by ${lockBody(journal.run, journal.release).holder}`, opts.onEvent);
  return journal;
}

/**
 * `release resume`: finishes the run that holds the stage's lock after its process died. Undefined when no apply holds
 * the lock: nothing to do (exit 0, like a plan with no changes).
 */
export async function resumeRelease(ctx: Ctx, opts: ApplyOptions & { force?: boolean } = {}): Promise<ApplyOutcome | undefined> {
  const lock = await readLock(ctx);
  if (!lock) return undefined;
  const refusal = takeOverRefusal(ctx, lock, opts.force);
  if (refusal) throw new LockHeldError(refusal);
  const journal = await findRun(ctx, lock.run);
  if (!journal) throw new TurnctlError(`the lock names run ${lock.run}, but it has no journal; release unlock --stage ${ctx.stage.name} --yes, then apply again`);
  // A process that died while rolling back left the stage half restored: finishing the rollback is the way out.
  if (journal.status === 'rolling-back')
    throw new TurnctlError(`run ${journal.run} died while rolling back; finish the rollback: turnctl release rollback ${journal.run} --stage ${ctx.stage.name}`);
  if (journal.status !== 'running') throw new TurnctlError(`run ${journal.run} is ${journal.status}, not interrupted; release unlock --stage ${ctx.stage.name} --yes if the lock is left over`);
  const loaded = loadManifest(join(ctx.project.dir, journal.manifestFile));
  const { plan, prepared } = await preparePlan(ctx, loaded);
  if (plan.digest !== journal.digest)
    throw new TurnctlError(`the release's files changed since run ${journal.run} started (digest differs); restore them, or roll the run back: turnctl release rollback ${journal.run} --stage ${ctx.stage.name}`);
  await opts.confirm?.(journal.plan);
  await takeOverLock(ctx, journal.run, lockBody(journal.run, journal.release));
  journal.holder = lockBody(journal.run, journal.release).holder;
  opts.onEvent?.({ type: 'run', run: journal.run, release: journal.release });
  const { runSteps } = await import('./apply.js');
  return runSteps(ctx, loaded, journal, prepared, opts, true);
}
