import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Knex } from 'knex';
import type { Ctx } from '../context.js';
import type { DatabaseStageConfig } from '../config/sections/database.js';
import { InvalidInputError, TurnctlError } from '../errors.js';
import { foldLines } from './core.js';
import { rememberSecret } from '../secrets/known.js';

/** The stage's database connection config, or undefined when the stage has none (sandbox stages default to PGlite). */
export function stageDatabase(ctx: Ctx): DatabaseStageConfig | undefined {
  return ctx.stack.database?.stages[ctx.stage.name];
}

/** The migrations directory (absolute). */
export function migrationsDir(ctx: Ctx): string {
  return resolve(ctx.project.dir, ctx.stack.database?.migrations ?? 'db/migrations');
}

/** The local seeds directory (absolute). */
export function seedsDir(ctx: Ctx): string {
  return resolve(ctx.project.dir, ctx.stack.database?.seeds ?? 'db/seeds/local');
}

/** The default PGlite directory of a sandbox stage. */
export function pgliteDir(ctx: Ctx): string {
  return join(ctx.stateDir, 'pglite', ctx.stage.name);
}

/**
 * DATABASE_URL of a sandbox stage's functions: `pglite://<dir>` (absolute), or the stage's plain configured URL.
 * PGlite allows one process at a time: a function and turnctl must not hold the directory open together.
 */
export function localDatabaseUrl(ctx: Ctx): string {
  if (!ctx.stage.sandbox) throw new TurnctlError(`localDatabaseUrl: stage ${ctx.stage.name} is not a sandbox stage; its functions get DATABASE_URL from turnctl.yaml`);
  const url = stageDatabase(ctx)?.url;
  if (typeof url === 'string') return url.startsWith('pglite://') ? `pglite://${pglitePath(ctx, url)}` : url;
  return `pglite://${pgliteDir(ctx)}`;
}

function pglitePath(ctx: Ctx, url: string): string {
  const p = url.slice('pglite://'.length);
  return isAbsolute(p) ? p : resolve(ctx.project.dir, p);
}

/** Where the database is, resolved: never print `url`; `label` is the safe description for messages. */
export type DbTarget = { kind: 'pglite'; dir: string; label: string; extensions?: string[]; /** turnctl.yaml:line of each extension, for errors. */ extensionsAt?: string[] } | { kind: 'pg'; url: string; label: string; secrets: string[] };

function pgliteExtensions(ctx: Ctx): { extensions: string[]; extensionsAt: string[] } {
  const extensions = ctx.stack.database?.pgliteExtensions ?? [];
  return { extensions, extensionsAt: extensions.map((_, i) => ctx.project.file.where(['database', 'pgliteExtensions', i])) };
}

/**
 * Loads the PGlite contrib extensions of a target (imports only: no database is opened or created). Also run when a
 * fresh PGlite directory is only read, so a misspelt name is refused when planning, not by the database step mid-apply.
 */
export async function loadPgliteExtensions(target: Extract<DbTarget, { kind: 'pglite' }>): Promise<Record<string, unknown>> {
  const extensions: Record<string, unknown> = {};
  for (const [i, name] of (target.extensions ?? []).entries()) {
    try {
      extensions[name] = ((await import(`@electric-sql/pglite/contrib/${name}`)) as Record<string, unknown>)[name];
    } catch {
      throw new InvalidInputError(target.extensionsAt?.[i], `database.pgliteExtensions: "${name}" is not a PGlite contrib extension; see @electric-sql/pglite/contrib for the names`);
    }
  }
  return extensions;
}

/** Where in turnctl.yaml the stage's database is configured (for errors). */
function configWhere(ctx: Ctx, ...rest: string[]): string {
  return ctx.project.file.where(['database', 'stages', ctx.stage.name, ...rest]);
}

/** Resolves the stage's connection (SSM / Secrets Manager references decrypted in memory only). */
export async function resolveTarget(ctx: Ctx): Promise<DbTarget> {
  const cfg = stageDatabase(ctx);
  if (!cfg?.url) {
    if (ctx.stage.sandbox) return { kind: 'pglite', dir: pgliteDir(ctx), label: `PGlite ${pgliteDir(ctx)}`, ...pgliteExtensions(ctx) };
    throw new InvalidInputError(ctx.project.file.where(['database']), `stage ${ctx.stage.name} has no database; add database.stages.${ctx.stage.name}.url (a URL, {ssm: name} or {secret: id, key})`);
  }
  const source = typeof cfg.url === 'string' ? 'turnctl.yaml' : 'ssm' in cfg.url ? `ssm:${cfg.url.ssm}` : `secret:${cfg.url.secret}${cfg.url.key ? `#${cfg.url.key}` : ''}`;
  const { resolveValue } = await import('../secrets/resolve.js');
  const url = (await resolveValue(ctx, cfg.url, configWhere(ctx, 'url'))).trim();
  if (url.startsWith('pglite://')) {
    const dir = pglitePath(ctx, url);
    return { kind: 'pglite', dir, label: `PGlite ${dir}`, ...pgliteExtensions(ctx) };
  }
  if (!/^postgres(?:ql)?:\/\//.test(url))
    throw new InvalidInputError(configWhere(ctx, 'url'), `the database URL of stage ${ctx.stage.name} (from ${source}) is not a postgres:// or pglite:// URL; fix the value (it is not shown)`);
  // pg parses the URL with WHATWG URL and says only "Invalid URL": typically a generated password holding / ? or #.
  if (!URL.canParse(url))
    throw new InvalidInputError(configWhere(ctx, 'url'), `the database URL of stage ${ctx.stage.name} (from ${source}) does not parse as a URL; percent-encode the characters / ? # @ : and space in its user name and password (e.g. / as %2F), then run again (the value is not shown)`);
  const secrets = credentialsOf(url);
  // Process-wide too: the password alone, or user:password, is then scrubbed from every output, not only db errors.
  for (const s of secrets) rememberSecret(s);
  return { kind: 'pg', url, label: `the ${ctx.stage.name} database (${source})`, secrets };
}

/** The strings that must never appear in output: the URL, its password and user:password, raw and decoded. */
export function credentialsOf(url: string): string[] {
  const out = new Set<string>([url]);
  try {
    const u = new URL(url);
    if (u.password) for (const p of [u.password, decodeURIComponent(u.password)]) out.add(p), out.add(`${u.username}:${p}`);
  } catch {
    // not parseable: the whole URL is masked
  }
  return [...out].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
}

/** Replaces credentials in a message with `***`. */
export function maskCredentials(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('***');
  // Last line of defence: any URL with inline credentials.
  return out.replace(/(postgres(?:ql)?:\/\/)[^\s/@]*@/g, '$1***@');
}

// PGlite allows one connection per directory: serialise use within this process, and open → work → close.
const dirLocks = new Map<string, Promise<unknown>>();

/** turnctl's cache directory (TURNCTL_CACHE_DIR, else $XDG_CACHE_HOME/turnctl or ~/.cache/turnctl). */
function cacheDir(): string {
  return process.env.TURNCTL_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'turnctl');
}

function pgliteVersion(): string {
  const require = createRequire(import.meta.url);
  let d = dirname(require.resolve('@electric-sql/pglite'));
  while (!existsSync(join(d, 'package.json')) && dirname(d) !== d) d = dirname(d);
  return (JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Creates a new PGlite directory by copying a pristine, cached cluster: PGlite's initdb (in WASM) takes ~10 s,
 * a copy well under one. The template is built once per PGlite version, atomically (build aside, then rename).
 */
async function createPgliteDir(dir: string): Promise<void> {
  const template = join(cacheDir(), `pglite-${pgliteVersion()}`);
  if (!existsSync(join(template, 'PG_VERSION'))) {
    const building = `${template}.${process.pid}.${Date.now()}`;
    mkdirSync(dirname(building), { recursive: true });
    const { PGlite } = await import('@electric-sql/pglite');
    const db = new PGlite(building);
    await db.waitReady;
    await db.close();
    try {
      renameSync(building, template);
    } catch {
      rmSync(building, { recursive: true, force: true }); // another process won the race
    }
  }
  mkdirSync(dirname(dir), { recursive: true });
  cpSync(template, dir, { recursive: true });
}

// knex logs migration failures to the console; turnctl reports errors itself (stdout is for results only).
const quietLog = { warn() {}, error() {}, deprecate() {}, debug() {} };

async function open(target: DbTarget): Promise<{ knex: Knex; close(): Promise<void> }> {
  const { default: knex } = await import('knex');
  if (target.kind === 'pglite') {
    const { default: ClientPgLite } = await import('knex-pglite');
    if (!existsSync(join(target.dir, 'PG_VERSION'))) await createPgliteDir(target.dir);
    const extensions = await loadPgliteExtensions(target);
    const { PGlite } = await import('@electric-sql/pglite');
    const pglite = await PGlite.create(target.dir, { extensions: extensions as Record<string, never> });
    const k = knex({ client: ClientPgLite as unknown as typeof Knex.Client, dialect: 'postgres', connection: (() => ({ pglite })) as never, log: quietLog });
    // knex closes PGlite only when it acquired it; close it in any case (the directory must be free afterwards).
    return { knex: k, close: async () => (await k.destroy(), pglite.closed ? undefined : pglite.close()) };
  }
  const k = knex({ client: 'pg', connection: { connectionString: target.url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS }, pool: { min: 0, max: 2 }, log: quietLog });
  return { knex: k, close: () => k.destroy() };
}

/** True when a Postgres error says the database does not exist. */
export function isMissingDatabase(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === '3D000';
}

/**
 * Opens the database, runs `fn`, and closes it again (PGlite directories must not stay open). Errors are rethrown
 * as one line with credentials masked, naming the database by its safe label.
 */
export async function withKnex<T>(target: DbTarget, fn: (knex: Knex) => Promise<T>): Promise<T> {
  const key = target.kind === 'pglite' ? target.dir : '';
  const previous = (key && dirLocks.get(key)) || Promise.resolve();
  const run = previous.catch(() => undefined).then(async () => {
    const db = await open(target);
    try {
      return await fn(db.knex);
    } finally {
      await db.close();
    }
  });
  if (key) dirLocks.set(key, run.catch(() => undefined));
  try {
    return await run;
  } catch (err) {
    throw dbError(target, err);
  }
}

/** How long pg waits for a connection (and its authentication) before giving up. */
const CONNECT_TIMEOUT_MS = 15000;
/** Node's codes for a connection nobody answered. */
const UNANSWERED = ['ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'];

/** Node's codes for a TLS certificate it cannot verify against its CAs. */
const UNTRUSTED_CERTIFICATE = ['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'];

/** The fix to add to a database error, by what went wrong ('' when there is nothing to add). */
function fixFor(err: unknown, raw: string): string {
  const code = (err as { code?: string } | null)?.code ?? '';
  if (isMissingDatabase(err)) return '; create the database first';
  if (code === 'ECONNREFUSED') return '; is the database running and reachable from here (else use via: lambda)?';
  // pg gives up after connectionTimeoutMillis with a bare "timeout expired": typically a database in a private subnet,
  // whose packets are dropped rather than refused.
  if (UNANSWERED.includes(code) || /^timeout expired$|connection timeout/i.test(raw))
    return `; the database did not answer (pg waits ${CONNECT_TIMEOUT_MS / 1000} s): is it reachable from here (a private subnet, a security group)? Else use via: lambda`;
  if (code === 'ENOTFOUND') return '; the host name of the URL does not resolve from here: check it';
  // pg verifies the server (sslmode=require is verify-full there), and Node does not ship the RDS CAs.
  if (UNTRUSTED_CERTIFICATE.includes(code))
    return `; the server's TLS certificate is not trusted here (${code}): for RDS, point NODE_EXTRA_CA_CERTS at the RDS CA bundle (https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem) or add sslrootcert=<that file> to the URL`;
  return '';
}

/** A one-line, credential-free error about the database. */
export function dbError(target: DbTarget, err: unknown): TurnctlError {
  if (err instanceof TurnctlError) return err;
  const secrets = target.kind === 'pg' ? target.secrets : [];
  const raw = err instanceof Error ? err.message : String(err);
  // One line, but the whole of it: knex puts a multi-line SQL statement before the driver's reason.
  const msg = maskCredentials(foldLines(raw), secrets);
  const hint = fixFor(err, raw);
  return new TurnctlError(`database error on ${target.label}: ${msg}${hint}`, { cause: err });
}
