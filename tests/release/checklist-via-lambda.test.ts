import { join } from 'node:path';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { lambda } from './checklist-snapshot.js';
import { copyRepoProject, edit } from './repo-project.js';

// A full release of the real project, in a file of its own so it runs beside the two of checklist.test.ts.
describe('database via: lambda', { timeout: 240_000 }, () => {
  it('GIVEN a stage whose migrations run through the migrate function WHEN a fresh release is applied THEN migrate is deployed first, the migrations run inside it, and rollback undoes both', async () => {
    const { dir, name } = copyRepoProject();
    edit(dir, 'turnctl.yaml', (t) => t.replace('  stages:\n    staging:\n      url: { ssm: /turn/staging/database-url }', '  stages:\n    local:\n      via: lambda\n    staging:\n      url: { ssm: /turn/staging/database-url }'));
    const plan = await runCli(['release', 'plan', 'releases/1.0.0.yaml', '--stage', 'local', '--output', 'json'], dir);
    expect(plan.code, plan.stderr).toBe(0);
    const p = JSON.parse(plan.stdout);
    const order = p.steps.map((s: { section: string }) => s.section);
    expect(order.indexOf('migrate-function')).toBe(order.indexOf('database') - 1);
    expect(p.steps.find((s: { section: string }) => s.section === 'migrate-function').changes.map((c: { id: string }) => c.id)).toEqual(['function:migrate']);
    expect(p.steps.find((s: { section: string }) => s.section === 'functions').changes.map((c: { id: string }) => c.id)).not.toContain('function:migrate');
    expect(p.orderNote).toMatch(/migrate function is deployed before the database step/);

    const r = await runCli(['release', 'apply', 'releases/1.0.0.yaml', '--stage', 'local', '--yes'], dir);
    expect(r.code, r.stderr).toBe(0);
    const pg = await PGlite.create(join(dir, '.turnctl/pglite/local'), { extensions: { btree_gist } });
    expect((await pg.query<{ name: string }>('select name from knex_migrations order by id')).rows.map((x) => x.name)).toEqual(['0001_create_vehicles.mjs', '0002_create_subscriptions.mjs']);
    await pg.close();
    const logged = await runCli(['logs', 'tail', 'migrate', '--stage', 'local', '--since', '1h'], dir);
    expect(logged.stdout).toMatch(/latest|MigrationsApplied|batch/i);

    const rb = await runCli(['release', 'rollback', '--stage', 'local', '--yes'], dir);
    expect(rb.code, rb.stderr).toBe(0);
    await expect(lambda.send(new GetFunctionConfigurationCommand({ FunctionName: `${name}-local-migrate` }))).rejects.toThrow(/not found/i);
    const pg2 = await PGlite.create(join(dir, '.turnctl/pglite/local'), { extensions: { btree_gist } });
    expect((await pg2.query<{ name: string }>('select name from knex_migrations')).rows).toEqual([]);
    await pg2.close();
  });
});
