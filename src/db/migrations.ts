import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Ctx } from '../context.js';
import { InvalidInputError } from '../errors.js';
import { migrationsDir } from './connection.js';
import { migrationRefs, type CompletedMigration, type MigrationRef } from './core.js';
import { findDestructive, type DestructiveFinding } from './destructive.js';

/** A migration file as planned: hash and destructive statements. */
export interface PlannedMigration extends MigrationRef {
  destructive: DestructiveFinding[];
}

/** The project's migrations: the directory (absolute and as shown) and each file. */
export interface MigrationSet {
  dir: string;
  /** Directory relative to the project, e.g. db/migrations (what messages show). */
  shownDir: string;
  migrations: PlannedMigration[];
}

/** Reads the migrations directory: names, content hashes and destructive statements. */
export function readMigrationSet(ctx: Ctx): MigrationSet {
  const dir = migrationsDir(ctx);
  const shownDir = relative(ctx.project.dir, dir) || '.';
  // A project without the default directory has no migrations; a directory named in turnctl.yaml that is not there
  // is a typo, which would otherwise plan "no migrations" and hide every pending one.
  const named = (ctx.project.file.value as { database?: { migrations?: unknown } } | null)?.database?.migrations !== undefined;
  if (named && !existsSync(dir))
    throw ctx.project.file.error(['database', 'migrations'], `migrations directory ${shownDir} does not exist; fix database.migrations or create it (turnctl db make <name>)`);
  // knex makes *.js migrations by default; turnctl runs only *.mjs, so another module file here would never run while
  // status and plan said nothing about it.
  const other = existsSync(dir) ? readdirSync(dir).filter((f) => /\.(?:js|cjs|ts|mts|cts)$/.test(f) && !f.endsWith('.d.ts')).sort()[0] : undefined;
  if (other)
    throw new InvalidInputError(`${shownDir}/${other}`, `migration files are ES modules named *.mjs (exporting up and down), so this one would never run; rename it to ${other.replace(/\.[^.]+$/, '.mjs')} (as JavaScript) or move it out of ${shownDir}`);
  const migrations = migrationRefs(dir).map((ref) => ({ ...ref, destructive: findDestructive(readFileSync(join(dir, ref.name), 'utf8')) }));
  return { dir, shownDir, migrations };
}

/**
 * Parses every migration file (esbuild, the bundler turnctl already loads; nothing is run) so a syntax error is
 * invalid input at its `file:line:column` when planning, instead of a step failure without a file name mid-apply
 * (Node's SyntaxError from import() carries no location).
 */
export async function checkMigrationSyntax(set: MigrationSet): Promise<void> {
  for (const m of set.migrations) {
    const problem = await migrationSyntaxError(set, m.name);
    if (problem) throw new InvalidInputError(problem.where, `syntax error in migration: ${problem.text}; fix the file`);
  }
}

/** The first syntax error of one migration file (`where` is `db/migrations/<file>:line:column`), or undefined. */
export async function migrationSyntaxError(set: MigrationSet, file: string): Promise<{ where: string; text: string } | undefined> {
  const { transform } = await import('esbuild');
  try {
    await transform(readFileSync(join(set.dir, file), 'utf8'), { loader: 'js', format: 'esm', logLevel: 'silent' });
    return undefined;
  } catch (err) {
    const e = (err as { errors?: Array<{ text: string; location?: { line: number; column: number } | null }> }).errors?.[0];
    if (!e) throw err;
    const at = e.location ? `:${e.location.line}:${e.location.column + 1}` : '';
    return { where: `${set.shownDir}/${file}${at}`, text: e.text };
  }
}

/** `db/migrations/<file>:<line>` of a finding. */
export function findingWhere(set: Pick<MigrationSet, 'shownDir'>, file: string, f: DestructiveFinding): string {
  return `${set.shownDir}/${file}:${f.line}`;
}

/** One-line description of a migration's destructive statements, e.g. `drop column at db/migrations/x.mjs:5`. */
export function describeDestructive(set: Pick<MigrationSet, 'shownDir'>, m: PlannedMigration): string {
  return m.destructive.map((f) => `${f.kind} at ${findingWhere(set, m.name, f)}`).join(', ');
}

/** Pending migrations (files not completed), in run order; a completed migration without a file is invalid input. */
export function pendingMigrations(set: MigrationSet, completed: CompletedMigration[], stage: string): PlannedMigration[] {
  const files = new Set(set.migrations.map((m) => m.name));
  const orphan = completed.find((c) => !files.has(c.name));
  if (orphan)
    throw new InvalidInputError(set.shownDir, `migration ${orphan.name} ran on stage ${stage} (batch ${orphan.batch}) but its file is missing; restore it from version control (never delete applied migrations)`);
  const done = new Set(completed.map((c) => c.name));
  return set.migrations.filter((m) => !done.has(m.name));
}

/** Pending destructive migrations not listed in `allowDestructive` (what plan refuses). */
export function unallowedDestructive(pending: PlannedMigration[], allowDestructive: readonly string[]): PlannedMigration[] {
  return pending.filter((m) => m.destructive.length > 0 && !allowDestructive.includes(m.name));
}

/** The refusal of a destructive migration: InvalidInputError at its file:line, with the fix (`allowDestructive`, a flag). */
export function destructiveRefusal(set: Pick<MigrationSet, 'shownDir'>, m: PlannedMigration, fix: string): InvalidInputError {
  const f = m.destructive[0]!;
  return new InvalidInputError(findingWhere(set, m.name, f), `destructive migration (${f.kind}: ${f.text}) is not allowed; ${fix}, or make the migration non-destructive`);
}

/** The fix named by a release plan's refusal. */
export function allowDestructiveFix(m: PlannedMigration, manifestFile?: string): string {
  return `add "${m.name}" to allowDestructive${manifestFile ? ` in ${manifestFile}` : ''} if the data loss is intended`;
}
