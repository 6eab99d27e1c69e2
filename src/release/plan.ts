import { createHash } from 'node:crypto';
import { relative } from 'node:path';
import type { Ctx } from '../context.js';
import { canonicalJson } from '../json.js';
import type { LoadedManifest } from '../config/load.js';
import { SECTIONS } from '../config/schema.js';
import { checkNames, loadCheck } from '../checks/index.js';
import { InvalidInputError, TurnctlError } from '../errors.js';
import { bootstrap } from './steps/bootstrap.js';
import { loadSteps } from './steps/index.js';
import type { FunctionsDesired } from './steps/functions.js';
import type { Change, Plan, PlanStep, ReleaseInput, Step } from './types.js';
import { unmanagedFunctions, unmanagedWarning } from './unmanaged.js';

/** A step with its desired state, live state and changes, ready to render or apply. */
export interface PreparedStep {
  step: Step;
  desired: unknown;
  live: unknown;
  changes: Change[];
}

/**
 * The fingerprint of a step's changes (what apply re-derives from live and compares). The state bucket is left out:
 * apply creates it before taking the lock (the lock lives in it), i.e. before the bootstrap step re-reads live.
 */
export function fingerprintOf(changes: Change[]): string {
  const relevant = changes.filter((c) => !c.id.startsWith('state-bucket:'));
  return createHash('sha256').update(canonicalJson(relevant)).digest('hex').slice(0, 16);
}

/** The bootstrap pseudo-step as a Step. */
function bootstrapStep(withRoles: boolean, withGateway: boolean): Step {
  return {
    section: 'bootstrap' as never,
    desired: async (ctx) => bootstrap.desired(ctx, withRoles, withGateway),
    read: (ctx, d) => bootstrap.read(ctx, d),
    diff: (d, l) => bootstrap.diff(d, l),
    apply: (ctx, d, c) => bootstrap.apply(ctx, d, c),
    restore: (ctx, b, r) => bootstrap.restore(ctx, b, r),
  };
}

/** The pseudo-step that deploys the `migrate` function ahead of the database step (`via: lambda`). */
export const MIGRATE_FUNCTION = 'migrate-function';

/** The functions step restricted to the one function named `fn` (its desired and live states are keyed by function). */
export function onlyFunction(functions: Step, fn: string): Step {
  const pick = (x: unknown) => {
    const all = (x as { functions?: Record<string, unknown> } | undefined)?.functions ?? {};
    return { ...(x as object), functions: fn in all ? { [fn]: all[fn] } : {} };
  };
  return {
    section: MIGRATE_FUNCTION as never,
    desired: async (ctx, release) => pick(await functions.desired(ctx, release)),
    read: (ctx, d) => functions.read(ctx, d),
    diff: (d, l) => functions.diff(d, l),
    record: functions.record,
    apply: (ctx, d, c) => functions.apply(ctx, d, c),
    restore: (ctx, b, r) => functions.restore(ctx, pick(b), r),
  };
}

/**
 * `via: lambda`: the database step runs the migrations inside the shipped `migrate` function, so a new version of it
 * must be live first. When the release changes that function and has migrations to run, it is deployed as its own
 * step just before the database (the rest of the functions stay after it). Returns the plan note, if split.
 */
function splitMigrateFunction(ctx: Ctx, prepared: Map<string, PreparedStep>): string | undefined {
  const fns = prepared.get('functions');
  const db = prepared.get('database');
  if (!fns || !db || ctx.stack.database?.stages?.[ctx.stage.name]?.via !== 'lambda' || !ctx.stack.functions.migrate) return undefined;
  const step = onlyFunction(fns.step, 'migrate');
  const desired = { ...(fns.desired as object), functions: { migrate: (fns.desired as { functions: Record<string, unknown> }).functions.migrate } };
  const live = { ...(fns.live as object), functions: { migrate: (fns.live as { functions: Record<string, unknown> }).functions.migrate } };
  const changes = fns.changes.filter((c) => c.id === 'function:migrate');
  // Prepared even without changes, so a resumed run finds the step it journalled.
  prepared.set(MIGRATE_FUNCTION, { step, desired, live, changes });
  if (changes.length === 0 || db.changes.length === 0) return undefined;
  fns.changes = fns.changes.filter((c) => c.id !== 'function:migrate');
  return 'the migrate function is deployed before the database step: the stage runs its migrations through it (via: lambda)';
}

/**
 * The gateway's diff sees a missing user pool and notes that apply will stop; when the bootstrap step of the same
 * plan creates that pool (it runs first), the note says so instead. Notes are for display: apply re-derives the
 * gateway after bootstrap changed something (`dependsOn`).
 */
function notePoolFromBootstrap(prepared: Map<string, PreparedStep>): void {
  const created = prepared.get('bootstrap')?.changes.find((c) => c.id.startsWith('user-pool:'));
  if (!created) return;
  for (const c of prepared.get('gateway')?.changes ?? [])
    if (c.id.startsWith('authorizer:') && c.note && (c.after as { providerArns?: unknown[] } | null)?.providerArns?.length === 0)
      c.note = `on the Cognito user pool ${created.id.slice('user-pool:'.length)}, which the bootstrap step creates first`;
}

/**
 * A Cognito authorizer on a pool that does not exist and that no step of this plan creates (gateway.authorizer.userPool
 * names a pool other than the users section's) would stop the gateway step after every earlier step was applied, and
 * roll the release back: refused here, at the key that names the pool.
 */
function refuseMissingPool(ctx: Ctx, prepared: Map<string, PreparedStep>): void {
  if (prepared.get('bootstrap')?.changes.some((c) => c.id.startsWith('user-pool:'))) return;
  const gateway = prepared.get('gateway');
  const missing = gateway?.changes.find((c) => c.id.startsWith('authorizer:') && (c.after as { providerArns?: unknown[] } | null)?.providerArns?.length === 0);
  if (!gateway || !missing) return;
  const pool = (gateway.desired as { userPool: string | null }).userPool;
  const named = ctx.project.config.gateway?.authorizer?.userPool !== undefined;
  throw new InvalidInputError(
    ctx.project.file.where(named ? ['gateway', 'authorizer', 'userPool'] : ['gateway', 'routes']),
    `Cognito user pool "${pool}" (the authorizer of auth: cognito routes) not found in ${ctx.stage.region}; create it, or ${named ? 'remove gateway.authorizer.userPool to use the users section\'s pool (the release creates it)' : `create the portal pool first (turnctl users init --stage ${ctx.stage.name})`}, then plan again`,
  );
}

/**
 * A release whose scope leaves out the layers step cannot publish the layer versions its functions now need (a lock
 * file changed): refused when planning, at the manifest's scope, instead of by the functions step mid-apply after
 * the earlier steps were written. Read-only (ListLayerVersions).
 */
async function refuseUnpublishedLayers(ctx: Ctx, loaded: LoadedManifest, prepared: Map<string, PreparedStep>, sections: readonly string[]): Promise<void> {
  const fns = prepared.get('functions');
  if (!fns || sections.includes('layers')) return;
  const desired = fns.desired as FunctionsDesired;
  const needed = fns.changes.flatMap((c) => (desired.functions[c.id.replace(/^function:/, '')]?.layerRefs ?? []).map((r) => ({ fn: c.id.replace(/^function:/, ''), ...r })));
  if (needed.length === 0) return;
  const { layerVersions } = await import('../layers/resolve.js');
  for (const name of [...new Set(needed.map((r) => r.name))]) {
    const published = new Set((await layerVersions(ctx, name)).map((v) => v.hash));
    const missing = needed.find((r) => r.name === name && !published.has(r.hash));
    if (missing)
      throw loaded.file.error(
        ['scope'],
        `scope has functions but not layers, and function "${missing.fn}" needs layer "${name}" as its current lock file makes it (${missing.hash.slice(0, 12)}), which is not published on stage ${ctx.stage.name}; add layers to scope, or run turnctl layers publish ${name} --stage ${ctx.stage.name} first`,
      );
  }
}

/** Validates what the manifest names against what turnctl knows (checks), at the manifest's file:line. */
export async function validateManifest(loaded: LoadedManifest): Promise<void> {
  const scope = loaded.manifest.scope;
  // Environment values go live only with the new version the functions step publishes: without it, apply would write
  // $LATEST, report success and leave the same change pending forever.
  if (scope?.includes('env') && !scope.includes('functions'))
    throw loaded.file.error(['scope'], 'scope has env but not functions: environment changes go live with the new function version the functions step publishes; add functions to scope');
  const known = checkNames();
  for (const phase of ['pre', 'post'] as const) {
    const names = loaded.manifest.checks[phase];
    for (const [i, name] of names.entries()) {
      const check = await loadCheck(name);
      if (!check) throw loaded.file.error(['checks', phase, i], `unknown check "${name}"; known checks: ${known.join(', ')}`);
      // A check run in the other phase proves nothing (smoke before the deploy) or always fails (plan-fresh after it,
      // which would roll every release back): refused here, before anything is applied.
      if (check.phase !== phase)
        throw loaded.file.error(['checks', phase, i], `"${name}" is a ${check.phase}-check, not a ${phase}-check; move it to checks.${check.phase}`);
    }
  }
  // The errors post-check reads its window only after every step is applied: a typo there would roll the release back.
  const window = loaded.manifest.checks.errors?.window;
  if (window !== undefined) {
    const { windowMs } = await import('../checks/errors.js');
    try {
      windowMs(window);
    } catch {
      throw loaded.file.error(['checks', 'errors', 'window'], `checks.errors.window "${window}" is not a duration; use e.g. 0s, 30s, 1m or 1h`);
    }
  }
}

/**
 * Reads live state and computes the plan: desired → read → diff per step, then the application order.
 * The diff of each step is pure; everything here is read-only.
 */
export async function preparePlan(ctx: Ctx, loaded: LoadedManifest): Promise<{ plan: Plan; prepared: Map<string, PreparedStep> }> {
  await validateManifest(loaded);
  // A check turnctl.yaml makes fail whatever live is (or whose own input file is broken) is refused before any write.
  for (const phase of ['pre', 'post'] as const)
    for (const [i, name] of loaded.manifest.checks[phase].entries()) {
      const problem = await (await loadCheck(name))?.configProblem?.(ctx, loaded.manifest.checks[phase]);
      if (problem) throw loaded.file.error(['checks', phase, i], problem);
    }
  const sections = loaded.manifest.scope ?? [...SECTIONS];
  // The buckets step writes the grants into the functions' roles: a release scoped to buckets needs them as much as
  // one that deploys the functions (PutRolePolicy on a missing role failed mid-apply and rolled the release back).
  const withRoles = sections.includes('functions') || sections.includes('buckets');
  const steps = [bootstrapStep(withRoles, sections.includes('gateway')), ...(await loadSteps(sections))];
  const release: ReleaseInput = { loaded };
  const prepared = new Map<string, PreparedStep>();
  // Every desired state first (in checklist order): a mistake in any section's input is reported before live is read.
  const desired: unknown[] = [];
  for (const step of steps) {
    ctx.progress(`preparing ${step.section}`);
    desired.push(await step.desired(ctx, release));
  }
  // Then the live reads of all steps at once: they are independent, the clients bound the requests in flight per
  // service (the stage's concurrency), and identical reads of two steps (a function's configuration) are sent once.
  ctx.progress(`reading ${steps.map((s) => s.section).join(', ')}`);
  const read = () => Promise.all(steps.map((step, i) => step.read(ctx, desired[i])));
  const [lives, unmanaged] = await Promise.all([
    ctx.aws.memoizeReads ? ctx.aws.memoizeReads(read) : read(),
    sections.includes('functions') ? unmanagedFunctions(ctx) : Promise.resolve([]),
  ]);
  const warnings = unmanagedWarning(unmanaged);
  steps.forEach((step, i) => prepared.set(step.section, { step, desired: desired[i], live: lives[i], changes: step.diff(desired[i], lives[i]) }));
  steps.forEach((step, i) => warnings.push(...(step.warnings?.(desired[i], lives[i]) ?? [])));
  notePoolFromBootstrap(prepared);
  refuseMissingPool(ctx, prepared);
  await refuseUnpublishedLayers(ctx, loaded, prepared, sections);
  let order = steps.map((s) => s.section as string);
  let orderNote: string | undefined;
  const creates = prepared.get('functions')?.changes.filter((c) => c.action === 'create').map((c) => c.id.replace(/^function:/, '')) ?? [];
  if (creates.length && (prepared.get('gateway')?.changes.length ?? 0) > 0) {
    order = order.filter((s) => s !== 'gateway');
    order.splice(order.indexOf('functions') + 1, 0, 'gateway');
    orderNote = `gateway applied after functions: routes name new function(s) ${creates.join(', ')}, which must exist first`;
  }
  const migrateFirst = splitMigrateFunction(ctx, prepared);
  if (migrateFirst) {
    order.splice(order.indexOf('database'), 0, MIGRATE_FUNCTION);
    orderNote = [orderNote, migrateFirst].filter(Boolean).join('; ');
  }
  const digest = createHash('sha256');
  digest.update(loaded.file.text).update('\0').update(ctx.project.file.text).update('\0');
  for (const s of steps) if (s.digest) digest.update(`${s.section}:${s.digest(prepared.get(s.section)!.desired)}\n`);
  const planSteps: PlanStep[] = order.map((section) => {
    const p = prepared.get(section)!;
    return { section: section as PlanStep['section'], changes: p.changes, fingerprint: fingerprintOf(p.changes) };
  });
  const all = planSteps.flatMap((s) => s.changes);
  const plan: Plan = {
    version: 1,
    release: loaded.manifest.version,
    stage: ctx.stage.name,
    digest: `sha256:${digest.digest('hex')}`,
    createdAt: new Date().toISOString(),
    summary: {
      create: all.filter((c) => c.action === 'create').length,
      update: all.filter((c) => c.action === 'update').length,
      delete: all.filter((c) => c.action === 'delete').length,
    },
    steps: planSteps,
    ...(orderNote ? { orderNote } : {}),
    ...(warnings.length ? { warnings } : {}),
  };
  if (changeCount(plan) === 0) {
    const verify = await pendingVerification(ctx, plan.digest);
    if (verify) plan.verify = verify;
  }
  return { plan, prepared };
}

/**
 * Why apply must still run the post-checks of a plan without changes, if it must: another stage promotes from this one
 * and the digest has not passed them here; or the stage's newest run ended `failed` (a post-check failed under
 * `rollback: manual`, or a step failed after its writes) — live matches the release, so the plan is empty, but nothing
 * has passed the post-checks since: a re-run of apply said "No changes" (exit 0) without checking. Not tied to the
 * digest: an edit that changes nothing live (a comment in turnctl.yaml) does not make the failure go away.
 */
async function pendingVerification(ctx: Ctx, digest: string): Promise<string | undefined> {
  const { promotionVerificationNeeded } = await import('../checks/staging-verified.js');
  const promotion = await promotionVerificationNeeded(ctx, digest);
  if (promotion) return promotion;
  const { listRuns, ranChecksOnly, readJournal } = await import('./journal.js');
  // Newest first: a run that passed the post-checks settles it; one that only ran them and did not pass (failed, or
  // died and was unlocked) leaves the question to the run before it; the newest run that changed the stage decides.
  for (const r of await listRuns(ctx)) {
    const j = await readJournal(ctx, r.key);
    if (!j) continue;
    if (j.postChecksPassed) return undefined;
    if (ranChecksOnly(j)) continue;
    if (j.status !== 'failed') return undefined;
    return `the stage's newest change, run ${j.run} (release ${j.release}), failed and was not rolled back${j.failedCheck ? ` (post-check ${j.failedCheck})` : ''}, and no run has passed the post-checks since: apply runs them and records the run (nothing else is changed)`;
  }
  return undefined;
}

/** Total number of changes in a plan. */
export const changeCount = (plan: Plan) => plan.summary.create + plan.summary.update + plan.summary.delete;

/** The keys `release plan --out` writes (types.ts Plan / PlanStep). */
const PLAN_KEYS = ['version', 'release', 'stage', 'digest', 'createdAt', 'summary', 'steps', 'orderNote', 'warnings', 'verify'] as const satisfies ReadonlyArray<keyof Plan>;
const STEP_KEYS = ['section', 'changes', 'fingerprint'] as const satisfies ReadonlyArray<keyof PlanStep>;

/** The parsed file of each plan read by readPlanFile, so later refusals can name its file:line. */
const planSources = new WeakMap<Plan, { error(path: Array<string | number>, problem: string): Error }>();

/** Reads a saved plan file; refuses a version it does not know. */
export async function readPlanFile(file: string): Promise<Plan> {
  const { readYamlFile } = await import('../config/yaml-file.js');
  const src = readYamlFile(file);
  const v = src.value as Partial<Plan> | null;
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw src.error([], 'not a turnctl plan (expected a JSON object from release plan --out)');
  if (v.version !== 1) throw src.error(['version'], `plan version ${JSON.stringify(v.version)} is not supported; this turnctl reads version 1 — re-run release plan --out`);
  for (const key of ['release', 'stage', 'digest'] as const) if (typeof v[key] !== 'string') throw src.error([key], `plan has no "${key}"; re-run release plan --out`);
  if (!Array.isArray(v.steps)) throw src.error(['steps'], 'plan has no "steps" list; re-run release plan --out');
  v.steps.forEach((s, i) => {
    if (!s || typeof s.section !== 'string' || !Array.isArray(s.changes) || typeof s.fingerprint !== 'string') throw src.error(['steps', i], 'malformed plan step (needs section, changes, fingerprint); re-run release plan --out');
  });
  // Unknown keys are refused as in every other input file: a hand-edited plan is not the plan that was reviewed.
  const unknown = (obj: object, known: readonly string[], at: Array<string | number>) => {
    const k = Object.keys(obj).find((key) => !known.includes(key));
    if (k !== undefined) throw src.error([...at, k], `unknown key "${[...at, k].join('.')}" in a saved plan; re-run release plan --out instead of editing it`);
  };
  unknown(v, PLAN_KEYS, []);
  v.steps.forEach((s, i) => unknown(s, STEP_KEYS, ['steps', i]));
  // apply compares live with each step's fingerprint, not with the changes listed: a change edited in the file (what a
  // reviewer reads) would be applied as it was planned, not as it reads. Each step's changes must still hash to it.
  v.steps.forEach((s, i) => {
    if (fingerprintOf(s.changes) !== s.fingerprint)
      throw src.error(['steps', i, 'changes'], `the changes of step ${s.section} do not match its fingerprint (the plan was edited); re-run release plan --out instead of editing it`);
  });
  planSources.set(v as Plan, src);
  return v as Plan;
}

/** Refuses (invalid input) a saved plan made for another stage or release. */
export function assertPlanFor(saved: Plan, stage: string, release: string, file: string): void {
  const shown = relative(process.cwd(), file) || file;
  const src = planSources.get(saved);
  const wrong = (key: 'stage' | 'release', problem: string) => (src ? src.error([key], problem) : new InvalidInputError(shown, problem));
  if (saved.stage !== stage) throw wrong('stage', `plan is for stage ${saved.stage}, not ${stage}; make one for this stage with release plan --out`);
  if (saved.release !== release) throw wrong('release', `plan is for release ${saved.release}, not ${release}; make one for this release with release plan --out`);
}

/** Refuses a saved plan that is for another release/stage or whose live state moved on. */
export function assertPlanFresh(saved: Plan, fresh: Plan, file: string): void {
  const shown = relative(process.cwd(), file) || file;
  assertPlanFor(saved, fresh.stage, fresh.release, file);
  if (saved.digest !== fresh.digest) throw new TurnctlError(`${shown}: stale plan — the release's files changed since it was made (digest ${saved.digest.slice(0, 19)} → ${fresh.digest.slice(0, 19)}); run release plan again`);
  for (const s of fresh.steps) {
    const old = saved.steps.find((x) => x.section === s.section);
    if ((old?.fingerprint ?? fingerprintOf([])) !== s.fingerprint)
      throw new TurnctlError(`${shown}: stale plan — live state of ${s.section} changed since the plan was made; run release plan again`);
  }
}
