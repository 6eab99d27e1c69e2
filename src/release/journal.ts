import { randomBytes } from 'node:crypto';
import type { Ctx } from '../context.js';
import type { CheckResult } from '../checks/types.js';
import { StateFileError } from '../errors.js';
import { listStateKeys, readStateJson, writeStateJson } from '../state/bucket.js';
import type { Plan, PlanStep } from './types.js';

/**
 * A run that changed nothing: it only ran the post-checks of a release whose plan had no changes (plan.verify: for a
 * stage that promotes from this one, or after a failed run). It has nothing to roll back, is never "the newest change"
 * to a stage, and reads `verified` once its checks passed.
 */
export function ranChecksOnly(j: Pick<Journal, 'plan'>): boolean {
  const { create, update, delete: del } = j.plan.summary;
  return create + update + del === 0;
}

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'rolling-back' | 'rolled-back' | 'rollback-blocked';
/** `blocked`: rollback could not restore it (a migration without down); a later rollback of the run tries it again. */
export type StepStatus = 'pending' | 'applying' | 'done' | 'failed' | 'restored' | 'blocked';

/** One step's record: its before-state (secret-free) and result, written before and after it runs. */
export interface JournalStep {
  section: PlanStep['section'];
  status: StepStatus;
  changes: number;
  before?: unknown;
  result?: unknown;
  error?: string;
  startedAt?: string;
  finishedAt?: string;
}

/** journal/<release>/<run>.json in the stage's state bucket. Versioned; readers refuse versions they do not know. */
export interface Journal {
  version: 1;
  run: string;
  release: string;
  stage: string;
  digest: string;
  /** The manifest, relative to the project directory (resume reloads it). */
  manifestFile: string;
  holder: string;
  rollbackPolicy: 'auto' | 'manual';
  status: RunStatus;
  startedAt: string;
  finishedAt?: string;
  plan: Plan;
  steps: JournalStep[];
  preChecks: CheckResult[];
  postChecks: CheckResult[];
  postChecksPassed: boolean;
  error?: string;
  failedCheck?: string;
  rollback?: { reason: string; at: string; restored: string[]; kept: string[]; blocked?: string };
}

/**
 * A new, sortable run id: UTC time to the millisecond plus a random suffix (20261203T051222.123Z-a1b2c3). Runs of a
 * stage are serialized by its lock, so two of them never start in the same millisecond; with whole seconds, an apply
 * that followed another within a second could sort before it and `release status` showed the older run.
 */
export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '')}-${randomBytes(3).toString('hex')}`;
}

export const journalKey = (release: string, run: string) => `journal/${release}/${run}.json`;

/** Writes the journal (the whole document; S3 puts are atomic). */
export async function saveJournal(ctx: Ctx, j: Journal): Promise<void> {
  await writeStateJson(ctx, journalKey(j.release, j.run), j);
}

/** Reads one run's journal; refuses a version it does not know. */
export async function readJournal(ctx: Ctx, key: string): Promise<Journal | undefined> {
  const where = `s3://${ctx.names.stateBucket}/${key}`;
  let j: Journal | undefined;
  try {
    j = await readStateJson<Journal>(ctx, key);
  } catch (err) {
    if (err instanceof SyntaxError) throw new StateFileError(`${where} is not valid JSON (${err.message}); the journal is damaged: restore it from the bucket's versions, or delete it`, { cause: err });
    throw err;
  }
  if (j && (typeof j !== 'object' || j.version !== 1))
    throw new StateFileError(`${where} has journal version ${JSON.stringify((j as { version?: unknown })?.version)}; this turnctl reads version 1 — upgrade turnctl`);
  return j;
}

/** Every run of the stage, newest first. */
export async function listRuns(ctx: Ctx): Promise<Array<{ key: string; release: string; run: string }>> {
  const keys = await listStateKeys(ctx, 'journal/');
  return keys
    .map((k) => {
      const m = /^journal\/(.+)\/([^/]+)\.json$/.exec(k.key);
      return m ? { key: k.key, release: m[1]!, run: m[2]! } : undefined;
    })
    .filter((x): x is { key: string; release: string; run: string } => Boolean(x))
    .sort((a, b) => b.run.localeCompare(a.run));
}

/** A run's journal by id (or the newest run when `run` is undefined). */
export async function findRun(ctx: Ctx, run?: string): Promise<Journal | undefined> {
  const runs = await listRuns(ctx);
  const hit = run ? runs.find((r) => r.run === run) : runs[0];
  return hit ? readJournal(ctx, hit.key) : undefined;
}
