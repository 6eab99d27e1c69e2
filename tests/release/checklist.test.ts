import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APIGatewayClient, GetResourcesCommand, GetRestApisCommand, GetStageCommand } from '@aws-sdk/client-api-gateway';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand, LambdaClient, ListLayerVersionsCommand } from '@aws-sdk/client-lambda';
import { GetBucketCorsCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const opts = { region: 'eu-central-1', endpoint: process.env.TURNCTL_SANDBOX_ENDPOINT, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
const lambda = new LambdaClient(opts);
const apigw = new APIGatewayClient(opts);
const s3 = new S3Client({ ...opts, forcePathStyle: true });
const iam = new IAMClient(opts);
const logs = new CloudWatchLogsClient(opts);
const cw = new CloudWatchClient(opts);
const FUNCTIONS = ['health', 'legal', 'vehicles', 'subscriptions', 'migrate'];

/** A copy of this repository's TURN project under a unique project name (node_modules linked). */
function copyRepoProject(): { dir: string; name: string } {
  const dir = mkdtempSync(join(tmpdir(), 'turnctl-turn-'));
  for (const p of ['turnctl.yaml', 'tracking-plan.yaml', 'src/lambdas', 'src/db', 'db', 'legal', 'layers', 'gateway', 'releases']) cpSync(join(process.cwd(), p), join(dir, p), { recursive: true });
  symlinkSync(join(process.cwd(), 'node_modules'), join(dir, 'node_modules'));
  const name = `turn${randomBytes(3).toString('hex')}`;
  edit(dir, 'turnctl.yaml', (t) => t.replace('project: turn', `project: ${name}`));
  return { dir, name };
}

function edit(dir: string, file: string, fn: (t: string) => string): void {
  const before = readFileSync(join(dir, file), 'utf8');
  const after = fn(before);
  if (after === before) throw new Error(`edit of ${file} changed nothing`);
  writeFileSync(join(dir, file), after);
}

/** Everything the release manages, read back through second clients (and PGlite directly). */
async function snapshot(dir: string, name: string) {
  const fn = (f: string) => `${name}-local-${f}`;
  const functions: Record<string, unknown> = {};
  for (const f of FUNCTIONS) {
    const c = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn(f), Qualifier: 'live' }));
    functions[f] = { version: c.Version, code: c.CodeSha256, env: c.Environment?.Variables, memory: c.MemorySize, timeout: c.Timeout, layers: c.Layers?.map((l) => l.Arn) };
  }
  const layerVersions = (await lambda.send(new ListLayerVersionsCommand({ LayerName: fn('common') }))).LayerVersions?.map((v) => v.Version).sort();
  const api = (await apigw.send(new GetRestApisCommand({ limit: 500 }))).items!.find((a) => a.name === `${name}-local-api`)!;
  const stage = await apigw.send(new GetStageCommand({ restApiId: api.id, stageName: 'local' }));
  const resources = (await apigw.send(new GetResourcesCommand({ restApiId: api.id, limit: 500 }))).items!.map((r) => `${r.path} ${Object.keys(r.resourceMethods ?? {}).sort().join(',')}`).sort();
  const cors = (await s3.send(new GetBucketCorsCommand({ Bucket: `${name}-local-uploads` }))).CORSRules;
  const policy = decodeURIComponent((await iam.send(new GetRolePolicyCommand({ RoleName: fn('health'), PolicyName: 'turnctl-buckets' }))).PolicyDocument!);
  const groups = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/aws/lambda/${name}-local-` }))).logGroups!.map((g) => `${g.logGroupName} ${g.retentionInDays}`).sort();
  const alarms = (await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: `${name}-local-` }))).MetricAlarms!.map((a) => `${a.AlarmName} ${a.Threshold}`).sort();
  const index = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: `${name}-local-legal`, Key: 'index.json' }))).Body!.transformToString());
  const pg = await PGlite.create(join(dir, '.turnctl/pglite/local'), { extensions: { btree_gist } });
  const migrations = (await pg.query<{ name: string }>('select name from knex_migrations order by id')).rows.map((r) => r.name);
  const columns = (await pg.query<{ column_name: string }>("select column_name from information_schema.columns where table_name = 'vehicles' order by column_name")).rows.map((r) => r.column_name);
  await pg.close();
  return { functions, layerVersions, deployment: stage.deploymentId, throttling: stage.methodSettings, resources, cors, policy, groups, alarms, index, migrations, columns };
}

// Two full releases of the real project: slower than the rest, so a longer limit (typical: 25 s + 35 s).
describe('the whole checklist on the repo project (every section)', { timeout: 240_000 }, () => {
  let dir: string;
  let name: string;
  beforeAll(() => ({ dir, name } = copyRepoProject()));

  it('GIVEN a fresh sandbox WHEN releases/1.0.0.yaml is applied THEN every section is created, post-checks pass, and a re-plan shows no changes', async () => {
    const r = await runCli(['release', 'apply', 'releases/1.0.0.yaml', '--stage', 'local', '--yes', '--output', 'json'], dir);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.steps.filter((s: { changes: number }) => s.changes > 0).map((s: { section: string }) => s.section)).toEqual(['bootstrap', 'layers', 'env', 'buckets', 'database', 'functions', 'gateway', 'monitoring', 'legal']);
    expect(out.postChecks.map((c: { name: string; ok: boolean }) => `${c.name}:${c.ok}`)).toEqual(['smoke:true', 'health:true', 'cors:true', 'errors:true', 'tracking-plan:true']);
    const plan = await runCli(['release', 'plan', 'releases/1.0.0.yaml', '--stage', 'local', '--exit-code'], dir);
    expect(plan.code, plan.stdout).toBe(0);
  });

  it('GIVEN a second release changing one thing per section WHEN planned, applied and rolled back THEN the state read back equals the state before', async () => {
    const before = await snapshot(dir, name);
    // One change per section.
    edit(dir, 'layers/common/package-lock.json', (t) => `${t.trimEnd()}\n\n`); // layers: new lock bytes → new version
    edit(dir, 'turnctl.yaml', (t) => t.replace('throttling: { rate: 100, burst: 200 }', 'throttling: { rate: 50, burst: 100 }')); // gateway
    edit(dir, 'turnctl.yaml', (t) => t.replace('      POWERTOOLS_SERVICE_NAME: turn-legal', '      POWERTOOLS_SERVICE_NAME: turn-legal-v2')); // env
    edit(dir, 'turnctl.yaml', (t) => t.replace(/maxAge: 600\n(\s+policy:)/, 'maxAge: 300\n$1')); // buckets
    writeFileSync(join(dir, 'db/migrations/0003_add_vehicle_color.mjs'), "export async function up(knex) { await knex.schema.alterTable('vehicles', (t) => t.string('color')); }\nexport async function down(knex) { await knex.schema.alterTable('vehicles', (t) => t.dropColumn('color')); }\n"); // database
    edit(dir, 'src/lambdas/migrate/index.ts', (t) => `${t}\n// a change of code\n`);
    edit(dir, 'turnctl.yaml', (t) => t.replace('retentionDays: 30', 'retentionDays: 14')); // monitoring
    edit(dir, 'legal/terms.md', (t) => t.replace('version: "1.0"', 'version: "1.1"').replace(/summary: .*/, 'summary: Clarifies the notice period.').concat('\nNotice periods are counted in calendar days.\n')); // legal
    writeFileSync(join(dir, 'releases/1.1.0.yaml'), readFileSync(join(dir, 'releases/1.0.0.yaml'), 'utf8').replace('version: 1.0.0', 'version: 1.1.0'));

    const plan = await runCli(['release', 'plan', 'releases/1.1.0.yaml', '--stage', 'local', '--output', 'json', '--exit-code'], dir);
    expect(plan.code, plan.stderr).toBe(2);
    const sections = JSON.parse(plan.stdout).steps.filter((s: { changes: unknown[] }) => s.changes.length > 0).map((s: { section: string }) => s.section);
    expect(sections).toEqual(['layers', 'gateway', 'env', 'buckets', 'database', 'functions', 'monitoring', 'legal']);

    const applied = await runCli(['release', 'apply', 'releases/1.1.0.yaml', '--stage', 'local', '--yes'], dir);
    expect(applied.code, applied.stderr).toBe(0);
    const after = await snapshot(dir, name);
    expect(after.migrations).toContain('0003_add_vehicle_color.mjs');
    expect(after.columns).toContain('color');
    expect(after.index.terms.version).toBe('1.1');
    expect(after.groups.every((g) => g.endsWith(' 14'))).toBe(true);
    expect(after.layerVersions).toHaveLength(2);
    expect(after.throttling).not.toEqual(before.throttling); // a throttling-only change needs no new deployment
    expect(JSON.stringify(after.throttling)).toMatch(/"throttlingRateLimit":50/);

    const rb = await runCli(['release', 'rollback', '--stage', 'local', '--yes'], dir);
    expect(rb.code, rb.stderr).toBe(0);
    expect(await snapshot(dir, name)).toEqual(before);
  });
});

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
