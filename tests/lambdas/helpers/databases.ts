import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll } from 'vitest';
import { closeDatabase, openKnex } from '../../../src/lambdas/lib/db.js';
import { captureOutput } from './output.js';
import { freePort } from '../../../src/sandbox/sandbox.js';
import { startPostgres, type PgServer } from '../../helpers/postgres.js';

const REPO = resolve(import.meta.dirname, '../../..');
export const MIGRATIONS_DIR = join(REPO, 'db', 'migrations');
export const SEEDS_DIR = join(REPO, 'db', 'seeds', 'local');

/** The knex migrator options turnctl's CLI uses: the plain-JS migrations of db/migrations. */
export const DIRECTORY_MIGRATIONS: Knex.MigratorConfig = { directory: MIGRATIONS_DIR, loadExtensions: ['.mjs'] };

/** A database the functions can be pointed at (DATABASE_URL), migrated, and thrown away afterwards. */
export interface TestDatabase {
  readonly kind: 'pglite' | 'postgres';
  readonly url: string;
  dispose(): Promise<void>;
}

/** The two backends every database test runs against. */
export const BACKENDS = [
  { kind: 'pglite' as const, create: (opts?: DatabaseOptions) => pgliteDatabase(opts) },
  { kind: 'postgres' as const, create: (opts?: DatabaseOptions) => postgresDatabase(opts) },
];

async function migrateAndSeed(url: string, seed: boolean): Promise<void> {
  const knex = await openKnex(url);
  try {
    await knex.migrate.latest(DIRECTORY_MIGRATIONS);
    if (seed) await knex.seed.run({ directory: SEEDS_DIR, loadExtensions: ['.mjs'] });
  } finally {
    await knex.destroy();
  }
}

/** What a fresh test database starts with: migrated and seeded (the default), or empty. */
export interface DatabaseOptions {
  empty?: boolean;
}

/**
 * A migrated and seeded (or empty) PGlite data directory. Creating a cluster costs seconds, so a template keyed by the
 * PGlite version, migrations and seeds is built once (atomically, whichever test file gets there first) and copied.
 */
export async function pgliteDatabase(opts: DatabaseOptions = {}): Promise<TestDatabase> {
  const template = await pgliteTemplate(Boolean(opts.empty));
  const dir = mkdtempSync(join(tmpdir(), 'turnctl-pglite-'));
  cpSync(template, dir, { recursive: true });
  return { kind: 'pglite', url: `pglite://${dir}`, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
}

async function pgliteTemplate(empty: boolean): Promise<string> {
  const h = createHash('sha256').update(empty ? 'empty' : 'seeded');
  h.update(JSON.parse(readFileSync(join(REPO, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')).version);
  for (const dir of [MIGRATIONS_DIR, SEEDS_DIR]) for (const f of readdirSync(dir).sort()) h.update(f).update(readFileSync(join(dir, f)));
  const target = join(tmpdir(), `turnctl-pglite-template-${h.digest('hex').slice(0, 16)}`);
  if (existsSync(target)) return target;
  const building = mkdtempSync(join(tmpdir(), 'turnctl-pglite-building-'));
  if (empty) await (await openKnex(`pglite://${building}`)).destroy();
  else await migrateAndSeed(`pglite://${building}`, true);
  try {
    renameSync(building, target);
  } catch {
    rmSync(building, { recursive: true, force: true }); // another test file finished first
  }
  return target;
}

let ownServer: PgServer | undefined;

/** The superuser URL of the test Postgres 15 (TURNCTL_TEST_PG_URL, else a throwaway cluster of this process). */
async function serverUrl(): Promise<string> {
  if (process.env.TURNCTL_TEST_PG_URL) return process.env.TURNCTL_TEST_PG_URL;
  ownServer ??= startPostgres(await freePort());
  return ownServer.url;
}

/** Stops the cluster this process started, if any. */
export function stopOwnPostgres(): void {
  ownServer?.stop();
  ownServer = undefined;
}

/** A fresh, migrated and seeded (or empty) database on the test Postgres server. */
export async function postgresDatabase(opts: DatabaseOptions = {}): Promise<TestDatabase> {
  const admin = await serverUrl();
  const name = `turn_test_${randomBytes(6).toString('hex')}`;
  const root = await openKnex(admin);
  try {
    await root.raw(`CREATE DATABASE ${name}`);
  } finally {
    await root.destroy();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  if (!opts.empty) await migrateAndSeed(url.toString(), true);
  return {
    kind: 'postgres',
    url: url.toString(),
    async dispose() {
      const k = await openKnex(admin);
      try {
        await k.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await k.destroy();
      }
    },
  };
}

/**
 * Registers, inside a describe block, the usual life of a handler test: capture the function's output, create the
 * seeded database, point DATABASE_URL (and `env`) at it; afterwards close the function's pool and dispose of it all.
 * Returns live views of the database and the captured output.
 */
export function useHandlerDatabase(
  create: () => Promise<TestDatabase>,
  env: Record<string, string>,
): { db(): TestDatabase; out(): ReturnType<typeof captureOutput> } {
  let db: TestDatabase | undefined;
  let out: ReturnType<typeof captureOutput> | undefined;
  beforeAll(async () => {
    out = captureOutput();
    db = await create();
    Object.assign(process.env, { DATABASE_URL: db.url, ...env });
  });
  afterAll(async () => {
    out?.restore();
    await closeDatabase();
    await db?.dispose();
    stopOwnPostgres();
  });
  return { db: () => db!, out: () => out! };
}
