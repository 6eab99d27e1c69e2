import { Logger } from '@aws-lambda-powertools/logger';
import type { Knex } from 'knex';
// The knex entry point pulls in every dialect (mysql, mssql, oracle, sqlite…) through its dialect map; building the
// instance from make-knex + the postgres client keeps ~140 KB of unused dialect code out of each bundle.
import makeKnex from 'knex/lib/knex-builder/make-knex.js';
import ClientPG from 'knex/lib/dialects/postgres/index.js';
import { logLevelFromEnv } from './env.js';
import { ConfigError } from './errors.js';
import { onInvocationEnd } from './invocation-hooks.js';

/** URL scheme of the embedded database of the `local` stage: `pglite://<absolute dir>` or `pglite://memory`. */
export const PGLITE_SCHEME = 'pglite://';

/**
 * Modules every database function must leave out of its bundle (`external:` in turnctl.yaml): they are loaded only on
 * the `local` stage, from the repo's node_modules, and PGlite alone would put a zip far over Lambda's 150 KB budget.
 */
export const BUNDLE_EXTERNALS = ['@electric-sql/pglite', 'knex-pglite'] as const;

/** Fail fast when the database is unreachable instead of knex's 60 s default. */
const CONNECT_TIMEOUT_MS = 3000;
const ACQUIRE_TIMEOUT_MS = 5000;

/**
 * Server-side limits of every statement of an API request, below the functions' 10 s timeout (and API Gateway's 29 s):
 * a request stuck behind another transaction's lock (two overlapping subscriptions) or a runaway query ends as a 503
 * the client may retry (Postgres cancels it: 55P03 / 57014), not as a Lambda timeout that leaves the connection busy.
 * 0 turns a limit off (the migrate function: a migration may legitimately run for minutes).
 */
export interface DatabaseLimits {
  statementTimeoutMs: number;
  lockTimeoutMs: number;
}
let limits: DatabaseLimits = { statementTimeoutMs: 8000, lockTimeoutMs: 3000 };

/** Sets the limits of connections opened from now on (at module load of a function, or in tests before opening). */
export function configureDatabase(next: Partial<DatabaseLimits>): void {
  limits = { ...limits, ...next };
}

/** Opens a knex instance for a DATABASE_URL: `pg` for postgres:// URLs, PGlite (loaded only then) for pglite:// ones. */
export async function openKnex(url: string): Promise<Knex> {
  if (url.startsWith(PGLITE_SCHEME)) return openPglite(url.slice(PGLITE_SCHEME.length));
  if (!/^postgres(ql)?:\/\//.test(url)) throw new ConfigError('DATABASE_URL must be a postgres:// or pglite:// URL');
  return makeKnex(
    new ClientPG({
      client: 'pg',
      connection: {
        connectionString: url,
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        ...(limits.statementTimeoutMs > 0 ? { statement_timeout: limits.statementTimeoutMs } : {}),
        ...(limits.lockTimeoutMs > 0 ? { lock_timeout: limits.lockTimeoutMs } : {}),
      },
      // One request at a time per Lambda container: a transaction plus one spare is all it ever needs.
      pool: { min: 0, max: 2 },
      acquireConnectionTimeout: ACQUIRE_TIMEOUT_MS,
      log: knexLog(),
    }),
  );
}

/** knex's own warnings (e.g. a dropped connection) as structured log lines instead of bare console output. */
function knexLog() {
  const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'turn', logLevel: logLevelFromEnv(), persistentKeys: { component: 'knex' } });
  const text = (m: unknown) => (m instanceof Error ? m.message : String(m));
  return {
    warn: (m: unknown) => logger.warn(text(m)),
    error: (m: unknown) => logger.error(text(m)),
    deprecate: (method: string, alternative: string) => logger.warn(`${method} is deprecated; use ${alternative}`),
    debug: (m: unknown) => logger.debug(text(m)),
  };
}

async function openPglite(location: string): Promise<Knex> {
  const dataDir = location === 'memory' || location === '' ? undefined : location;
  if (dataDir !== undefined && !dataDir.startsWith('/')) throw new ConfigError(`DATABASE_URL ${PGLITE_SCHEME}<dir> needs an absolute directory, got "${location}"`);
  // Not bundled (size): resolved at run time from the repo's node_modules, which only the local invoker and tests have.
  const [{ PGlite }, { btree_gist }, { default: ClientPGLite }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite/contrib/btree_gist'),
    import('knex-pglite'),
  ]);
  // btree_gist backs the subscriptions overlap constraint; every opener of the data dir must load it.
  // A fresh local stage has no data directory yet (PGlite creates only the last path segment).
  if (dataDir) (await import('node:fs')).mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir, { extensions: { btree_gist } });
  return makeKnex(new ClientPGLite({ client: 'pg', connection: () => ({ pglite }), log: knexLog() }));
}

/** How long an embedded (PGlite) database may sit idle after an invocation before it is closed. */
const EMBEDDED_IDLE_CLOSE_MS = 500;

interface Opened {
  url: string;
  knex: Promise<Knex>;
  embedded: boolean;
}

let current: Opened | undefined;
let closing: Promise<void> = Promise.resolve();
let idleTimer: NodeJS.Timeout | undefined;

/** The container's one knex instance for DATABASE_URL, opened on first use; a failed open is retried next time. */
export function database(): Promise<Knex> {
  clearTimeout(idleTimer);
  const url = process.env.DATABASE_URL?.trim();
  if (!url) return Promise.reject(new ConfigError('DATABASE_URL is not set'));
  if (current?.url !== url) {
    void closeDatabase();
    // A PGlite directory must never be open twice: wait for any close still in progress.
    const opening = closing.then(() => openKnex(url));
    const opened: Opened = { url, knex: opening, embedded: url.startsWith(PGLITE_SCHEME) };
    current = opened;
    opening.catch(() => {
      if (current === opened) current = undefined;
    });
  }
  return current.knex;
}

/** Closes the container's database (tests, an idle embedded database, a change of DATABASE_URL). */
export function closeDatabase(): Promise<void> {
  clearTimeout(idleTimer);
  const closed = current;
  current = undefined;
  if (closed) closing = closing.then(() => closed.knex.then((k) => k.destroy())).catch(() => undefined);
  return closing;
}

/**
 * After an invocation, an embedded (PGlite) database that stays idle is closed: PGlite keeps Postgres's own timers
 * (e.g. the 10 s idle stats flush) and knex's pool reaper alive, so a finished process (a test, a local run) would
 * otherwise linger. The timer is unref'd: it never holds a process up itself. The next call reopens lazily.
 * A pooled server connection (pg) is left alone — Lambda freezes the container between invocations.
 */
function releaseWhenIdle(): void {
  const held = current;
  if (!held?.embedded) return;
  clearTimeout(idleTimer);
  idleTimer = setTimeout(async () => {
    const knex = await held.knex.catch(() => undefined);
    if (current !== held || !knex) return;
    const pool = (knex.client as { pool?: { numUsed(): number; numPendingAcquires(): number } }).pool;
    if (pool && pool.numUsed() + pool.numPendingAcquires() > 0) return releaseWhenIdle();
    void closeDatabase();
  }, EMBEDDED_IDLE_CLOSE_MS);
  idleTimer.unref();
}
onInvocationEnd(releaseWhenIdle);

/** Postgres SQLSTATE of a driver error (pg and PGlite both set `code`). */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
