import type { Ctx } from '../context.js';
import { mapLimit } from '../aws/clients.js';
import { listStateKeys, readStateJson } from '../state/bucket.js';
import type { AuditEntry } from '../state/audit.js';

/** The kinds (areas) of audit entries turnctl writes: `audit/<kind>/` in the state bucket. */
export const AUDIT_KINDS = ['users', 'legal'] as const;

/** One row of `turnctl audit`: an audit entry, its area named `kind`. */
export interface AuditRow {
  at: string;
  who: string;
  kind: string;
  action: string;
  target: string;
  details?: Record<string, unknown>;
}

/** What `turnctl audit` found: entries newest first, and the keys that could not be read as an entry. */
export interface AuditListing {
  entries: AuditRow[];
  unreadable: string[];
}

export interface AuditQuery {
  /** Only entries at or after this time. */
  since?: Date;
  /** Only these kinds (default: all). */
  kinds?: readonly string[];
}

/**
 * The time an entry's key was written at (`audit/<kind>/<at with : and . as ->-<rand>.json`), or undefined for a key
 * of another shape. Lets `--since` skip old entries without fetching them.
 */
export function keyTime(key: string): number | undefined {
  const m = /\/(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z-[^/]*\.json$/.exec(key);
  if (!m) return undefined;
  const t = Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`);
  return Number.isNaN(t) ? undefined : t;
}

/** `turnctl audit`: the stage's audit entries (every page of the listing), filtered, newest first. Read-only. */
export async function listAudit(ctx: Ctx, query: AuditQuery = {}): Promise<AuditListing> {
  const prefixes = query.kinds?.length ? [...new Set(query.kinds)].map((k) => `audit/${k}/`) : ['audit/'];
  const since = query.since?.getTime();
  const keys: string[] = [];
  for (const prefix of prefixes) {
    for (const { key } of await listStateKeys(ctx, prefix)) {
      const t = keyTime(key);
      // A key whose time cannot be read is fetched anyway; the entry's own `at` decides.
      if (since !== undefined && t !== undefined && t < since) continue;
      if (key.endsWith('.json')) keys.push(key);
    }
  }
  const unreadable: string[] = [];
  const read = await mapLimit(keys, ctx.concurrency, async (key) => {
    const row = toRow(key, await readEntry(ctx, key));
    if (!row) unreadable.push(key);
    return row;
  });
  const entries = read
    .filter((r): r is AuditRow => Boolean(r))
    .filter((r) => since === undefined || Date.parse(r.at) >= since)
    .sort((a, b) => (a.at === b.at ? 0 : a.at < b.at ? 1 : -1));
  return { entries, unreadable: unreadable.sort() };
}

/** The stored entry, or undefined when the object is gone or not JSON. */
async function readEntry(ctx: Ctx, key: string): Promise<Partial<AuditEntry> | undefined> {
  try {
    return await readStateJson<Partial<AuditEntry>>(ctx, key);
  } catch (err) {
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
}

/** An entry as a row; undefined when it lacks what every entry has (when, who, what). */
function toRow(key: string, e: Partial<AuditEntry> | undefined): AuditRow | undefined {
  if (!e || typeof e !== 'object' || typeof e.at !== 'string' || Number.isNaN(Date.parse(e.at)) || typeof e.action !== 'string') return undefined;
  const kind = typeof e.area === 'string' ? e.area : key.split('/')[1]!;
  return {
    at: e.at,
    who: typeof e.who === 'string' ? e.who : 'unknown',
    kind,
    action: e.action,
    target: typeof e.target === 'string' ? e.target : '',
    ...(e.details && typeof e.details === 'object' ? { details: e.details } : {}),
  };
}
