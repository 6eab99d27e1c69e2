import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { listCompleted, migrationFiles, migrationRefs, runLatest } from '../../src/db/core.js';
import { handler } from '../../src/lambdas/migrate/index.js';
import { MIGRATIONS } from '../../src/lambdas/migrate/migrations.js';
import { closeDatabase, database, sqlState } from '../../src/lambdas/lib/db.js';
import * as vehicleSeed from '../../db/seeds/local/0001_vehicles.mjs';
import { BACKENDS, MIGRATIONS_DIR, stopOwnPostgres, type TestDatabase } from './helpers/databases.js';
import { captureOutput } from './helpers/output.js';

// turnctl's directory runner (via: direct) reads these; the function carries its bundled copies.
const ON_DISK = migrationRefs(MIGRATIONS_DIR);
const NAMES = ON_DISK.map((m) => m.name);

describe('bundled migrations', () => {
  it('are exactly the files of db/migrations: same names, order, sha256 and modules', async () => {
    expect(MIGRATIONS.map((m) => m.name)).toEqual(NAMES);
    for (const m of MIGRATIONS) {
      const sha256 = createHash('sha256').update(readFileSync(join(MIGRATIONS_DIR, m.name))).digest('hex');
      expect(m.sha256, `set the sha256 of ${m.name} in src/lambdas/migrate/migrations.ts to ${sha256}`).toBe(sha256);
      const fromDisk = await import(/* @vite-ignore */ pathToFileURL(join(MIGRATIONS_DIR, m.name)).href);
      expect(m.module.up).toBe(fromDisk.up);
      expect(m.module.down).toBe(fromDisk.down);
    }
  });
});

describe.each(BACKENDS)('migrate function on $kind', ({ create }) => {
  let db: TestDatabase;
  let out: ReturnType<typeof captureOutput>;
  beforeAll(async () => {
    out = captureOutput();
    db = await create({ empty: true });
    Object.assign(process.env, { DATABASE_URL: db.url, STAGE: 'test' });
  });
  afterAll(async () => {
    out?.restore();
    await closeDatabase();
    await db?.dispose();
    stopOwnPostgres();
  });

  it('GIVEN an empty database WHEN asked for status THEN nothing is completed and its files are the directory runner\'s', async () => {
    const res = await handler({ action: 'status' });
    expect(res).toEqual({ ok: true, action: 'status', completed: [], files: await migrationFiles(MIGRATIONS_DIR) });
    expect(out.events()).toContain('MigrationStatusReported');
  });

  it.each([
    ['another sha256', () => ON_DISK.map((m, i) => (i === 0 ? { ...m, sha256: '0'.repeat(64) } : m)), 'has other content'],
    ['a migration it lacks', () => [...ON_DISK, { name: '9999_future.mjs', sha256: 'f'.repeat(64) }], 'migration 9999_future.mjs is missing'],
    ['fewer migrations', () => ON_DISK.slice(0, 1), `migration ${ON_DISK[1]!.name} is not in the planned set`],
  ])('WHEN "latest" expects %s THEN it refuses and runs nothing', async (_, expectSet, problem) => {
    const res = await handler({ action: 'latest', expect: expectSet() });
    expect(res.ok).toBe(false);
    expect(res.ok === false && res.error).toContain(problem);
    expect(await listCompleted(await database())).toEqual([]);
  });

  it('WHEN "latest" comes without the planned set THEN it refuses', async () => {
    expect(await handler({ action: 'latest' } as never)).toEqual({ ok: false, error: 'latest needs "expect": the planned [{name, sha256}]' });
  });

  it('WHEN it migrates to the planned set THEN one batch applies every migration, and the directory runner finds nothing pending', async () => {
    expect(await handler({ action: 'latest', expect: ON_DISK })).toEqual({ ok: true, action: 'latest', batch: 1, migrations: NAMES });
    const knex = await database();
    expect(await listCompleted(knex)).toEqual(NAMES.map((name) => ({ name, batch: 1 })));
    expect(await runLatest(knex, MIGRATIONS_DIR, ON_DISK)).toEqual({ batch: null, migrations: [] });
    expect(await handler({ action: 'latest', expect: ON_DISK })).toEqual({ ok: true, action: 'latest', batch: null, migrations: [] });
    expect(out.events()).toContain('MigrationsApplied');
  });

  it('WHEN the local seeds run twice THEN the handful of vehicles is there once', async () => {
    const knex = await database();
    await vehicleSeed.seed(knex);
    await vehicleSeed.seed(knex);
    const [{ n }] = await knex('vehicles').count<{ n: number }[]>({ n: '*' });
    expect(Number(n)).toBe(vehicleSeed.VEHICLES.length);
  });

  it('WHEN it rolls back one named migration THEN only that one is undone', async () => {
    const last = NAMES[NAMES.length - 1]!;
    expect(await handler({ action: 'rollback', names: [last, 'never-ran.mjs'] })).toEqual({ ok: true, action: 'rollback', rolledBack: [last] });
    expect((await listCompleted(await database())).map((c) => c.name)).toEqual(NAMES.slice(0, -1));
  });

  it('WHEN it rolls back the last batch THEN every table is gone, and the directory runner can apply them again', async () => {
    await runLatest(await database(), MIGRATIONS_DIR, ON_DISK); // batch 2: the migration undone above
    const res = await handler({ action: 'rollback' });
    expect(res).toEqual({ ok: true, action: 'rollback', rolledBack: [NAMES[NAMES.length - 1]] });
    expect(await handler({ action: 'rollback' })).toEqual({ ok: true, action: 'rollback', rolledBack: [...NAMES.slice(0, -1)].reverse() });
    const err = await (await database())('vehicles').count().catch((e: unknown) => e);
    expect(sqlState(err)).toBe('42P01'); // undefined_table
    expect(await runLatest(await database(), MIGRATIONS_DIR, ON_DISK)).toMatchObject({ migrations: NAMES });
    expect(await handler({ action: 'status' })).toMatchObject({ ok: true, completed: NAMES.map((name) => ({ name })) });
    expect(out.events()).toContain('MigrationsRolledBack');
  });

  it('GIVEN the status, latest and rollback runs above THEN each event logged carries every property the tracking plan gives it', async () => {
    const { events } = parse(readFileSync(join(import.meta.dirname, '../../tracking-plan.yaml'), 'utf8')) as { events: Record<string, { properties?: object }> };
    const logged = out.lines().flatMap((l) => {
      try {
        return [JSON.parse(l.slice(l.indexOf('{'))) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
    for (const name of ['MigrationStatusReported', 'MigrationsApplied', 'MigrationsRolledBack']) {
      const records = logged.filter((r) => r.event === name);
      expect(records.length, name).toBeGreaterThan(0);
      for (const r of records) expect(Object.keys(r), name).toEqual(expect.arrayContaining(Object.keys(events[name]!.properties ?? {})));
    }
  });

  it('WHEN given an unknown action THEN it answers ok: false naming the valid ones', async () => {
    expect(await handler({ action: 'drop' } as never)).toEqual({ ok: false, error: 'unknown action "drop"; use status, latest or rollback' });
  });
});
