// The services behind `turnctl db ...`: thin commands call these; nothing here prints.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Project } from '../config/load.js';
import type { Ctx } from '../context.js';
import { InvalidInputError, TurnctlError, UsageError } from '../errors.js';
import { resolveTarget, seedsDir, stageDatabase, withKnex } from './connection.js';
import { compareMigrationSet, lastBatch } from './core.js';
import { checkMigrationSyntax, destructiveRefusal, findingWhere, migrationSyntaxError, pendingMigrations, readMigrationSet, unallowedDestructive, type MigrationSet } from './migrations.js';
import { MIGRATE_FUNCTION, runnerFor, type Invoker, type MigrationRunner } from './runner.js';

/** One migration in `db status`. */
export interface MigrationStatus {
  name: string;
  status: 'applied' | 'pending' | 'file missing';
  batch: number | null;
  /** A file that does not parse (`db/migrations/<file>:line:column: reason`): migrate and plan refuse it. */
  syntaxError?: string;
  destructive: Array<{ kind: string; where: string }>;
}

/** `db status`: every migration file and completed migration, applied or pending, with destructive statements. */
export async function dbStatus(ctx: Ctx, opts: { invoke?: Invoker } = {}): Promise<{ stage: string; database: string; migrations: MigrationStatus[] }> {
  const set = readMigrationSet(ctx);
  const runner = await runnerFor(ctx, opts);
  const completed = await runner.completed();
  const batchOf = new Map(completed.map((c) => [c.name, c.batch]));
  const rows: MigrationStatus[] = [];
  for (const m of set.migrations) {
    const syntax = await migrationSyntaxError(set, m.name);
    rows.push({
      name: m.name,
      status: batchOf.has(m.name) ? 'applied' : 'pending',
      batch: batchOf.get(m.name) ?? null,
      destructive: m.destructive.map((f) => ({ kind: f.kind, where: findingWhere(set, m.name, f) })),
      ...(syntax ? { syntaxError: `${syntax.where}: ${syntax.text}` } : {}),
    });
  }
  for (const c of completed) if (!set.migrations.some((m) => m.name === c.name)) rows.push({ name: c.name, status: 'file missing', batch: c.batch, destructive: [] });
  rows.sort((a, b) => a.name.localeCompare(b.name));
  return { stage: ctx.stage.name, database: runner.label, migrations: rows };
}

/** What `db migrate` would run, checked; `allowDestructive` lets destructive migrations through. */
async function dbPending(ctx: Ctx, runner: MigrationRunner, set: MigrationSet, opts: { allowDestructive?: boolean }) {
  const pending = pendingMigrations(set, await runner.completed(), ctx.stage.name);
  const bad = opts.allowDestructive ? undefined : unallowedDestructive(pending, [])[0];
  if (bad) throw destructiveRefusal(set, bad, 'pass --allow-destructive if the data loss is intended');
  return { pending };
}

/** Called with what is about to run; throws to stop (e.g. a refused confirmation). */
export type Confirm = (names: string[], database: string) => Promise<void>;

/** `db migrate`: runs the pending migrations as one batch (after `confirm`). */
export async function dbMigrate(ctx: Ctx, opts: { allowDestructive?: boolean; invoke?: Invoker; confirm?: Confirm } = {}) {
  // The files are checked before the database is opened (or a PGlite directory created for nothing).
  const set = readMigrationSet(ctx);
  await checkMigrationSyntax(set);
  return (await runnerFor(ctx, opts)).session(async (runner) => {
    const { pending } = await dbPending(ctx, runner, set, opts);
    if (!pending.length) return { batch: null, migrations: [] as string[] };
    const planned = set.migrations.map(({ name, sha256 }) => ({ name, sha256 }));
    // The migrate function (via: lambda) runs the files it was deployed with and refuses any other set: say so, and
    // how to fix it, before asking to run something that cannot run.
    const mismatch = stageDatabase(ctx)?.via === 'lambda' ? compareMigrationSet(await runner.files(), planned) : undefined;
    if (mismatch)
      throw new TurnctlError(`the deployed ${ctx.names.fn(MIGRATE_FUNCTION)} function does not carry the migrations of ${set.shownDir} (${mismatch}); deploy it first (turnctl release apply with functions in scope, or as part of the release that adds the migration), then run db migrate again`);
    await opts.confirm?.(pending.map((m) => m.name), runner.label);
    ctx.progress(`running ${pending.length} migration(s) on ${runner.label}`);
    return runner.latest(planned);
  });
}

/** The last batch; a migration in it without its file is invalid input, one without down is refused (fix forward). */
async function rollbackableBatch(ctx: Ctx, runner: MigrationRunner) {
  const last = lastBatch(await runner.completed());
  if (last.names.length) {
    const files = new Map((await runner.files()).map((f) => [f.name, f]));
    // Without its file there is no down to run, but "fix forward" would be the wrong advice: the file is what is wrong.
    const missing = last.names.find((n) => !files.has(n));
    if (missing)
      throw new InvalidInputError(readMigrationSet(ctx).shownDir, `migration ${missing} of batch ${last.batch} ran on stage ${ctx.stage.name} but its file is missing; restore it from version control (never delete applied migrations), then roll back`);
    const noDown = last.names.find((n) => !files.get(n)?.hasDown);
    if (noDown) throw new TurnctlError(`migration ${noDown} of batch ${last.batch} has no down; fix forward with a new migration (turnctl db make <name>) instead of rolling back`);
  }
  return last;
}

/** `db rollback`: `down` of the last batch, latest first. */
export async function dbRollback(ctx: Ctx, opts: { invoke?: Invoker; confirm?: Confirm } = {}) {
  return (await runnerFor(ctx, opts)).session(async (runner) => {
    const { batch, names } = await rollbackableBatch(ctx, runner);
    if (!names.length) return { batch: null, rolledBack: [] as string[] };
    await opts.confirm?.(names, runner.label);
    ctx.progress(`rolling back batch ${batch} on ${runner.label}`);
    return { batch, rolledBack: await runner.down(names) };
  });
}

const MIGRATION_SKELETON = `// @ts-check
/** @param {import('knex').Knex} knex */
export async function up(knex) {
  // e.g. await knex.schema.createTable('things', (t) => { t.increments('id'); t.string('name').notNullable(); });
}

/** Undoes up (a release rollback runs it); delete this export only if the change cannot be undone (fix forward). */
/** @param {import('knex').Knex} knex */
export async function down(knex) {
  // e.g. await knex.schema.dropTable('things');
}
`;

/** A migration timestamp like knex's: YYYYMMDDHHMMSS (UTC). */
function timestamp(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** Longest `db make` name: its file name must fit the file system and knex_migrations.name (varchar 255). */
const MAX_MIGRATION_NAME = 100;

/** `db make <name>`: a new timestamped migration with up/down in the migrations directory; returns its path (relative). */
export function dbMake(project: Project, name: string, now = new Date()): string {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new UsageError(`migration name "${name}" must be lower-case letters, digits and underscores, starting with a letter (e.g. add_cars_table)`);
  if (name.length > MAX_MIGRATION_NAME) throw new UsageError(`migration name is ${name.length} characters long; use at most ${MAX_MIGRATION_NAME} (e.g. add_cars_table)`);
  const dir = join(project.dir, project.config.database?.migrations ?? 'db/migrations');
  mkdirSync(dir, { recursive: true });
  const same = existsSync(dir) ? readdirSync(dir).find((f) => f.replace(/^\d+_/, '').replace(/\.mjs$/, '') === name) : undefined;
  if (same) throw new UsageError(`a migration named "${name}" already exists (${same}); choose another name`);
  let file = join(dir, `${timestamp(now)}_${name}.mjs`);
  for (let s = 1; existsSync(file); s++) file = join(dir, `${timestamp(new Date(now.getTime() + s * 1000))}_${name}.mjs`);
  writeFileSync(file, MIGRATION_SKELETON, { flag: 'wx' });
  return relative(project.dir, file);
}

/** `db seed`: runs the local seeds (`*.mjs` exporting seed(knex)) — sandbox stages only. */
export async function dbSeed(ctx: Ctx): Promise<string[]> {
  if (!ctx.stage.sandbox) throw new UsageError(`db seed only runs on sandbox stages (like local), not on ${ctx.stage.name}; seeds are test data`);
  if (stageDatabase(ctx)?.via === 'lambda') throw new UsageError(`db seed runs directly against the database; stage ${ctx.stage.name} uses via: lambda`);
  const dir = seedsDir(ctx);
  if (!existsSync(dir)) throw new InvalidInputError(relative(ctx.project.dir, dir) || dir, 'seeds directory not found; create it with *.mjs files exporting seed(knex)');
  const target = await resolveTarget(ctx);
  const [log] = (await withKnex(target, (k) => k.seed.run({ directory: dir, loadExtensions: ['.mjs'] }))) as [string[]];
  return log.map((f) => relative(ctx.project.dir, f));
}
