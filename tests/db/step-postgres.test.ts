import { createServer, type AddressInfo } from 'node:net';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { makeProject, type TestProject } from '../helpers/project.js';
import { recordingIo } from '../helpers/io.js';
import { spawnCli } from '../helpers/cli.js';
import { startPostgres } from '../helpers/postgres.js';
import { freePort } from '../../src/sandbox/sandbox.js';
import { freshDatabase, pgInspector } from './pg.js';
import { addMigrations, M, stepScenario } from './support.js';

const PASSWORD = 'Sup3r-S3cret-pw';

function ssm(): SSMClient {
  return new SSMClient({ endpoint: process.env.TURNCTL_SANDBOX_ENDPOINT, region: 'eu-central-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
}

/** A project whose local stage reads its database URL from an SSM SecureString parameter. */
async function projectWithSsmUrl(url: string): Promise<{ p: TestProject; param: string }> {
  let param = '';
  const p = makeProject({
    config: (c) => {
      param = `/${c.project}/database-url`;
      c.database = { stages: { local: { url: { ssm: param } } } };
    },
  });
  await ssm().send(new PutParameterCommand({ Name: param, Value: url, Type: 'SecureString', Overwrite: true }));
  return { p, param };
}

describe('database step on Postgres (URL from an SSM SecureString)', () => {
  let p: TestProject;
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  beforeEach(async () => {
    db = await freshDatabase(PASSWORD);
    ({ p } = await projectWithSsmUrl(db.url));
  });
  afterEach(async () => db.drop());

  stepScenario(() => ({ p, ctx: () => p.ctx('local'), inspect: pgInspector(db.url) }));

  it('resolves the URL from SSM and never prints it or its password, also in errors', async () => {
    // GIVEN the SecureString holds the URL (read back through a second client)
    const param = `/${p.name}/database-url`;
    const stored = await ssm().send(new GetParameterCommand({ Name: param, WithDecryption: true }));
    expect(stored.Parameter?.Value).toBe(db.url);
    addMigrations(p, M.customers, M.cars);
    const io = recordingIo();
    // WHEN status, migrate and status --output json run
    expect(await main(['db', 'status', '--stage', 'local'], { io, cwd: p.dir })).toBe(0);
    expect(await main(['db', 'migrate', '--stage', 'local', '--yes'], { io, cwd: p.dir })).toBe(0);
    expect(await main(['db', 'status', '--stage', 'local', '--output', 'json'], { io, cwd: p.dir })).toBe(0);
    // THEN they worked against that database
    expect((await pgInspector(db.url).migrations()).map((m) => m.name)).toEqual([M.customers, M.cars]);
    const json = JSON.parse(io.stdout[io.stdout.length - 1]!);
    expect(json.migrations.map((m: { status: string }) => m.status)).toEqual(['applied', 'applied']);
    expect(json.database).toBe(`the local database (ssm:${param})`);
    // WHEN the parameter points at a server that refuses connections, and at a database that does not exist
    const port = new URL(db.url).port;
    await ssm().send(new PutParameterCommand({ Name: param, Value: db.url.replace(`:${port}/`, ':1/'), Type: 'SecureString', Overwrite: true }));
    const refused = await main(['db', 'migrate', '--stage', 'local', '--yes'], { io, cwd: p.dir });
    await ssm().send(new PutParameterCommand({ Name: param, Value: db.url.replace(db.name, `${db.name}_missing`), Type: 'SecureString', Overwrite: true }));
    const missing = await main(['db', 'migrate', '--stage', 'local', '--yes'], { io, cwd: p.dir });
    // THEN both fail with one line naming the source, not the URL
    expect([refused, missing]).toEqual([1, 1]);
    const errors = io.stderr.filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^error: database error on the local database \(ssm:[^)]*\): .*(ECONNREFUSED|connect)/);
    expect(errors[1]).toMatch(/does not exist; create the database first$/);
    // AND no output anywhere holds the password or the URL
    const all = io.text();
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain(db.url);
    expect(all).not.toContain(`postgres:${PASSWORD}`);
  });

  it('GIVEN a URL whose password holds an unencoded / WHEN db status runs THEN exit 65 at the url key saying to percent-encode, without the value (pg said only "Invalid URL")', async () => {
    const param = `/${p.name}/database-url`;
    const u = new URL(db.url);
    await ssm().send(new PutParameterCommand({ Name: param, Value: `postgres://${u.username}:Gen/rated?pw@${u.host}${u.pathname}`, Type: 'SecureString', Overwrite: true }));
    addMigrations(p, M.customers);
    const io = recordingIo();
    expect(await main(['db', 'status', '--stage', 'local'], { io, cwd: p.dir })).toBe(65);
    expect(io.stderr).toEqual([
      expect.stringMatching(/^error: \S*turnctl\.yaml:\d+:\d+: the database URL of stage local \(from ssm:\/\S+\/database-url\) does not parse as a URL; percent-encode the characters \/ \? # @ : and space in its user name and password \(e\.g\. \/ as %2F\), then run again \(the value is not shown\)$/),
    ]);
    expect(io.text()).not.toContain('rated');
  });

  it('reads a database that does not exist yet as empty', async () => {
    // GIVEN the URL names a database that was never created
    const param = `/${p.name}/database-url`;
    await ssm().send(new PutParameterCommand({ Name: param, Value: db.url.replace(db.name, `${db.name}_nope`), Type: 'SecureString', Overwrite: true }));
    addMigrations(p, M.customers);
    const io = recordingIo();
    // WHEN status runs / THEN the migration is pending
    expect(await main(['db', 'status', '--stage', 'local', '--output', 'json'], { io, cwd: p.dir })).toBe(0);
    expect(JSON.parse(io.stdout[0]!).migrations).toEqual([{ name: M.customers, status: 'pending', batch: null, destructive: [] }]);
  });
});

describe('a Postgres URL with sslmode=require', () => {
  it('GIVEN sslmode=require (pg warns about it in five lines) WHEN a db command runs THEN stderr holds one warning line and one error line', async () => {
    const db = await freshDatabase();
    try {
      const p = makeProject({ config: (c) => (c.database = { stages: { local: { url: `${db.url}?sslmode=require` } } }) });
      addMigrations(p, M.customers);
      const r = await spawnCli(['db', 'status', '--stage', 'local'], p.dir);
      // (the test server has no TLS: the command fails, after pg has warned)
      expect(r.code).toBe(1);
      expect(r.stderr.trimEnd().split('\n')).toEqual([
        expect.stringMatching(/^warning: SECURITY WARNING: The SSL modes 'prefer', 'require', and 'verify-ca' are treated as aliases for 'verify-full'\. .* use 'uselibpqcompat=true&sslmode=require' .*definitions\.$/),
        expect.stringMatching(/^error: database error on the local database \(turnctl\.yaml\): The server does not support SSL connections$/),
      ]);
    } finally {
      await db.drop();
    }
  });

  it('GIVEN a server whose TLS certificate Node does not trust (RDS without its CA bundle) WHEN a db command runs THEN the one-line error says how to trust it', async () => {
    const server = startPostgres(await freePort(), { tls: true });
    try {
      const p = makeProject({ config: (c) => (c.database = { stages: { local: { url: `${server.url}?sslmode=require` } } }) });
      addMigrations(p, M.customers);
      const r = await spawnCli(['db', 'status', '--stage', 'local'], p.dir);
      expect(r.code).toBe(1);
      expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(
        "error: database error on the local database (turnctl.yaml): self-signed certificate; the server's TLS certificate is not trusted here (DEPTH_ZERO_SELF_SIGNED_CERT): for RDS, point NODE_EXTRA_CA_CERTS at the RDS CA bundle (https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem) or add sslrootcert=<that file> to the URL",
      );
    } finally {
      server.stop();
    }
  });

  it('GIVEN a database host that does not resolve, or one that never answers (a private subnet) WHEN a db command runs THEN the one-line error says what to check (pg said only "timeout expired")', async () => {
    const p = makeProject({ config: (c) => (c.database = { stages: { local: { url: 'postgres://app:Pw-0f-app@db.turn.invalid:5432/turn' } } }) });
    addMigrations(p, M.customers);
    const dns = recordingIo();
    expect(await main(['db', 'status', '--stage', 'local'], { io: dns, cwd: p.dir })).toBe(1);
    expect(dns.stderr).toEqual(['error: database error on the local database (turnctl.yaml): getaddrinfo ENOTFOUND db.turn.invalid; the host name of the URL does not resolve from here: check it']);
    // a server that accepts the connection and never speaks, as a dropped-packet subnet looks to pg
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      p.config.database.stages.local.url = `postgres://app:Pw-0f-app@127.0.0.1:${(silent.address() as AddressInfo).port}/turn`;
      p.writeConfig(p.config);
      const io = recordingIo();
      expect(await main(['db', 'status', '--stage', 'local'], { io, cwd: p.dir })).toBe(1);
      expect(io.stderr).toEqual(['error: database error on the local database (turnctl.yaml): timeout expired; the database did not answer (pg waits 15 s): is it reachable from here (a private subnet, a security group)? Else use via: lambda']);
    } finally {
      silent.close();
    }
  });
});
