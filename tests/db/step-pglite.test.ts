import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { beforeEach, describe, expect, it } from 'vitest';
import { localDatabaseUrl } from '../../src/db/connection.js';
import { step } from '../../src/release/steps/database.js';
import { makeProject, type TestProject } from '../helpers/project.js';
import { inspectorOver } from './pg.js';
import { addMigrations, M, release, stepScenario, type Inspector } from './support.js';

/** Reads the PGlite directory with a PGlite of its own (turnctl has closed it: one process at a time). */
function pgliteInspector(dir: string): Inspector {
  return inspectorOver(async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
    if (!existsSync(dir)) return [];
    const db = new PGlite(dir);
    try {
      return (await db.query<T>(sql, params)).rows;
    } finally {
      await db.close();
    }
  });
}

describe('database step on the local stage (PGlite)', () => {
  let p: TestProject;
  beforeEach(() => {
    p = makeProject();
  });
  const dir = () => join(p.dir, '.turnctl', 'pglite', 'local');

  stepScenario(() => ({ p, ctx: () => p.ctx('local'), inspect: pgliteInspector(dir()) }));

  it('reads an absent database as empty without creating it, and hands functions a pglite:// URL', async () => {
    // GIVEN a project with a migration and no database yet
    addMigrations(p, M.customers);
    const ctx = p.ctx('local');
    // WHEN the step reads live
    const desired = await step.desired(ctx, release(p, '1.0.0'));
    const live = await step.read(ctx, desired);
    // THEN nothing is completed and no PGlite directory was created
    expect(live).toEqual({ completed: [] });
    expect(existsSync(dir())).toBe(false);
    // AND the local DATABASE_URL names the on-disk directory
    expect(localDatabaseUrl(ctx)).toBe(`pglite://${dir()}`);
  });

  it('GIVEN allowDestructive naming no migration file WHEN the release is planned THEN exit 65 at that entry of the manifest (the migrations-safe pre-check failed it only at apply)', async () => {
    addMigrations(p, M.customers, M.dropPhone);
    const typo = '20240104000000_drop_phon.mjs';
    const rel = release(p, '1.1.0', { allowDestructive: [M.dropPhone, typo] });
    const line = readFileSync(join(p.dir, 'releases', '1.1.0.yaml'), 'utf8').split('\n').findIndex((l) => l.includes(typo)) + 1;
    await expect(step.desired(p.ctx('local'), rel)).rejects.toMatchObject({
      exitCode: 65,
      message: expect.stringMatching(new RegExp(`1\\.1\\.0\\.yaml:${line}:\\d+: allowDestructive names ${typo}, which is not a migration file in db/migrations; fix the name`)),
    });
    // AND naming only real files plans
    await expect(step.desired(p.ctx('local'), release(p, '1.1.0', { allowDestructive: [M.dropPhone] }))).resolves.toMatchObject({ allowDestructive: [M.dropPhone] });
  });

  it('GIVEN a misspelt pgliteExtensions name and no database yet WHEN the step reads live THEN exit 65 at the name in turnctl.yaml, and nothing is created (it failed the database step mid-apply)', async () => {
    p.config.database = { pgliteExtensions: ['btree_gis'] };
    p.writeConfig(p.config);
    addMigrations(p, M.customers);
    const ctx = p.ctx('local');
    const desired = await step.desired(ctx, release(p, '1.0.0'));
    const line = readFileSync(join(p.dir, 'turnctl.yaml'), 'utf8').split('\n').findIndex((l) => l.includes('btree_gis')) + 1;
    await expect(step.read(ctx, desired)).rejects.toMatchObject({
      exitCode: 65,
      message: expect.stringMatching(new RegExp(`turnctl\\.yaml:${line}:\\d+: database\\.pgliteExtensions: "btree_gis" is not a PGlite contrib extension`)),
    });
    expect(existsSync(dir())).toBe(false);
  });

  it('digest depends on migration names and content only', async () => {
    addMigrations(p, M.customers);
    const d1 = step.digest!(await step.desired(p.ctx('local'), release(p, '1.0.0')));
    const d2 = step.digest!(await step.desired(p.ctx('staging'), release(p, '1.0.1')));
    expect(d1).toBe(d2);
    addMigrations(p, M.cars);
    expect(step.digest!(await step.desired(p.ctx('local'), release(p, '1.0.0')))).not.toBe(d1);
  });
});
