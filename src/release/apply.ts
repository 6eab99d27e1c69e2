import { relative } from 'node:path';
import type { Ctx } from '../context.js';
import type { LoadedManifest } from '../config/load.js';
import { loadCheck } from '../checks/index.js';
import type { CheckResult } from '../checks/types.js';
import { failureLine, LockHeldError, RolledBackError, TurnctlError } from '../errors.js';
import { ensureStateBucket } from '../state/bucket.js';
import { newRunId, ranChecksOnly, saveJournal, type Journal, type JournalStep } from './journal.js';
import { acquireLock, describeLock, holderName, lockBody, readLock, releaseLock } from './lock.js';
import { assertPlanFresh, changeCount, fingerprintOf, preparePlan, type PreparedStep } from './plan.js';
import { rollbackRun } from './rollback.js';
import type { Plan } from './types.js';

/** What the engine reports while it works (the command turns these into spinners and lines). */
export type EngineEvent =
  | { type: 'check'; phase: 'pre' | 'post'; result: CheckResult }
  | { type: 'step'; section: string; status: 'start' | 'done' | 'failed'; changes: number; error?: string }
  | { type: 'rollback'; status: 'start' | 'done'; restored?: string[]; kept?: string[]; blocked?: string }
  /** The run holds the stage's lock from here until it ends (apply or resume). */
  | { type: 'run'; run: string; release: string };

export interface ApplyOptions {
  /** A saved plan (`--plan`): applied only if still fresh. */
  savedPlan?: { plan: Plan; file: string };
  onEvent?: (e: EngineEvent) => void;
  /** Called with the plan before any write; throw to refuse (confirmation). */
  confirm?: (plan: Plan) => Promise<void>;
}

export interface ApplyOutcome {
  status: 'no-changes' | 'succeeded';
  plan: Plan;
  journal?: Journal;
}

/** Runs the named checks of a phase; returns all results. */
export async function runChecks(ctx: Ctx, names: string[], phase: 'pre' | 'post', input: { manifest: LoadedManifest['manifest']; digest: string; plan?: Plan; freshPlan?: Plan; startedAt: Date }, onEvent?: (e: EngineEvent) => void): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const name of await inRunOrder(names)) {
    const check = await loadCheck(name);
    if (!check) throw new TurnctlError(`unknown check "${name}"`);
    ctx.progress(`${phase}-check ${name}`);
    let result: CheckResult;
    try {
      result = await check.run({ ctx, ...input });
    } catch (err) {
      result = { name, ok: false, detail: failureLine(err) };
    }
    results.push(result);
    onEvent?.({ type: 'check', phase, result });
  }
  return results;
}

/**
 * The names in the order given, except that a check runs after the listed checks it reads the results of (`runsAfter`:
 * tracking-plan looks for the log lines of the smoke events, so `[tracking-plan, smoke]` ran it on no logs and failed).
 */
export async function inRunOrder(names: readonly string[]): Promise<string[]> {
  const after = new Map<string, readonly string[]>();
  for (const n of names) after.set(n, ((await loadCheck(n))?.runsAfter ?? []).filter((d) => d !== n && names.includes(d)));
  const out: string[] = [];
  const visit = (n: string, path: string[]) => {
    if (out.includes(n) || path.includes(n)) return;
    for (const d of after.get(n) ?? []) visit(d, [...path, n]);
    out.push(n);
  };
  for (const n of names) visit(n, []);
  return out;
}

/** Test-only fault injection: TURNCTL_TEST_KILL_AT=<n> SIGKILLs this process after the n-th step is journalled (0: before the first). */
function maybeKill(boundary: number): void {
  const at = process.env.TURNCTL_TEST_KILL_AT;
  if (at !== undefined && Number(at) === boundary) process.kill(process.pid, 'SIGKILL');
}

/** Test-only fault injection: TURNCTL_TEST_FAIL_STEP=<section> makes that step throw after it applied. */
function maybeFail(section: string): void {
  if (process.env.TURNCTL_TEST_FAIL_STEP === section) throw new TurnctlError(`injected failure in step ${section} (TURNCTL_TEST_FAIL_STEP)`);
}

/**
 * Applies a release: plan → (fresh?) → confirm → pre-checks → lock → steps in order, each journalled before and
 * after → post-checks → on failure, rollback from the journal. A plan without changes writes nothing.
 */
export async function applyRelease(ctx: Ctx, loaded: LoadedManifest, opts: ApplyOptions = {}): Promise<ApplyOutcome> {
  const { plan, prepared } = await preparePlan(ctx, loaded);
  if (opts.savedPlan) assertPlanFresh(opts.savedPlan.plan, plan, opts.savedPlan.file);
  // A held lock means another apply is running or died half-way: even "no changes" would be a lie then.
  const held = await readLock(ctx);
  if (held) throw new LockHeldError(describeLock(ctx, held));
  if (changeCount(plan) === 0 && !plan.verify) return { status: 'no-changes', plan };
  await opts.confirm?.(plan);
  const startedAt = new Date();
  const manifest = loaded.manifest;
  // The account check runs before any write whether or not the manifest lists it; so does the promotion gate of a
  // stage with promoteFrom (turnctl.yaml asks for it, a manifest cannot drop it).
  const always = ['credentials', ...(ctx.stage.promoteFrom ? ['staging-verified'] : [])];
  const preNames = [...always, ...manifest.checks.pre.filter((n) => !always.includes(n))];
  const preChecks = await runChecks(ctx, preNames, 'pre', { manifest, digest: plan.digest, plan: opts.savedPlan?.plan ?? plan, freshPlan: plan, startedAt }, opts.onEvent);
  const failedPre = preChecks.find((c) => !c.ok);
  if (failedPre) throw new TurnctlError(`pre-check ${failedPre.name} failed: ${failedPre.detail}; nothing was changed`);

  await ensureStateBucket(ctx);
  const run = newRunId(startedAt);
  await acquireLock(ctx, lockBody(run, plan.release, startedAt));
  const journal: Journal = {
    version: 1,
    run,
    release: plan.release,
    stage: ctx.stage.name,
    digest: plan.digest,
    manifestFile: relative(ctx.project.dir, loaded.file.file),
    holder: holderName(),
    rollbackPolicy: manifest.rollback,
    status: 'running',
    startedAt: startedAt.toISOString(),
    plan,
    // A plan without changes (one that only verifies a release for promotion) has no step to apply: they are done.
    steps: plan.steps.map((s) => ({ section: s.section, status: changeCount(plan) === 0 ? 'done' : 'pending', changes: s.changes.length })),
    preChecks,
    postChecks: [],
    postChecksPassed: false,
  };
  await saveJournal(ctx, journal);
  opts.onEvent?.({ type: 'run', run, release: plan.release });
  return runSteps(ctx, loaded, journal, prepared, opts, false);
}

/** The JSON form of a run's outcome (what `release apply --output json` prints, also when it failed). */
export function outcomeOf(j: Journal): Record<string, unknown> {
  return {
    status: j.status,
    run: j.run,
    release: j.release,
    stage: j.stage,
    digest: j.digest,
    summary: j.plan.summary,
    steps: j.steps.map((s) => ({ section: s.section, status: s.status, changes: s.changes, ...(s.error ? { error: s.error } : {}) })),
    preChecks: j.preChecks,
    postChecks: j.postChecks,
    ...(j.failedCheck ? { failedCheck: j.failedCheck } : {}),
    ...(j.rollback ? { rollback: j.rollback } : {}),
  };
}

/** Applies the journal's remaining steps, then post-checks; shared by apply and resume. */
export async function runSteps(ctx: Ctx, loaded: LoadedManifest, journal: Journal, prepared: Map<string, PreparedStep>, opts: ApplyOptions, resuming: boolean): Promise<ApplyOutcome> {
  const manifest = loaded.manifest;
  try {
    let boundary = journal.steps.filter((s) => s.status === 'done').length;
    // Boundary 0: the lock is taken and the journal written, but no step has started.
    if (!resuming) maybeKill(boundary);
    for (const js of journal.steps) {
      if (js.status === 'done') continue;
      const p = prepared.get(js.section)!;
      const planned = journal.plan.steps.find((s) => s.section === js.section)!;
      await applyStep(ctx, journal, js, p, planned.fingerprint, resuming, opts);
      boundary++;
      maybeKill(boundary);
    }
  } catch (err) {
    const message = failureLine(err);
    journal.error = message;
    journal.status = 'failed';
    await saveJournal(ctx, journal);
    if (journal.rollbackPolicy === 'manual') {
      await releaseLock(ctx, journal.run);
      throw new TurnctlError(`${message}; rollback: manual — nothing was rolled back; run turnctl release rollback ${journal.run} --stage ${ctx.stage.name}`, { cause: err }).with(outcomeOf(journal));
    }
    const rb = await rollbackRun(ctx, journal, `step failed: ${message}`, opts.onEvent);
    throw new TurnctlError(`${message}; ${rb.blocked ? `rolled back except: ${rb.blocked}` : 'the release was rolled back'} (run ${journal.run})`, { cause: err }).with(outcomeOf(journal));
  }

  const post = await runChecks(ctx, manifest.checks.post, 'post', { manifest, digest: journal.digest, plan: journal.plan, startedAt: new Date(journal.startedAt) }, opts.onEvent);
  journal.postChecks = post;
  const failed = post.filter((c) => !c.ok);
  if (failed.length === 0) {
    journal.postChecksPassed = true;
    journal.status = 'succeeded';
    journal.finishedAt = new Date().toISOString();
    await saveJournal(ctx, journal);
    await releaseLock(ctx, journal.run);
    return { status: 'succeeded', plan: journal.plan, journal };
  }
  const what = failed.map((f) => `${f.name} (${f.detail})`).join(', ');
  journal.failedCheck = failed.map((f) => f.name).join(',');
  journal.error = `post-check failed: ${what}`;
  if (ranChecksOnly(journal)) {
    // A run that only ran the post-checks (plan.verify) changed nothing: there is nothing to roll back (rollback says
    // so and refuses it), and "rolled back" (exit 3) would be a lie. The digest stays unverified on this stage.
    journal.status = 'failed';
    journal.finishedAt = new Date().toISOString();
    await saveJournal(ctx, journal);
    await releaseLock(ctx, journal.run);
    throw new TurnctlError(`post-check failed: ${what}; nothing was changed on ${ctx.stage.name} (run ${journal.run} only ran the post-checks), and release ${journal.release} stays unverified there`).with(outcomeOf(journal));
  }
  if (journal.rollbackPolicy === 'manual') {
    journal.status = 'failed';
    journal.finishedAt = new Date().toISOString();
    await saveJournal(ctx, journal);
    await releaseLock(ctx, journal.run);
    throw new TurnctlError(`post-check failed: ${what}; rollback: manual — run turnctl release rollback ${journal.run} --stage ${ctx.stage.name}`).with(outcomeOf(journal));
  }
  await saveJournal(ctx, journal);
  const rb = await rollbackRun(ctx, journal, `post-check failed: ${what}`, opts.onEvent);
  if (rb.blocked) throw new TurnctlError(`post-check failed: ${what}; rolled back except: ${rb.blocked}`).with(outcomeOf(journal));
  throw new RolledBackError(`post-check failed: ${what}; the release was rolled back (run ${journal.run}; see release status)`).with(outcomeOf(journal));
}

async function applyStep(ctx: Ctx, journal: Journal, js: JournalStep, p: PreparedStep, plannedFingerprint: string, resuming: boolean, opts: ApplyOptions): Promise<void> {
  // Re-read live just before writing: the plan must still describe reality.
  const live = await p.step.read(ctx, p.desired);
  const changes = p.step.diff(p.desired, live);
  const interrupted = js.status === 'applying';
  const dependencyChanged = (p.step.dependsOn ?? []).some((d) => journal.steps.some((s) => s.section === d && s.status === 'done' && s.changes > 0));
  if (!resuming && !dependencyChanged && fingerprintOf(changes) !== plannedFingerprint)
    throw new TurnctlError(`live state of ${js.section} changed since the plan was made (someone else changed the stage?)`);
  if (!interrupted) js.before = p.step.record ? p.step.record(live) : live;
  js.status = 'applying';
  js.startedAt ??= new Date().toISOString();
  // A resumed step keeps the count of the attempt that died: its writes happened (rollback must undo them) even when
  // the re-derived diff is now empty.
  js.changes = interrupted ? Math.max(js.changes, changes.length) : changes.length;
  await saveJournal(ctx, journal);
  opts.onEvent?.({ type: 'step', section: js.section, status: 'start', changes: changes.length });
  try {
    if (changes.length > 0) {
      const result = await p.step.apply(ctx, p.desired, changes);
      // On resume, keep what the interrupted attempt recorded and add what this one did.
      js.result = mergeResults(js.result, result);
    }
    maybeFail(js.section);
  } catch (err) {
    js.status = 'failed';
    js.error = failureLine(err);
    await saveJournal(ctx, journal);
    opts.onEvent?.({ type: 'step', section: js.section, status: 'failed', changes: changes.length, error: js.error });
    throw new TurnctlError(`step ${js.section} failed: ${js.error}`, { cause: err });
  }
  js.status = 'done';
  js.finishedAt = new Date().toISOString();
  await saveJournal(ctx, journal);
  opts.onEvent?.({ type: 'step', section: js.section, status: 'done', changes: changes.length });
}

/** Shallow-merges two step results (objects of records/arrays) so a resumed step keeps the first attempt's facts. */
function mergeResults(a: unknown, b: unknown): unknown {
  if (a === undefined || a === null) return b;
  if (b === undefined || b === null) return a;
  if (Array.isArray(a) && Array.isArray(b)) return [...new Set([...a, ...b])];
  if (typeof a === 'object' && typeof b === 'object') {
    const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
    for (const [k, v] of Object.entries(b as Record<string, unknown>)) out[k] = k in out ? mergeResults(out[k], v) : v;
    return out;
  }
  return b;
}
