// The migration runner's core: the same code runs in the CLI (`via: direct`) and inside the shipped `migrate`
// Lambda (`via: lambda`, see handleMigrateEvent in ./contract.ts). It depends only on node builtins and a knex
// instance, so a Lambda bundle can import it without pulling in the CLI.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Knex } from 'knex';

/** The knex bookkeeping table (knex's default name). */
export const MIGRATIONS_TABLE = 'knex_migrations';
/** Migration files are ESM modules exporting `up(knex)` and `down(knex)`. */
export const MIGRATION_EXTENSIONS = ['.mjs'];

/** A migration file: its name (= knex migration name) and content hash. */
export interface MigrationRef {
  name: string;
  sha256: string;
}

/** A migration file with what its module exports. */
export interface MigrationFile extends MigrationRef {
  hasDown: boolean;
}

/** A row of knex_migrations. */
export interface CompletedMigration {
  name: string;
  batch: number;
}

/** The migration files of a directory, sorted by name as knex runs them (missing directory: none). */
export function migrationRefs(dir: string): MigrationRef[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => MIGRATION_EXTENSIONS.some((ext) => f.endsWith(ext)))
    .sort()
    .map((name) => ({ name, sha256: createHash('sha256').update(readFileSync(join(dir, name))).digest('hex') }));
}

/** Imports a migration module; the content hash in the URL makes an edited file load afresh in a long-lived process. */
export async function importMigration(dir: string, ref: MigrationRef): Promise<Record<string, unknown>> {
  const url = `${pathToFileURL(join(dir, ref.name)).href}?sha256=${ref.sha256.slice(0, 16)}`;
  return (await import(url)) as Record<string, unknown>;
}

/** The migration files with whether each exports a `down` function. */
export async function migrationFiles(dir: string): Promise<MigrationFile[]> {
  return Promise.all(migrationRefs(dir).map(async (ref) => ({ ...ref, hasDown: typeof (await importMigration(dir, ref)).down === 'function' })));
}

/** Completed migrations in the order they ran; empty when the bookkeeping table does not exist (nothing is created). */
export async function listCompleted(knex: Knex): Promise<CompletedMigration[]> {
  if (!(await knex.schema.hasTable(MIGRATIONS_TABLE))) return [];
  const rows = await knex(MIGRATIONS_TABLE).select('name', 'batch').orderBy('id', 'asc');
  return rows.map((r: { name: string; batch: number | string }) => ({ name: r.name, batch: Number(r.batch) }));
}

/**
 * knex's migration source over `dir` (names = file names, sorted). knex insists on both up and down; a module
 * without down gets one that refuses, so `up` still runs and rollback is decided by the caller (fix forward).
 */
export function migrationSource(dir: string): Knex.MigrationSource<MigrationRef> {
  return {
    getMigrations: async () => migrationRefs(dir),
    getMigrationName: (ref) => ref.name,
    getMigration: async (ref) => {
      const mod = await importMigration(dir, ref);
      const down = typeof mod.down === 'function' ? mod.down : async () => {
        throw new Error(`migration ${ref.name} has no down; fix forward with a new migration`);
      };
      return { ...mod, up: named(ref.name, 'up', mod.up as Knex.Migration['up']), down: named(ref.name, 'down', down as Knex.Migration['up']) };
    },
  };
}

/**
 * knex names the failing migration only in a log line (which turnctl keeps quiet), so the error itself gets the
 * name: "migration 0003_x.mjs (up) failed: relation … does not exist". The error object is kept (codes still count).
 * knex puts the failing SQL before the driver's reason (`<sql> - <reason>`), and raw SQL in a template literal spans
 * lines: the message is folded onto one line, so a caller that shows one line still shows the reason.
 */
function named(name: string, which: 'up' | 'down', fn: Knex.Migration['up']): Knex.Migration['up'] {
  return async (knex) => {
    try {
      return await fn(knex);
    } catch (err) {
      if (err instanceof Error) err.message = foldLines(err.message.includes(name) ? err.message : `migration ${name} (${which}) failed: ${err.message}`);
      throw err;
    }
  };
}

/** Text on one line: each run of whitespace holding a line break becomes one space. */
export function foldLines(text: string): string {
  return text.replace(/\s*[\r\n]\s*/g, ' ').trim();
}

function migratorConfig(dir: string): Knex.MigratorConfig {
  return { migrationSource: migrationSource(dir), tableName: MIGRATIONS_TABLE };
}

/** Thrown when the runner's migration files are not the ones the caller planned with. */
export class MigrationSetMismatch extends Error {
  override name = 'MigrationSetMismatch';
}

/** Compares the files in `dir` with the expected set (names and hashes); describes the first difference. */
export function compareMigrationSet(actual: MigrationRef[], expected: MigrationRef[]): string | undefined {
  const byName = new Map(actual.map((r) => [r.name, r.sha256]));
  for (const e of expected) {
    const sha = byName.get(e.name);
    if (sha === undefined) return `migration ${e.name} is missing`;
    if (sha !== e.sha256) return `migration ${e.name} has other content (sha256 ${sha.slice(0, 12)}, expected ${e.sha256.slice(0, 12)})`;
  }
  const extra = actual.find((a) => !expected.some((e) => e.name === a.name));
  return extra ? `migration ${extra.name} is not in the planned set` : undefined;
}

/** Runs every pending migration as one batch (`migrate.latest`); `expect` guards against running another set than planned. */
export async function runLatest(knex: Knex, dir: string, expect?: MigrationRef[]): Promise<{ batch: number | null; migrations: string[] }> {
  if (expect) {
    const problem = compareMigrationSet(migrationRefs(dir), expect);
    if (problem) throw new MigrationSetMismatch(`the runner's migrations differ from the planned ones: ${problem}`);
  }
  const [batch, log] = (await knex.migrate.latest(migratorConfig(dir))) as [number, string[]];
  return { batch: log.length ? batch : null, migrations: log };
}

/** Runs `down` of the named completed migrations, one by one in the given order; names not completed are skipped. */
export async function runDown(knex: Knex, dir: string, names: string[]): Promise<string[]> {
  const done: string[] = [];
  for (const name of names) {
    const completed = await listCompleted(knex);
    if (!completed.some((c) => c.name === name)) continue;
    await knex.migrate.down({ ...migratorConfig(dir), name });
    done.push(name);
  }
  return done;
}

/** The names of the last batch, latest first (what `rollback` undoes). */
export function lastBatch(completed: CompletedMigration[]): { batch: number | null; names: string[] } {
  if (!completed.length) return { batch: null, names: [] };
  const batch = Math.max(...completed.map((c) => c.batch));
  return { batch, names: completed.filter((c) => c.batch === batch).map((c) => c.name).reverse() };
}
