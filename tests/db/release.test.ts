import { rmSync } from 'node:fs';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeProject, type TestProject } from '../helpers/project.js';
import { freshDatabase, pgInspector } from './pg.js';
import { addMigrations, M } from './support.js';

// End to end through `turnctl release`: the database step in the engine's plan, apply and rollback.
describe('release with database migrations (engine, Postgres)', () => {
  let p: TestProject;
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    db = await freshDatabase();
    p = makeProject({ config: (c) => (c.database = { stages: { local: { url: db.url } } }) });
  });
  afterAll(async () => db.drop());
  const failSmoke = (on: boolean) => {
    if (on) p.config.functions.health.environment.FAIL_SMOKE = 'yes';
    else delete p.config.functions.health.environment.FAIL_SMOKE;
    p.writeConfig(p.config);
  };

  it('applies pending migrations, then re-plans with no database change', async () => {
    // GIVEN two migrations / WHEN release 1.0.0 is applied
    addMigrations(p, M.customers, M.cars);
    const r = await runCli(['release', 'apply', `${p.dir}/releases/1.0.0.yaml`, '--stage', 'local', '--yes'], p.dir);
    // THEN they ran as batch 1
    expect(r.code, r.stderr).toBe(0);
    expect(await pgInspector(db.url).migrations()).toEqual([
      { name: M.customers, batch: 1 },
      { name: M.cars, batch: 1 },
    ]);
    const plan = await runCli(['release', 'plan', `${p.dir}/releases/1.0.0.yaml`, '--stage', 'local', '--output', 'json'], p.dir);
    expect(plan.code, plan.stderr).toBe(0);
    const steps = JSON.parse(plan.stdout).steps as Array<{ section: string; changes: unknown[] }>;
    expect(steps.filter((s) => s.section === 'database').flatMap((s) => s.changes)).toEqual([]);
  });

  it('refuses a destructive migration at plan time; allowed, a failed post-check rolls it back with down', async () => {
    // GIVEN a migration that drops a column
    addMigrations(p, M.dropPhone);
    const refused = p.writeRelease({ version: '1.1.0', notes: 'drop phone' });
    // WHEN planned without allowDestructive / THEN exit 65 at the statement's file:line
    const plan = await runCli(['release', 'plan', refused, '--stage', 'local'], p.dir);
    expect(plan.code).toBe(65);
    expect(plan.stderr).toContain(`error: db/migrations/${M.dropPhone}:4: destructive migration (drop column`);
    expect(plan.stderr).toContain('allowDestructive');
    // WHEN allowed, and the release's smoke post-check fails
    const allowed = p.writeRelease({ version: '1.1.0', notes: 'drop phone', allowDestructive: [M.dropPhone] });
    failSmoke(true);
    const r = await runCli(['release', 'apply', allowed, '--stage', 'local', '--yes'], p.dir);
    // THEN the release is rolled back (exit 3): down ran, the column is back
    expect(r.code, r.stderr).toBe(3);
    expect((await pgInspector(db.url).migrations()).map((m) => m.name)).toEqual([M.customers, M.cars]);
    expect(await pgInspector(db.url).columns('customers')).toContain('phone');
  });

  it('a batch with a migration without down is left for a fix forward (exit 1) and every other step is restored', async () => {
    // GIVEN a release adding a migration without down, whose post-check fails
    // (the rolled-back destructive migration is withdrawn from the repo)
    rmSync(`${p.dir}/db/migrations/${M.dropPhone}`);
    addMigrations(p, M.noDown);
    const manifest = p.writeRelease({ version: '1.2.0', notes: 'subscriptions' });
    failSmoke(true);
    // WHEN applied
    const r = await runCli(['release', 'apply', manifest, '--stage', 'local', '--yes'], p.dir);
    // THEN rollback stops at the database with the fix-forward message, and the migration stays
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`rolled back except: database: migration ${M.noDown} has no down; fix forward`);
    expect((await pgInspector(db.url).migrations()).map((m) => m.name)).toEqual([M.customers, M.cars, M.noDown]);
    expect(await pgInspector(db.url).tables()).toContain('subscriptions');
    // AND the env step, which ran before the database, is restored: the live alias carries no FAIL_SMOKE
    const lambda = new LambdaClient({ region: 'eu-central-1', endpoint: process.env.TURNCTL_SANDBOX_ENDPOINT, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const live = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: `${p.name}-local-health`, Qualifier: 'live' }));
    expect(Object.keys(live.Environment?.Variables ?? {})).not.toContain('FAIL_SMOKE');
    expect(Object.keys(live.Environment?.Variables ?? {})).toContain('STAGE');
    // AND release status shows the database step as blocked (it said done, as if nothing had been tried) and env restored
    const status = await runCli(['release', 'status', '--stage', 'local', '--output', 'json'], p.dir);
    const steps = Object.fromEntries((JSON.parse(status.stdout).run.steps as Array<{ section: string; status: string }>).map((s) => [s.section, s.status]));
    expect(steps).toMatchObject({ database: 'blocked', env: 'restored' });
    const text = await runCli(['release', 'status', '--stage', 'local'], p.dir);
    expect(text.stdout).toMatch(/rollback-blocked\n[\s\S]*\n  database +blocked +1 change\(s\)\n/);
    expect(text.stdout).toContain(`not restored: database: migration ${M.noDown} has no down`);
    // AND a later rollback of the run tries the blocked step again (still no down: still blocked, not "rolled back")
    const again = await runCli(['release', 'rollback', '--stage', 'local', '--yes'], p.dir);
    expect([again.code, again.stdout]).toEqual([1, expect.stringContaining(`rolled back except: database: migration ${M.noDown} has no down`)]);
  });
});
