// Shared helpers and the step scenario run against PGlite (local) and a real Postgres server.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { loadManifest } from '../../src/config/load.js';
import type { Ctx } from '../../src/context.js';
import { InvalidInputError } from '../../src/errors.js';
import { step, type DatabaseLive, type DatabaseResult } from '../../src/release/steps/database.js';
import type { ReleaseInput } from '../../src/release/types.js';
import type { TestProject } from '../helpers/project.js';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'db');
export const M = {
  customers: '20240101000000_create_customers.mjs',
  cars: '20240102000000_create_cars.mjs',
  noDown: '20240103000000_backfill_without_down.mjs',
  dropPhone: '20240104000000_drop_phone.mjs',
} as const;

/** Copies fixture migrations into the project's db/migrations. */
export function addMigrations(p: TestProject, ...names: string[]): void {
  mkdirSync(join(p.dir, 'db', 'migrations'), { recursive: true });
  for (const n of names) copyFileSync(join(FIXTURES, 'migrations', n), join(p.dir, 'db', 'migrations', n));
}

/** Writes releases/<version>.yaml and loads it as the step's release input. */
export function release(p: TestProject, version: string, extra: Record<string, unknown> = {}): ReleaseInput {
  return { loaded: loadManifest(p.writeRelease({ version, notes: 'db test', ...extra })) };
}

/** desired → read → diff, as the engine plans. */
export async function plan(ctx: Ctx, rel: ReleaseInput) {
  const desired = await step.desired(ctx, rel);
  const live = await step.read(ctx, desired);
  return { desired, live, changes: step.diff(desired, live) };
}

/** Plans and applies like the engine: returns the recorded before-state and the result. */
export async function planAndApply(ctx: Ctx, rel: ReleaseInput) {
  const { desired, live, changes } = await plan(ctx, rel);
  const before = JSON.parse(JSON.stringify(step.record ? step.record(live) : live)) as DatabaseLive;
  const result = JSON.parse(JSON.stringify(await step.apply(ctx, desired, changes))) as DatabaseResult;
  return { before, result, changes };
}

/** An independent view of the database (not through turnctl's code). */
export interface Inspector {
  tables(): Promise<string[]>;
  columns(table: string): Promise<string[]>;
  migrations(): Promise<Array<{ name: string; batch: number }>>;
}

/**
 * The step's behaviour, the same on every database: create from nothing, no-op re-plan, restore of the batch,
 * blocked restore without down, refusal of a destructive migration at plan time.
 */
export function stepScenario(setup: () => { p: TestProject; ctx: () => Ctx; inspect: Inspector }): void {
  it('creates from nothing, re-plans as a no-op, and restore runs down of exactly that batch', async () => {
    const { p, ctx, inspect } = setup();
    // GIVEN two migrations and an empty database
    addMigrations(p, M.customers, M.cars);
    const rel = release(p, '1.0.0');
    // WHEN planned
    const first = await plan(ctx(), rel);
    // THEN both are pending creates, in order
    expect(first.live.completed).toEqual([]);
    expect(first.changes.map((c) => [c.id, c.action])).toEqual([
      [`migration:${M.customers}`, 'create'],
      [`migration:${M.cars}`, 'create'],
    ]);
    // WHEN applied
    const { before, result } = await planAndApply(ctx(), rel);
    // THEN one batch ran both, and the tables exist (read back independently)
    expect(result).toEqual({ batch: 1, migrations: [M.customers, M.cars] });
    expect(await inspect.tables()).toEqual(expect.arrayContaining(['cars', 'customers']));
    expect(await inspect.columns('customers')).toContain('phone');
    expect(await inspect.migrations()).toEqual([
      { name: M.customers, batch: 1 },
      { name: M.cars, batch: 1 },
    ]);
    // AND a re-plan shows no changes; a second apply does nothing
    const again = await plan(ctx(), rel);
    expect(again.changes).toEqual([]);
    expect(await step.apply(ctx(), again.desired, again.changes)).toEqual({ batch: null, migrations: [] });

    // WHEN the release is restored
    const restored = await step.restore(ctx(), before, result);
    // THEN down ran for the batch, latest first, and the database is as before
    expect(restored.blocked).toBeUndefined();
    expect(restored.restored).toEqual([`database: ran down of migration ${M.cars}`, `database: ran down of migration ${M.customers}`]);
    expect(await inspect.migrations()).toEqual([]);
    expect(await inspect.tables()).not.toContain('customers');
    expect(await inspect.tables()).not.toContain('cars');
    // AND restoring again is a no-op
    expect((await step.restore(ctx(), before, result)).restored).toEqual([]);
  });

  it('restores only its own batch, and is blocked (fix forward) when a migration in it has no down', async () => {
    const { p, ctx, inspect } = setup();
    // GIVEN batch 1 applied by an earlier release
    addMigrations(p, M.customers);
    await planAndApply(ctx(), release(p, '1.0.0'));
    // AND a release whose batch holds a migration without down
    addMigrations(p, M.cars, M.noDown);
    const { before, result } = await planAndApply(ctx(), release(p, '1.1.0'));
    expect(result).toEqual({ batch: 2, migrations: [M.cars, M.noDown] });
    // WHEN it is restored
    const restored = await step.restore(ctx(), before, result);
    // THEN the rollback stops at the database with a fix-forward message naming the migration, and nothing ran down
    expect(restored.blocked).toMatch(new RegExp(`^database: migration ${M.noDown} has no down; fix forward`));
    expect(restored.restored).toEqual([]);
    expect((await inspect.migrations()).map((m) => m.name)).toEqual([M.customers, M.cars, M.noDown]);
    expect(await inspect.tables()).toEqual(expect.arrayContaining(['customers', 'cars', 'subscriptions']));
  });

  it('refuses a destructive migration not listed in allowDestructive at plan time, with file:line', async () => {
    const { p, ctx } = setup();
    // GIVEN applied tables and a new migration that drops a column
    addMigrations(p, M.customers, M.cars);
    await planAndApply(ctx(), release(p, '1.0.0'));
    addMigrations(p, M.dropPhone);
    // WHEN a release that does not allow it is planned
    const err = await plan(ctx(), release(p, '1.1.0')).then(
      () => undefined,
      (e: unknown) => e,
    );
    // THEN it is invalid input (exit 65) at the statement's file:line, naming allowDestructive
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).exitCode).toBe(65);
    expect((err as InvalidInputError).where).toBe(`db/migrations/${M.dropPhone}:4`);
    expect((err as Error).message).toContain('allowDestructive');
    expect((err as Error).message).toContain('releases/1.1.0.yaml');
    // WHEN the release lists it
    const allowed = await plan(ctx(), release(p, '1.1.0', { allowDestructive: [M.dropPhone] }));
    // THEN it is planned, with a destructive note pointing at the line
    expect(allowed.changes).toEqual([
      expect.objectContaining({ id: `migration:${M.dropPhone}`, action: 'create', note: `destructive (allowed): drop column at db/migrations/${M.dropPhone}:4` }),
    ]);
  });
}
