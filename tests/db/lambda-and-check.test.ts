import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { check } from '../../src/checks/migrations-safe.js';
import { manifestSchema } from '../../src/config/schema.js';
import { migrationsDir, withKnex } from '../../src/db/connection.js';
import { handleMigrateEvent, type MigrateEvent } from '../../src/db/contract.js';
import { migrationRefs } from '../../src/db/core.js';
import { runnerFor, type Invoker } from '../../src/db/runner.js';
import { dbMigrate } from '../../src/db/service.js';
import { makeProject, type TestProject } from '../helpers/project.js';
import { freshDatabase, pgInspector } from './pg.js';
import { addMigrations, M } from './support.js';

describe('via: lambda — the migrate function contract', () => {
  let p: TestProject;
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  const events: MigrateEvent[] = [];
  // Stands in for the deployed `migrate` function: the same migration files, handled by handleMigrateEvent.
  const invoke: Invoker = async (ctx, fn, event) => {
    expect(fn).toBe('migrate');
    events.push(event);
    const payload = await withKnex({ kind: 'pg', url: db.url, label: 'lambda db', secrets: [] }, (k) => handleMigrateEvent(k, migrationsDir(ctx), event));
    return { ok: true, payload };
  };
  beforeEach(async () => {
    db = await freshDatabase();
    events.length = 0;
    p = makeProject({ config: (c) => (c.database = { stages: { local: { via: 'lambda' } } }) });
  });
  afterEach(async () => db.drop());

  it('status, latest (guarded by the planned set) and rollback by name go through the function', async () => {
    // GIVEN two migrations and the lambda runner of the stage
    addMigrations(p, M.customers, M.cars, M.noDown);
    const ctx = p.ctx('local');
    const runner = await runnerFor(ctx, { invoke });
    expect(runner.label).toBe(`the local database (via ${p.name}-local-migrate)`);
    // WHEN status is asked / THEN nothing is completed and the files say which have a down
    expect(await runner.completed()).toEqual([]);
    expect((await runner.files()).map((f) => [f.name, f.hasDown])).toEqual([
      [M.customers, true],
      [M.cars, true],
      [M.noDown, false],
    ]);
    // WHEN latest is sent with a set that differs from the function's files
    const planned = migrationRefs(migrationsDir(ctx));
    const stale = planned.map((r, i) => (i === 2 ? { ...r, sha256: '0'.repeat(64) } : r));
    // THEN the function refuses and runs nothing
    await expect(runner.latest(stale)).rejects.toThrow(`the ${p.name}-local-migrate function refused "latest": the runner's migrations differ from the planned ones: migration ${M.noDown} has other content`);
    expect(await pgInspector(db.url).migrations()).toEqual([]);
    // WHEN latest is sent with the planned set / THEN one batch ran
    expect(await runner.latest(planned)).toEqual({ batch: 1, migrations: [M.customers, M.cars, M.noDown] });
    expect(await pgInspector(db.url).migrations()).toEqual([
      { name: M.customers, batch: 1 },
      { name: M.cars, batch: 1 },
      { name: M.noDown, batch: 1 },
    ]);
    // WHEN one migration is rolled back by name / THEN only it is undone
    expect(await runner.down([M.cars, 'never-ran.mjs'])).toEqual([M.cars]);
    expect(await pgInspector(db.url).tables()).toEqual(['customers', 'knex_migrations', 'knex_migrations_lock', 'subscriptions']);
    expect(events.map((e) => e.action)).toEqual(['status', 'status', 'latest', 'latest', 'rollback']);
  });

  it('GIVEN a migration whose multi-line raw SQL fails inside the function WHEN latest runs THEN the refusal is one line with the database\'s reason', async () => {
    p.write('db/migrations/0001_raw.mjs', 'export async function up(knex) {\n  await knex.raw(`\n    ALTER TABLE no_such_table\n      ADD COLUMN note text\n  `);\n}\nexport async function down() {}\n');
    const ctx = p.ctx('local');
    const runner = await runnerFor(ctx, { invoke });
    const err = await runner.latest(migrationRefs(migrationsDir(ctx))).then(() => undefined, (e: Error) => e);
    expect(err?.message).toBe(`the ${p.name}-local-migrate function refused "latest": migration 0001_raw.mjs (up) failed: ALTER TABLE no_such_table ADD COLUMN note text - relation "no_such_table" does not exist`);
    expect(await pgInspector(db.url).migrations()).toEqual([]);
  });

  it('GIVEN a migration the deployed function does not carry WHEN db migrate runs THEN it is refused before the confirmation, naming the missing file and the deploy to do', async () => {
    // GIVEN the function was deployed with the first migration only (its bundle: another directory)
    addMigrations(p, M.customers);
    const bundled = mkdtempSync(join(tmpdir(), 'turnctl-migrate-bundle-'));
    cpSync(migrationsDir(p.ctx('local')), bundled, { recursive: true });
    const deployed: Invoker = async (_ctx, _fn, event) => ({ ok: true, payload: await withKnex({ kind: 'pg', url: db.url, label: 'lambda db', secrets: [] }, (k) => handleMigrateEvent(k, bundled, event)) });
    addMigrations(p, M.cars);
    const asked: string[][] = [];
    // WHEN db migrate runs
    const err = await dbMigrate(p.ctx('local'), { invoke: deployed, confirm: async (names) => void asked.push(names) }).then(() => undefined, (e: Error) => e);
    // THEN it says what is wrong and what to do (it asked, then the function refused "latest": "the runner's migrations differ")
    expect(err?.message).toBe(`the deployed ${p.name}-local-migrate function does not carry the migrations of db/migrations (migration ${M.cars} is missing); deploy it first (turnctl release apply with functions in scope, or as part of the release that adds the migration), then run db migrate again`);
    expect(asked).toEqual([]);
    expect(await pgInspector(db.url).migrations()).toEqual([]);
  });

  it('a failed invocation is one line with credentials masked', async () => {
    const ctx = p.ctx('local');
    const failing: Invoker = async () => ({ ok: false, payload: null, error: 'Error: connect ECONNREFUSED for postgres://app:hunter22@db.internal:5432/turn' });
    const runner = await runnerFor(ctx, { invoke: failing });
    const err = await runner.completed().then(() => undefined, (e: Error) => e);
    expect(err?.message).toBe(`the ${p.name}-local-migrate function failed on "status": Error: connect ECONNREFUSED for postgres://***@db.internal:5432/turn; see its logs (turnctl logs tail migrate --stage local)`);
    expect(err?.message).not.toContain('hunter22');
  });
});

describe('migrations-safe pre-check (plain URL in turnctl.yaml)', () => {
  let p: TestProject;
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  beforeEach(async () => {
    db = await freshDatabase();
    p = makeProject({ config: (c) => (c.database = { stages: { local: { url: db.url } } }) });
  });
  afterEach(async () => db.drop());
  const run = (allowDestructive: string[]) =>
    check.run({ ctx: p.ctx('local'), manifest: manifestSchema.parse({ version: '1.1.0', allowDestructive }), digest: '', startedAt: new Date() });

  it('fails on a pending destructive migration not in allowDestructive, passes when it is listed', async () => {
    // GIVEN two pending migrations, one destructive
    addMigrations(p, M.customers, M.cars, M.dropPhone);
    // WHEN the check runs without allowDestructive
    const bad = await run([]);
    // THEN it fails, naming the file:line and the fix
    expect(bad.ok).toBe(false);
    expect(bad.detail).toBe(`${M.dropPhone}: destructive and not in allowDestructive: drop column at db/migrations/${M.dropPhone}:4; add "${M.dropPhone}" to allowDestructive or make it non-destructive`);
    expect(bad.items?.map((i) => [i.name, i.ok])).toEqual([
      [M.customers, true],
      [M.cars, true],
      [M.dropPhone, false],
    ]);
    // WHEN the release lists it / THEN it passes
    const good = await run([M.dropPhone]);
    expect(good.ok).toBe(true);
    expect(good.detail).toBe('3 pending migration(s), none destructive without allowDestructive');
    // WHEN allowDestructive names a file that does not exist / THEN it fails
    const typo = await run(['20240104000000_drop_phon.mjs']);
    expect(typo.ok).toBe(false);
    expect(typo.detail).toContain('allowDestructive names 20240104000000_drop_phon.mjs, which is not a file in db/migrations');
  });

  it('passes when the destructive migration already ran (only pending ones count)', async () => {
    addMigrations(p, M.customers, M.cars, M.dropPhone);
    await withKnex({ kind: 'pg', url: db.url, label: 'x', secrets: [] }, async (k) => {
      const { runLatest } = await import('../../src/db/core.js');
      await runLatest(k, migrationsDir(p.ctx('local')));
    });
    const r = await run([]);
    expect(r).toEqual({ name: 'migrations-safe', ok: true, detail: 'no pending migrations', items: [] });
  });
});
