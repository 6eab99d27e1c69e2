import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { makeProject, type TestProject } from '../helpers/project.js';
import { recordingIo } from '../helpers/io.js';
import { spawnCli } from '../helpers/cli.js';
import { addMigrations, FIXTURES, M } from './support.js';

async function pgliteRows<T>(dir: string, sql: string): Promise<T[]> {
  const db = new PGlite(dir);
  try {
    return (await db.query<T>(sql)).rows;
  } finally {
    await db.close();
  }
}

describe('turnctl db commands on the local stage (PGlite)', () => {
  let p: TestProject;
  const run = async (...argv: string[]) => {
    const io = recordingIo();
    const code = await main(argv, { io, cwd: p.dir });
    return { code, io };
  };
  beforeAll(() => {
    p = makeProject({
      config: (c) => {
        // A stage outside the sandbox: seed must refuse it before touching anything.
        c.stages.remote = { account: '123456789012', endpoint: 'http://127.0.0.1:9' };
      },
    });
    cpSync(join(FIXTURES, 'seeds'), join(p.dir, 'db', 'seeds'), { recursive: true });
  });
  const pgdir = () => join(p.dir, '.turnctl', 'pglite', 'local');

  it('make writes a timestamped migration with up and down; a bad name is a usage error', async () => {
    const own = makeProject();
    const run = async (...argv: string[]) => {
      const io = recordingIo();
      return { code: await main(argv, { io, cwd: own.dir }), io };
    };
    // WHEN a migration is made
    const ok = await run('db', 'make', 'add_fleet_table');
    // THEN it is in db/migrations with an up/down skeleton and the path is printed
    expect(ok.code).toBe(0);
    const [file] = readdirSync(join(own.dir, 'db', 'migrations'));
    expect(file).toMatch(/^\d{14}_add_fleet_table\.mjs$/);
    expect(ok.io.stdout).toEqual([`db/migrations/${file}`]);
    const mod = await import(join(own.dir, 'db', 'migrations', file!));
    expect([typeof mod.up, typeof mod.down]).toEqual(['function', 'function']);
    // WHEN the name is bad / THEN exit 64 and nothing new is written
    const bad = await run('db', 'make', 'Drop Everything');
    expect(bad.code).toBe(64);
    expect(bad.io.stderr.join('\n')).toMatch(/must be lower-case letters, digits and underscores/);
    expect(readdirSync(join(own.dir, 'db', 'migrations'))).toEqual([file]);
    // AND a name too long for a file name is a usage error, not an internal error
    const long = await run('db', 'make', `add_${'x'.repeat(300)}`);
    expect(long.code).toBe(64);
    expect(long.io.stderr.join('\n')).toMatch(/^error: migration name is 304 characters long; use at most 100/);
    expect(readdirSync(join(own.dir, 'db', 'migrations'))).toEqual([file]);
    // AND the same name twice is refused
    expect((await run('db', 'make', 'add_fleet_table')).code).toBe(64);
    // AND --stage is accepted like on every db command, but must name a stage
    expect((await run('db', 'make', 'add_cars_table', '--stage', 'local')).code).toBe(0);
    const unknown = await run('db', 'make', 'add_more_cars', '--stage', 'qa');
    expect(unknown.code).toBe(65);
    expect(unknown.io.stderr.join('\n')).toMatch(/unknown stage "qa"; stages in turnctl\.yaml: local, staging, prod/);
    expect(readdirSync(join(own.dir, 'db', 'migrations'))).toHaveLength(2);
  });

  it('status, migrate (confirmation), seed and rollback of the last batch', async () => {
    // GIVEN only fixture migrations
    addMigrations(p, M.customers, M.cars);
    // WHEN status runs / THEN both pending
    const s1 = await run('db', 'status', '--stage', 'local');
    expect(s1.code).toBe(0);
    expect(s1.io.stdout).toEqual([`pending            ${M.customers}`, `pending            ${M.cars}`, '2 pending on stage local']);
    // WHEN migrate runs without --yes and without a TTY / THEN it refuses, naming --yes, and applies nothing
    const refused = await run('db', 'migrate', '--stage', 'local');
    expect(refused.code).toBe(64);
    expect(refused.io.stderr.join('\n')).toContain('--yes');
    expect(await pgliteRows(pgdir(), `select count(*)::int as n from information_schema.tables where table_name = 'customers'`)).toEqual([{ n: 0 }]);
    // WHEN migrate --yes / THEN batch 1 holds both
    const migrated = await run('db', 'migrate', '--stage', 'local', '--yes', '--output', 'json');
    expect(migrated.code).toBe(0);
    expect(JSON.parse(migrated.io.stdout[0]!)).toEqual({ stage: 'local', batch: 1, migrations: [M.customers, M.cars] });
    // WHEN seeded / THEN the rows are there
    const seeded = await run('db', 'seed', '--stage', 'local');
    expect(seeded.code).toBe(0);
    expect(seeded.io.stdout).toEqual(['seeded db/seeds/local/01_customers.mjs']);
    expect(await pgliteRows<{ email: string }>(pgdir(), 'select email from customers order by email')).toEqual([{ email: 'ada@example.com' }, { email: 'linus@example.com' }]);
    // WHEN a batch with a migration without down is migrated and rollback is asked for
    addMigrations(p, M.noDown);
    expect((await run('db', 'migrate', '--stage', 'local', '--yes')).code).toBe(0);
    const blocked = await run('db', 'rollback', '--stage', 'local', '--yes');
    // THEN it is refused with a fix-forward message (exit 1)
    expect(blocked.code).toBe(1);
    expect(blocked.io.stderr.join('\n')).toMatch(new RegExp(`migration ${M.noDown} of batch 2 has no down; fix forward`));
    // WHEN a destructive migration is pending / THEN migrate refuses it at file:line unless --allow-destructive
    addMigrations(p, M.dropPhone);
    const destructive = await run('db', 'migrate', '--stage', 'local', '--yes');
    expect(destructive.code).toBe(65);
    expect(destructive.io.stderr.join('\n')).toContain(`error: db/migrations/${M.dropPhone}:4: destructive migration (drop column: t.dropColumn('phone');) is not allowed; pass --allow-destructive`);
    expect(destructive.io.stderr.join('\n')).toContain('--allow-destructive');
    const st = await run('db', 'status', '--stage', 'local', '--output', 'json');
    expect(JSON.parse(st.io.stdout[0]!).migrations.map((m: { name: string; status: string; batch: number | null }) => [m.name, m.status, m.batch])).toEqual([
      [M.customers, 'applied', 1],
      [M.cars, 'applied', 1],
      [M.noDown, 'applied', 2],
      [M.dropPhone, 'pending', null],
    ]);
    expect((await run('db', 'migrate', '--stage', 'local', '--yes', '--allow-destructive')).code).toBe(0);
    // WHEN the last batch (which has a down) is rolled back / THEN the column is back
    const rolled = await run('db', 'rollback', '--stage', 'local', '--yes');
    expect(rolled.code).toBe(0);
    expect(rolled.io.stdout).toEqual(['rolled back batch 3:', `  ${M.dropPhone}`]);
    expect(await pgliteRows(pgdir(), `select column_name from information_schema.columns where table_name = 'customers' and column_name = 'phone'`)).toHaveLength(1);
  });

  it('GIVEN database.migrations naming a directory that does not exist WHEN status or a release plan runs THEN it is invalid input at turnctl.yaml:line, not "no migrations"', async () => {
    const own = makeProject({ config: (c) => (c.database = { migrations: 'db/migratons' }) });
    const io = recordingIo();
    const code = await main(['db', 'status', '--stage', 'local'], { io, cwd: own.dir });
    expect(code).toBe(65);
    expect(io.stderr.join('\n')).toMatch(/^error: \S*turnctl\.yaml:\d+:\d+: migrations directory db\/migratons does not exist; fix database\.migrations/);
    const plan = recordingIo();
    expect(await main(['release', 'plan', own.writeRelease({ version: '1.0.0' }), '--stage', 'local'], { io: plan, cwd: own.dir })).toBe(65);
    expect(plan.stderr.join('\n')).toMatch(/migrations directory db\/migratons does not exist/);
    // without the key, a project simply has no migrations
    delete own.config.database;
    own.writeConfig(own.config);
    expect(await main(['db', 'status', '--stage', 'local'], { io: recordingIo(), cwd: own.dir })).toBe(0);
  });

  it('GIVEN a migration of the last batch whose file was deleted WHEN rolled back THEN it is invalid input naming the missing file (not "fix forward") and nothing is rolled back', async () => {
    const own = makeProject();
    const run = async (...argv: string[]) => {
      const io = recordingIo();
      return { code: await main(argv, { io, cwd: own.dir }), io };
    };
    addMigrations(own, M.customers);
    expect((await run('db', 'migrate', '--stage', 'local', '--yes')).code).toBe(0);
    // WHEN the applied file is deleted and rollback is asked for
    rmSync(join(own.dir, 'db', 'migrations', M.customers));
    const r = await run('db', 'rollback', '--stage', 'local', '--yes');
    // THEN exit 65, one line saying the file is missing and how to fix it
    expect(r.code).toBe(65);
    expect(r.io.stderr.filter((l) => l.startsWith('error:'))).toEqual([`error: db/migrations: migration ${M.customers} of batch 1 ran on stage local but its file is missing; restore it from version control (never delete applied migrations), then roll back`]);
    // AND the migration is still applied
    const st = await run('db', 'status', '--stage', 'local', '--output', 'json');
    expect(JSON.parse(st.io.stdout[0]!).migrations.map((m: { name: string; status: string }) => [m.name, m.status])).toEqual([[M.customers, 'file missing']]);
  });

  it('GIVEN a migration with a syntax error WHEN planned or migrated THEN it is invalid input at its file:line:column and nothing ran', async () => {
    const own = makeProject();
    own.write('db/migrations/0001_ok.mjs', "export async function up(knex) { await knex.schema.createTable('a', (t) => t.increments('id')); }\nexport async function down(knex) { await knex.schema.dropTable('a'); }\n");
    own.write('db/migrations/0002_broken.mjs', "export async function up(knex) {\n  await knex.schema.alterTable('a', (t) => { t.string('b')\n}\nexport async function down(knex) {}\n");
    const plan = recordingIo();
    expect(await main(['release', 'plan', own.writeRelease({ version: '1.0.0' }), '--stage', 'local'], { io: plan, cwd: own.dir })).toBe(65);
    expect(plan.stderr.filter((l) => l.startsWith('error:'))).toEqual([expect.stringMatching(/^error: \S*db\/migrations\/0002_broken\.mjs:4:1: syntax error in migration: Expected "\)" but found "export"; fix the file$/)]);
    const migrate = recordingIo();
    expect(await main(['db', 'migrate', '--stage', 'local', '--yes'], { io: migrate, cwd: own.dir })).toBe(65);
    expect(migrate.stderr.join('\n')).toMatch(/0002_broken\.mjs:4:1: syntax error/);
    const status = recordingIo();
    expect(await main(['db', 'status', '--stage', 'local', '--output', 'json'], { io: status, cwd: own.dir })).toBe(0);
    // status still shows the stage (read-only), and names the file that migrate and plan refuse
    const rows = JSON.parse(status.stdout.join('\n')).migrations as Array<{ status: string; syntaxError?: string }>;
    expect(rows.map((m) => m.status)).toEqual(['pending', 'pending']);
    expect(rows[0]!.syntaxError).toBeUndefined();
    expect(rows[1]!.syntaxError).toMatch(/db\/migrations\/0002_broken\.mjs:4:1: Expected "\)" but found "export"$/);
    const text = recordingIo();
    expect(await main(['db', 'status', '--stage', 'local'], { io: text, cwd: own.dir })).toBe(0);
    expect(text.stdout.join('\n')).toMatch(/pending\s+0002_broken\.mjs  syntax error at \S*0002_broken\.mjs:4:1/);
  });

  it('GIVEN a migration that fails when it runs WHEN migrated THEN the one-line error names the migration and nothing of the batch is recorded', async () => {
    const own = makeProject();
    own.write('db/migrations/0001_ok.mjs', "export async function up(knex) { await knex.schema.createTable('a', (t) => t.increments('id')); }\nexport async function down(knex) { await knex.schema.dropTable('a'); }\n");
    own.write('db/migrations/0002_fails.mjs', "export async function up(knex) { await knex.schema.alterTable('nope', (t) => t.string('b')); }\nexport async function down() {}\n");
    const io = recordingIo();
    expect(await main(['db', 'migrate', '--stage', 'local', '--yes'], { io, cwd: own.dir })).toBe(1);
    expect(io.stderr.filter((l) => l.startsWith('error:'))).toEqual([expect.stringMatching(/^error: database error on PGlite .*: migration 0002_fails\.mjs \(up\) failed: alter table "nope" .*relation "nope" does not exist$/)]);
    const status = recordingIo();
    expect(await main(['db', 'status', '--stage', 'local', '--output', 'json'], { io: status, cwd: own.dir })).toBe(0);
    expect(JSON.parse(status.stdout.join('\n')).migrations.map((m: { status: string }) => m.status)).toEqual(['pending', 'pending']);
  });

  it('GIVEN a migration whose multi-line raw SQL fails WHEN migrated THEN the one-line error still gives the database\'s reason (knex puts the SQL first)', async () => {
    const own = makeProject();
    own.write('db/migrations/0001_raw.mjs', 'export async function up(knex) {\n  await knex.raw(`\n    CREATE TABLE invoices (\n      id serial PRIMARY KEY,\n      car_id integer REFERENCES no_such_table(id)\n    )\n  `);\n}\nexport async function down(knex) { await knex.schema.dropTable(\'invoices\'); }\n');
    const io = recordingIo();
    expect(await main(['db', 'migrate', '--stage', 'local', '--yes'], { io, cwd: own.dir })).toBe(1);
    // It was "migration 0001_raw.mjs (up) failed: " and nothing else: the first line of a message whose SQL spans lines.
    expect(io.stderr.filter((l) => l.startsWith('error:'))).toEqual([
      expect.stringMatching(/^error: database error on PGlite .*: migration 0001_raw\.mjs \(up\) failed: CREATE TABLE invoices \( id serial PRIMARY KEY, car_id integer REFERENCES no_such_table\(id\) \) - relation "no_such_table" does not exist$/),
    ]);
    expect(io.stderr.join('\n')).not.toMatch(/\n\s*(CREATE|id serial|car_id|\))/); // no SQL line of its own
  });

  it('GIVEN a migration written as .js (knex\'s default) WHEN db status or a release plan runs THEN exit 65 naming the file and the rename (it was ignored: "no migrations", nothing ran)', async () => {
    const own = makeProject();
    addMigrations(own, M.customers);
    own.write('db/migrations/20240102000000_add_cars.js', "exports.up = (knex) => knex.schema.createTable('cars', (t) => t.increments('id'));\nexports.down = (knex) => knex.schema.dropTable('cars');\n");
    for (const argv of [['db', 'status', '--stage', 'local'], ['db', 'migrate', '--stage', 'local', '--yes'], ['release', 'plan', 'releases/1.0.0.yaml', '--stage', 'local']]) {
      const io = recordingIo();
      expect(await main(argv, { io, cwd: own.dir }), argv.join(' ')).toBe(65);
      expect(io.stderr.filter((l) => l.startsWith('error:'))).toEqual([
        'error: db/migrations/20240102000000_add_cars.js: migration files are ES modules named *.mjs (exporting up and down), so this one would never run; rename it to 20240102000000_add_cars.mjs (as JavaScript) or move it out of db/migrations',
      ]);
    }
    expect(existsSync(join(own.dir, '.turnctl', 'pglite', 'local'))).toBe(false);
  });

  it('GIVEN the local sandbox is not running WHEN db status and migrate run on PGlite THEN they work (no AWS call); a release plan says to start the sandbox', async () => {
    const own = makeProject();
    addMigrations(own, M.customers);
    const noSandbox = { TURNCTL_SANDBOX_ENDPOINT: '' }; // and no .turnctl/sandbox.json in the project: nothing runs
    const status = await spawnCli(['db', 'status', '--stage', 'local'], own.dir, noSandbox);
    expect([status.code, status.stderr]).toEqual([0, '']);
    expect(status.stdout).toMatch(/1 pending on stage local/);
    const migrated = await spawnCli(['db', 'migrate', '--stage', 'local', '--yes'], own.dir, noSandbox);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect((await spawnCli(['db', 'status', '--stage', 'local'], own.dir, noSandbox)).stdout).toMatch(/0 pending on stage local/);
    const plan = await spawnCli(['release', 'plan', 'releases/1.0.0.yaml', '--stage', 'local'], own.dir, noSandbox);
    expect([plan.code, plan.stderr.trim().split('\n').at(-1)]).toEqual([1, 'error: the local sandbox is not running; start it with: turnctl sandbox start']);
  });

  it('seed is refused on a stage outside the sandbox', async () => {
    const r = await run('db', 'seed', '--stage', 'remote');
    expect(r.code).toBe(64);
    expect(r.io.stderr.join('\n')).toMatch(/db seed only runs on sandbox stages/);
    expect(existsSync(join(p.dir, '.turnctl', 'pglite', 'remote'))).toBe(false);
  });
});
