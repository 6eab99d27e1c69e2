import { randomBytes } from 'node:crypto';
import type { Ctx } from '../context.js';
import { ensureStateBucket, listStateKeys, readStateJson, writeStateJson } from './bucket.js';

/** One audit entry: who (the caller's STS identity), when, what. Never holds secrets. */
export interface AuditEntry {
  at: string;
  who: string;
  area: string;
  action: string;
  target: string;
  details?: Record<string, unknown>;
}

/** The caller's STS identity (ARN), cached per context. */
const identities = new WeakMap<Ctx, Promise<string>>();
export function callerIdentity(ctx: Ctx): Promise<string> {
  let p = identities.get(ctx);
  if (!p) {
    p = (async () => {
      const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
      const sts = await ctx.aws.sts();
      const id = await sts.send(new GetCallerIdentityCommand({}));
      return id.Arn ?? id.UserId ?? 'unknown';
    })();
    identities.set(ctx, p);
  }
  return p;
}

/** Per context: the state bucket is there (or was created) and the caller is known. */
const ready = new WeakMap<Ctx, Promise<void>>();

/**
 * Makes sure the audit log can take an entry: the state bucket exists (created when missing) and the caller's STS
 * identity is known. Called before a change, so a caller who cannot reach the log (no access to the state bucket,
 * cannot create it) is refused before anything changes, not after — a change made and then left out of the log
 * would be reported as a failure, and a re-run would find nothing to do and log nothing. Once per context.
 */
export function readyAudit(ctx: Ctx): Promise<void> {
  let p = ready.get(ctx);
  if (!p) {
    p = (async () => {
      await ensureStateBucket(ctx);
      await callerIdentity(ctx);
    })();
    p.catch(() => ready.delete(ctx));
    ready.set(ctx, p);
  }
  return p;
}

/** Appends an entry to the stage's audit log (one object per entry under audit/<area>/, so appends never race). */
export async function appendAudit(ctx: Ctx, entry: Omit<AuditEntry, 'at' | 'who'>): Promise<AuditEntry> {
  await readyAudit(ctx);
  const full: AuditEntry = { at: new Date().toISOString(), who: await callerIdentity(ctx), ...entry };
  const key = `audit/${entry.area}/${full.at.replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}.json`;
  await writeStateJson(ctx, key, full);
  return full;
}

/** Reads the audit log of an area, oldest first. */
export async function readAudit(ctx: Ctx, area: string): Promise<AuditEntry[]> {
  const keys = (await listStateKeys(ctx, `audit/${area}/`)).map((k) => k.key).sort();
  const entries = await Promise.all(keys.map((k) => readStateJson<AuditEntry>(ctx, k)));
  return entries.filter((e): e is AuditEntry => Boolean(e));
}
