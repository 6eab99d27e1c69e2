import { hostname, userInfo } from 'node:os';
import type { Ctx } from '../context.js';
import { LockHeldError, isAwsError } from '../errors.js';
import { readStateJson, writeStateJson } from '../state/bucket.js';

export const LOCK_KEY = 'locks/apply';
/** A lock older than this is reported as stale (its apply probably died); it is never broken silently. */
export const LOCK_TTL_MS = 30 * 60 * 1000;

/** The content of locks/apply: who holds the stage. */
export interface LockBody {
  holder: string;
  run: string;
  release: string;
  host: string;
  pid: number;
  acquiredAt: string;
  expiresAt: string;
}

/** Who we are, for the lock and the journal (TURNCTL_HOLDER overrides, e.g. a CI job id). */
export function holderName(): string {
  if (process.env.TURNCTL_HOLDER) return process.env.TURNCTL_HOLDER;
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    /* no passwd entry */
  }
  return `${user}@${hostname()} (pid ${process.pid})`;
}

export function lockBody(run: string, release: string, now = new Date()): LockBody {
  return { holder: holderName(), run, release, host: hostname(), pid: process.pid, acquiredAt: now.toISOString(), expiresAt: new Date(now.getTime() + LOCK_TTL_MS).toISOString() };
}

/**
 * The current lock, if any. A lock object turnctl cannot read still holds the stage (it exists, so the conditional
 * put fails): it is reported as held by an unknown holder, so that `release unlock --yes` can remove it.
 */
export async function readLock(ctx: Ctx): Promise<LockBody | undefined> {
  let body: Partial<LockBody> | undefined;
  try {
    body = await readStateJson<Partial<LockBody>>(ctx, LOCK_KEY);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    body = {};
  }
  if (body === undefined) return undefined;
  if (body && typeof body === 'object' && ['holder', 'run', 'release', 'host', 'acquiredAt', 'expiresAt'].every((k) => typeof body[k as keyof LockBody] === 'string') && typeof body.pid === 'number')
    return body as LockBody;
  const unknown = 'unknown';
  return { holder: `an unreadable lock object (s3://${ctx.names.stateBucket}/${LOCK_KEY})`, run: unknown, release: unknown, host: unknown, pid: UNREADABLE_PID, acquiredAt: unknown, expiresAt: new Date(0).toISOString() };
}

/** The pid of the stand-in for a lock object turnctl cannot read. */
const UNREADABLE_PID = -1;

/** Describes a held lock in one line with the way out. */
export function describeLock(ctx: Ctx, lock: LockBody, now = Date.now()): string {
  if (lock.pid === UNREADABLE_PID)
    return `stage ${ctx.stage.name} is locked by ${lock.holder}; no apply can take the stage while it exists: remove it with turnctl release unlock --stage ${ctx.stage.name} --yes`;
  const held = `stage ${ctx.stage.name} is locked by ${lock.holder} (run ${lock.run}, release ${lock.release}, since ${lock.acquiredAt})`;
  // On this host the holder can be seen: a dead one is not something to wait for (a rollback that died is finished by
  // release rollback; resume says so).
  if (lock.host === hostname() && !holderAlive(lock))
    return `${held} — its process (pid ${lock.pid}) is no longer running on this host; finish it: turnctl release resume --stage ${ctx.stage.name}, or undo it: turnctl release rollback ${lock.run} --stage ${ctx.stage.name}`;
  const stale = Date.parse(lock.expiresAt) < now;
  return `${held}${stale ? ' — the lock is older than its TTL, so that apply probably died' : ''}; wait for it, or if it died run: turnctl release resume --stage ${ctx.stage.name} (or release unlock --stage ${ctx.stage.name} --yes)`;
}

/** Takes the stage's lock with a conditional put (If-None-Match: *); a held lock is refused naming its holder. */
export async function acquireLock(ctx: Ctx, body: LockBody): Promise<void> {
  try {
    await writeStateJson(ctx, LOCK_KEY, body, { IfNoneMatch: '*' });
  } catch (err) {
    if (!isAwsError(err, 'PreconditionFailed', 'ConditionalRequestConflict')) throw err;
    const held = await readLock(ctx);
    throw new LockHeldError(held ? describeLock(ctx, held) : `stage ${ctx.stage.name} is locked by another apply`);
  }
}

/** Replaces the lock of a dead run with ours (resume / rollback of that run). */
export async function takeOverLock(ctx: Ctx, expectedRun: string, body: LockBody): Promise<void> {
  const held = await readLock(ctx);
  if (held && held.run !== expectedRun) throw new LockHeldError(describeLock(ctx, held));
  if (!held) return acquireLock(ctx, body);
  await writeStateJson(ctx, LOCK_KEY, body);
}

/** Releases the lock if it is ours (by run id). */
export async function releaseLock(ctx: Ctx, run: string): Promise<void> {
  const held = await readLock(ctx);
  if (held && held.run !== run) return;
  await deleteLock(ctx);
}

/** Deletes the lock whoever holds it (`release unlock --yes`). */
export async function deleteLock(ctx: Ctx): Promise<void> {
  const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
  const s3 = await ctx.aws.s3();
  await s3.send(new DeleteObjectCommand({ Bucket: ctx.names.stateBucket, Key: LOCK_KEY }));
}

/** True when the lock's process is alive on this host (then resume must not take it over). */
export function holderAlive(lock: LockBody): boolean {
  if (lock.host !== hostname()) return false;
  try {
    process.kill(lock.pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Why resume/rollback may not take over a run's lock, or undefined when it may. A holder alive on this host is
 * running; a holder on another host cannot be seen from here, so its lock is only taken over once it is older than
 * its TTL, or with --force (the user says that apply is dead).
 */
export function takeOverRefusal(ctx: Ctx, lock: LockBody, force = false, now = Date.now()): string | undefined {
  if (lock.pid === process.pid && lock.host === hostname()) return undefined;
  if (holderAlive(lock)) return `run ${lock.run} is still running (${lock.holder}); wait for it to finish`;
  if (lock.host === hostname() || force || Date.parse(lock.expiresAt) < now) return undefined;
  return `run ${lock.run} is held by ${lock.holder} on host ${lock.host} since ${lock.acquiredAt}, and turnctl cannot see from here whether that apply is still running; wait for it (the lock expires at ${lock.expiresAt}), or if it died pass --force (stage ${ctx.stage.name})`;
}
