import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../src/lambdas/migrate/index.js';
import { MIGRATIONS } from '../../src/lambdas/migrate/migrations.js';
import { closeDatabase, database, sqlState } from '../../src/lambdas/lib/db.js';
import * as vehicleSeed from '../../db/seeds/local/0001_vehicles.mjs';
import { BACKENDS, DIRECTORY_MIGRATIONS, MIGRATIONS_DIR, stopOwnPostgres, type TestDatabase } from './helpers/databases.js';
import { captureStdout } from './helpers/stdout.js';

const ON_DISK = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.mjs')).sort();

describe('bundled migrations', () => {
  it('list exactly the files of db/migrations, in order, with their up and down', async () => {
    expect(MIGRATIONS.map(([name]) => name)).toEqual(ON_DISK);
    for (const [name, m] of MIGRATIONS) {
      const fromDisk = await import(/* @vite-ignore */ pathToFileURL(join(MIGRATIONS_DIR, name)).href);
      expect(m.up).toBe(fromDisk.up);
      expect(m.down).toBe(fromDisk.down);
    }
  });
});

describe.each(BACKENDS)('migrate function on $kind', ({ create }) => {
  let db: TestDatabase;
  let out: ReturnType<typeof captureStdout>;
  beforeAll(async () => {
    out = captureStdout();
    db = await create({ empty: true });
    Object.assign(process.env, { DATABASE_URL: db.url, STAGE: 'test' });
  });
  afterAll(async () => {
    out?.restore();
    await closeDatabase();
    await db?.dispose();
    stopOwnPostgres();
  });
  /** What turnctl's CLI runner (the db/migrations directory) sees on the same database. */
  const cliView = async () => {
    const [done, pending] = await (await database()).migrate.list(DIRECTORY_MIGRATIONS);
    return { completed: (done as Array<{ name: string }>).map((m) => m.name), pending: (pending as Array<{ file: string }>).map((m) => m.file) };
  };

  it('GIVEN an empty database WHEN asked for status THEN everything is pending and nothing changes', async () => {
    const res = await handler({ action: 'status' });
    expect(res).toEqual({ action: 'status', batch: 0, changed: [], completed: [], pending: ON_DISK });
    expect(out.events()).toContain('MigrationStatusReported');
  });

  it('WHEN it migrates THEN one batch applies every migration, and the CLI runner agrees nothing is pending', async () => {
    const res = await handler({ action: 'latest' });
    expect(res).toMatchObject({ action: 'latest', batch: 1, changed: ON_DISK, completed: ON_DISK, pending: [] });
    expect(await cliView()).toEqual({ completed: ON_DISK, pending: [] });
    expect(await handler({})).toMatchObject({ action: 'latest', batch: 0, changed: [] });
    expect(out.events()).toContain('MigrationsApplied');
  });

  it('WHEN the local seeds run twice THEN the handful of vehicles is there once', async () => {
    const knex = await database();
    await vehicleSeed.seed(knex);
    await vehicleSeed.seed(knex);
    const [{ n }] = await knex('vehicles').count<{ n: number }[]>({ n: '*' });
    expect(Number(n)).toBe(vehicleSeed.VEHICLES.length);
  });

  it('WHEN it rolls back THEN the batch is undone, and the CLI runner can apply it again', async () => {
    await (await database())('subscriptions').del();
    const res = await handler({ action: 'rollback' });
    expect(res).toMatchObject({ action: 'rollback', batch: 1, completed: [], pending: ON_DISK });
    expect([...res.changed].sort()).toEqual(ON_DISK);
    const err = await (await database())('vehicles').count().catch((e: unknown) => e);
    expect(sqlState(err)).toBe('42P01'); // undefined_table
    await (await database()).migrate.latest(DIRECTORY_MIGRATIONS);
    expect(await handler({ action: 'status' })).toMatchObject({ completed: ON_DISK, pending: [] });
    expect(out.events()).toContain('MigrationsRolledBack');
  });

  it('WHEN given an unknown action THEN the invocation fails naming the valid ones', async () => {
    await expect(handler({ action: 'drop' as never })).rejects.toThrow('unknown action "drop"; use one of: status, latest, rollback');
  });
});
