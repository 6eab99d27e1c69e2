import { createHash } from 'node:crypto';
import type { Ctx } from '../../context.js';
import { displayPath } from '../../config/yaml-file.js';
import type { CompletedMigration } from '../../db/core.js';
import { allowDestructiveFix, checkMigrationSyntax, describeDestructive, destructiveRefusal, pendingMigrations, readMigrationSet, unallowedDestructive, type MigrationSet } from '../../db/migrations.js';
import { runnerFor, type MigrationRunner } from '../../db/runner.js';
import type { Change, ReleaseInput, RestoreResult, Step } from '../types.js';

/** Desired: the migration files of the project and what the release allows. */
export interface DatabaseDesired {
  set: MigrationSet;
  allowDestructive: string[];
  /** The manifest as shown in messages. */
  manifestFile?: string;
  stage: string;
}

/** Live: the completed migrations of the stage's database (knex_migrations). */
export interface DatabaseLive {
  completed: CompletedMigration[];
}

/** What apply did: the batch it ran (null when nothing was pending) and its migrations in run order. */
export interface DatabaseResult {
  batch: number | null;
  migrations: string[];
}

function refuseDestructive(desired: DatabaseDesired, live: DatabaseLive): ReturnType<typeof pendingMigrations> {
  const pending = pendingMigrations(desired.set, live.completed, desired.stage);
  const bad = unallowedDestructive(pending, desired.allowDestructive)[0];
  if (bad) throw destructiveRefusal(desired.set, bad, allowDestructiveFix(bad, desired.manifestFile));
  return pending;
}

/** Step 5 of the checklist: knex migrations, run before the functions that need them. */
export const step: Step<DatabaseDesired, DatabaseLive> = {
  section: 'database',

  async desired(ctx: Ctx, release: ReleaseInput): Promise<DatabaseDesired> {
    const set = readMigrationSet(ctx);
    await checkMigrationSyntax(set);
    // A name that is no migration file allows nothing (a typo, or a renamed file): the migrations-safe pre-check fails
    // on it at apply, so it is refused here, at its line.
    const allowed = release.loaded.manifest.allowDestructive;
    for (const [i, name] of allowed.entries())
      if (!set.migrations.some((m) => m.name === name))
        throw release.loaded.file.error(['allowDestructive', i], `allowDestructive names ${name}, which is not a migration file in ${set.shownDir}; fix the name (the file name, e.g. ${set.migrations.at(-1)?.name ?? '20240101000000_add_cars.mjs'}) or remove it`);
    return {
      set,
      allowDestructive: release.loaded.manifest.allowDestructive,
      manifestFile: displayPath(release.loaded.file.file),
      stage: ctx.stage.name,
    };
  },

  digest(desired) {
    const h = createHash('sha256');
    for (const m of desired.set.migrations) h.update(`${m.name}\0${m.sha256}\n`);
    return h.digest('hex');
  },

  async read(ctx, desired) {
    // A project without migration files needs no database (and may have none configured).
    if (!desired.set.migrations.length) return { completed: [] };
    ctx.progress('database: reading completed migrations');
    return { completed: await (await runnerFor(ctx)).completed() };
  },

  diff(desired, live): Change[] {
    return refuseDestructive(desired, live).map((m) => ({
      id: `migration:${m.name}`,
      action: 'create',
      before: null,
      after: { file: m.name, sha256: m.sha256 },
      ...(m.destructive.length ? { note: `destructive (allowed): ${describeDestructive(desired.set, m)}` } : {}),
    }));
  },

  async apply(ctx, desired, changes): Promise<DatabaseResult> {
    if (!changes.length) return { batch: null, migrations: [] };
    return (await runnerFor(ctx)).session(async (runner) => {
      // Plan refused these already; check again against what is live now (apply may run a saved plan).
      refuseDestructive(desired, { completed: await runner.completed() });
      ctx.progress(`database: running ${changes.length} migration(s) on ${runner.label}`);
      return runner.latest(desired.set.migrations.map(({ name, sha256 }) => ({ name, sha256 })));
    });
  },

  async restore(ctx, before: DatabaseLive, result): Promise<RestoreResult> {
    const applied = new Set((result as DatabaseResult | undefined)?.migrations ?? []);
    if (!before?.completed && !applied.size) return { restored: [] };
    return (await runnerFor(ctx)).session((runner) => restoreWith(ctx, runner, before, applied));
  },
};

/** Restore over one connection: down of this release's migrations, or the reason it cannot (fix forward). */
async function restoreWith(ctx: Ctx, runner: MigrationRunner, before: DatabaseLive | undefined, applied: Set<string>): Promise<RestoreResult> {
  const live = await runner.completed();
  // This release's migrations: those completed now that were not before (also covers a crash before the result was
  // journalled); without a recorded before-state, those the result names.
  const beforeNames = before?.completed ? new Set(before.completed.map((c) => c.name)) : undefined;
  const ours = live.filter((c) => (beforeNames ? !beforeNames.has(c.name) : applied.has(c.name)));
  if (!ours.length) return { restored: [] };
  const batches = new Set(ours.map((c) => c.batch));
  const ourTop = Math.max(...batches);
  const later = live.find((c) => c.batch > ourTop);
  if (later)
    return { restored: [], blocked: `database: migration ${later.name} (batch ${later.batch}) ran after this release's batch ${ourTop}; roll it back first (turnctl db rollback --stage ${ctx.stage.name}) or fix forward, then resume the rollback` };
  const files = new Map((await runner.files()).map((f) => [f.name, f]));
  const noDown = ours.find((c) => !files.get(c.name)?.hasDown);
  if (noDown)
    return {
      restored: [],
      blocked: `database: migration ${noDown.name} has no down; fix forward with a new migration that undoes it (the database keeps batch ${ourTop}: ${ours.map((c) => c.name).join(', ')})`,
    };
  ctx.progress(`database: rolling back ${ours.length} migration(s) on ${runner.label}`);
  const done = await runner.down(ours.map((c) => c.name).reverse());
  return { restored: done.map((n) => `database: ran down of migration ${n}`) };
}
