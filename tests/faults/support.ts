import * as apigwm from '@aws-sdk/client-api-gateway';
import * as cwm from '@aws-sdk/client-cloudwatch';
import * as iamm from '@aws-sdk/client-iam';
import * as lambdam from '@aws-sdk/client-lambda';
import * as logsm from '@aws-sdk/client-cloudwatch-logs';
import * as s3m from '@aws-sdk/client-s3';
import pg from 'pg';
import { freshDatabase } from '../db/pg.js';
import { handlerSource, makeProject, type TestProject } from '../helpers/project.js';

/**
 * Second clients, independent of turnctl's, that talk to moto DIRECTLY (never through a fault proxy): the suites
 * read the final state back through them.
 */
const cfg = () => ({ region: 'eu-central-1', endpoint: process.env.TURNCTL_SANDBOX_ENDPOINT, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 5 });
export const direct = {
  lambda: new lambdam.LambdaClient(cfg()),
  s3: new s3m.S3Client({ ...cfg(), forcePathStyle: true }),
  iam: new iamm.IAMClient(cfg()),
  apigw: new apigwm.APIGatewayClient(cfg()),
  logs: new logsm.CloudWatchLogsClient(cfg()),
  cw: new cwm.CloudWatchClient(cfg()),
};

export const MODEL = { $schema: 'http://json-schema.org/draft-04/schema#', title: 'HelloRequest', type: 'object', required: ['name'], properties: { name: { type: 'string' } } };

export const MIGRATION = `export async function up(knex) { await knex.raw('CREATE TABLE things (id serial PRIMARY KEY, name text NOT NULL)'); }
export async function down(knex) { await knex.raw('DROP TABLE things'); }
`;
export const MIGRATION_2 = `export async function up(knex) { await knex.raw('ALTER TABLE things ADD COLUMN note text'); }
export async function down(knex) { await knex.raw('ALTER TABLE things DROP COLUMN note'); }
`;

export const doc = (version: string, body: string) => `---\ntitle: Terms\nversion: "${version}"\neffectiveDate: 2025-07-01\nsummary: Terms ${version}.\n---\n\n${body}\n`;

/** Every section that works on the sandbox, in one release (the engine's "fuller release"). */
export const FULL_SECTIONS = ['layers', 'gateway', 'env', 'buckets', 'database', 'functions', 'monitoring', 'legal'] as const;

/**
 * A test project that exercises every registered step on the sandbox: a layer (built locally, no dependencies),
 * an API with two routes, a model, CORS and throttling, env, a bucket with a grant, one migration (Postgres), two
 * functions, monitoring (retention and alarms) and one legal document.
 */
export async function fullProject(): Promise<FullProject> {
  // Postgres (one fresh database per project) rather than PGlite: the same step, a tenth of the time per apply.
  const db = await freshDatabase();
  const p = makeProject({
    config: (c) => {
      c.layers = { common: { description: 'fault suite layer' } };
      c.functions.hello.layers = ['common'];
      c.gateway = {
        models: { HelloRequest: 'gateway/models/hello.json' },
        cors: { origins: 'http://localhost:5173', maxAge: 300 },
        throttling: { rate: 50, burst: 100 },
        routes: [
          { method: 'GET', path: '/health', function: 'health' },
          { method: 'POST', path: '/hello', function: 'hello', model: 'HelloRequest', validator: 'body' },
        ],
      };
      c.buckets = { uploads: { versioning: true, grants: [{ function: 'hello', access: ['read', 'write'], prefix: 'in/' }] } };
      c.monitoring = { retentionDays: 14, alarms: { errors: { threshold: 2 } } };
      c.legal = {};
      c.database = { stages: { local: { url: db.url } } };
    },
  });
  p.write('layers/common/package.json', `${JSON.stringify({ name: 'common', version: '1.0.0', private: true, dependencies: {} }, null, 2)}\n`);
  p.write('layers/common/package-lock.json', lock('1.0.0'));
  p.write('gateway/models/hello.json', JSON.stringify(MODEL, null, 2));
  p.write('db/migrations/0001_things.mjs', MIGRATION);
  p.write('legal/terms.md', doc('1.0', 'Version one.'));
  p.writeRelease({ version: '1.0.0', notes: 'every section', legal: ['terms'], checks: { pre: ['credentials'], post: ['smoke'] } });
  return Object.assign(p, { dbUrl: db.url });
}

/** A fullProject and the URL of its own Postgres database. */
export type FullProject = TestProject & { dbUrl: string };

/** A layer lock file without dependencies (npm ci installs nothing: no registry needed). */
export function lock(version: string): string {
  return `${JSON.stringify({ name: 'common', version, lockfileVersion: 3, requires: true, packages: { '': { name: 'common', version } } }, null, 2)}\n`;
}

/** Changes every section of a fullProject (the "v2" of the release); returns the new manifest path. */
export function changeEverything(p: TestProject, version = '1.1.0'): string {
  p.write('layers/common/package-lock.json', lock('1.0.1'));
  p.config.gateway.routes.push({ method: 'GET', path: '/hello', function: 'hello' });
  p.config.gateway.throttling = { rate: 60, burst: 120 };
  p.config.functions.health.environment.LOG_LEVEL = 'debug';
  p.config.functions.hello.timeout = 7;
  p.config.buckets.uploads.versioning = false;
  p.config.buckets.uploads.grants[0].access = ['read'];
  p.config.monitoring.retentionDays = 30;
  p.writeConfig(p.config);
  p.write('src/lambdas/health/index.ts', handlerSource('v2', ['STAGE']));
  p.write('db/migrations/0002_note.mjs', MIGRATION_2);
  p.write('legal/terms.md', doc('1.1', 'Version one point one.'));
  return p.writeRelease({ version, notes: 'every section changed', legal: ['terms'], checks: { pre: ['credentials'], post: ['smoke'] } });
}

async function orNull<T>(fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (err) {
    const name = (err as Error).name;
    if (/NotFound|NoSuch|ResourceNotFound|ServerSideEncryptionConfigurationNotFoundError/.test(name)) return null;
    throw err;
  }
}

async function functionState(p: TestProject, fn: string) {
  const FunctionName = `${p.name}-local-${fn}`;
  const latest = await orNull(() => direct.lambda.send(new lambdam.GetFunctionConfigurationCommand({ FunctionName })));
  if (!latest) return null;
  const live = await orNull(() => direct.lambda.send(new lambdam.GetFunctionConfigurationCommand({ FunctionName, Qualifier: 'live' })));
  const versions = await direct.lambda.send(new lambdam.ListVersionsByFunctionCommand({ FunctionName }));
  const pick = (c: lambdam.FunctionConfiguration | null) =>
    c && {
      code: c.CodeSha256,
      env: c.Environment?.Variables ?? {},
      memory: c.MemorySize,
      timeout: c.Timeout,
      handler: c.Handler,
      runtime: c.Runtime,
      role: c.Role?.replace(p.name, 'P'),
      layers: (c.Layers ?? []).map((l) => l.Arn!.split(':').slice(-2).join(':').replace(p.name, 'P')),
    };
  return { live: pick(live), liveVersion: live?.Version ?? null, latest: pick(latest), versions: (versions.Versions ?? []).map((v) => v.Version).sort() };
}

async function gatewayState(p: TestProject) {
  const apis = await direct.apigw.send(new apigwm.GetRestApisCommand({ limit: 500 }));
  const api = apis.items?.find((a) => a.name === `${p.name}-local-api`);
  if (!api) return null;
  const restApiId = api.id!;
  const res = await direct.apigw.send(new apigwm.GetResourcesCommand({ restApiId, limit: 500, embed: ['methods'] }));
  // Validators by name: their ids differ between two projects.
  const validators = await direct.apigw.send(new apigwm.GetRequestValidatorsCommand({ restApiId }));
  const validatorName = new Map((validators.items ?? []).map((v) => [v.id, v.name]));
  const routes: Record<string, unknown> = {};
  for (const r of res.items ?? []) {
    for (const [m, method] of Object.entries(r.resourceMethods ?? {})) {
      routes[`${m} ${r.path}`] = {
        auth: method.authorizationType,
        models: method.requestModels ?? {},
        parameters: method.requestParameters ?? {},
        validator: method.requestValidatorId ? (validatorName.get(method.requestValidatorId) ?? 'unknown') : null,
        integration: method.methodIntegration?.type,
        uri: method.methodIntegration?.uri?.replace(p.name, 'P') ?? null,
        responses: Object.fromEntries(Object.entries(method.methodResponses ?? {}).map(([code, mr]) => [code, mr.responseParameters ?? {}])),
        // The CORS headers a preflight answers with live here (Access-Control-Allow-Methods changes with the routes).
        integrationResponses: Object.fromEntries(Object.entries(method.methodIntegration?.integrationResponses ?? {}).map(([code, ir]) => [code, ir.responseParameters ?? {}])),
      };
    }
  }
  const models = await direct.apigw.send(new apigwm.GetModelsCommand({ restApiId }));
  const stage = await orNull(() => direct.apigw.send(new apigwm.GetStageCommand({ restApiId, stageName: 'local' })));
  const throttle = stage?.methodSettings?.['*/*'];
  return {
    paths: (res.items ?? []).map((r) => r.path).sort(),
    routes,
    models: (models.items ?? []).map((m) => [m.name, m.schema && JSON.parse(m.schema)]).sort(),
    validators: (validators.items ?? []).map((v) => [v.name, v.validateRequestBody ?? false, v.validateRequestParameters ?? false]).sort(),
    throttling: throttle ? { rate: throttle.throttlingRateLimit, burst: throttle.throttlingBurstLimit } : null,
    deploymentId: stage?.deploymentId ?? null,
  };
}

async function bucketState(Bucket: string) {
  const exists = await orNull(() => direct.s3.send(new s3m.HeadBucketCommand({ Bucket })));
  if (!exists) return null;
  const [ver, pab, policy] = await Promise.all([
    direct.s3.send(new s3m.GetBucketVersioningCommand({ Bucket })),
    orNull(() => direct.s3.send(new s3m.GetPublicAccessBlockCommand({ Bucket }))),
    orNull(() => direct.s3.send(new s3m.GetBucketPolicyCommand({ Bucket }))),
  ]);
  return { versioning: ver.Status ?? null, publicAccessBlock: pab?.PublicAccessBlockConfiguration ?? null, policy: policy?.Policy ? JSON.parse(policy.Policy) : null };
}

async function roleState(p: TestProject, fn: string) {
  const RoleName = `${p.name}-local-${fn}`;
  const role = await orNull(() => direct.iam.send(new iamm.GetRoleCommand({ RoleName })));
  if (!role) return null;
  const inline = await direct.iam.send(new iamm.ListRolePoliciesCommand({ RoleName }));
  const policies: Record<string, unknown> = {};
  for (const PolicyName of (inline.PolicyNames ?? []).sort()) {
    const doc = await direct.iam.send(new iamm.GetRolePolicyCommand({ RoleName, PolicyName }));
    policies[PolicyName] = JSON.parse(decodeURIComponent(doc.PolicyDocument!).replaceAll(p.name, 'P'));
  }
  const attached = await direct.iam.send(new iamm.ListAttachedRolePoliciesCommand({ RoleName }));
  return { inline: policies, attached: (attached.AttachedPolicies ?? []).map((a) => a.PolicyName).sort() };
}

async function monitoringState(p: TestProject) {
  const groups = await direct.logs.send(new logsm.DescribeLogGroupsCommand({ logGroupNamePrefix: `/aws/lambda/${p.name}-local-` }));
  const alarms = await direct.cw.send(new cwm.DescribeAlarmsCommand({ AlarmNamePrefix: `${p.name}-local-` }));
  return {
    logGroups: (groups.logGroups ?? []).map((g) => [g.logGroupName!.replace(p.name, 'P'), g.retentionInDays ?? null]).sort(),
    alarms: (alarms.MetricAlarms ?? []).map((a) => [a.AlarmName!.replace(p.name, 'P'), a.MetricName, a.Threshold, a.Period]).sort(),
  };
}

async function layerState(p: TestProject) {
  const res = await direct.lambda.send(new lambdam.ListLayerVersionsCommand({ LayerName: `${p.name}-local-common` }));
  return (res.LayerVersions ?? []).map((v) => [v.Version, v.Description]).sort();
}

async function legalState(p: TestProject) {
  const o = await orNull(() => direct.s3.send(new s3m.GetObjectCommand({ Bucket: `${p.name}-local-legal`, Key: 'index.json' })));
  if (!o) return null;
  const index = JSON.parse(await o.Body!.transformToString()) as Record<string, { version: string; sha256: string; key: string }>;
  return Object.fromEntries(Object.entries(index).map(([id, e]) => [id, { version: e.version, sha256: e.sha256, key: e.key }]));
}

/** Completed migrations and user tables of the project's database, read with its own pg client (not through turnctl). */
async function databaseState(p: FullProject) {
  const c = new pg.Client({ connectionString: p.dbUrl });
  await c.connect();
  try {
    const has = await c.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'knex_migrations'`);
    const migrations = has.rows[0].n ? (await c.query('SELECT name FROM knex_migrations ORDER BY id')).rows.map((r) => r.name as string) : [];
    const cols = await c.query(`SELECT table_name || '.' || column_name AS c FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE 'knex_%' ORDER BY 1`);
    return { migrations, tables: cols.rows.map((r) => r.c as string) };
  } finally {
    await c.end();
  }
}

/**
 * The whole stack of a fullProject, read through the direct clients, with the project name replaced by "P" so two
 * projects (a clean apply and an interrupted one) can be compared; `ids: false` leaves out generated ids
 * (the gateway stage's deployment id) that differ between projects.
 */
export async function stackState(p: FullProject, opts: { ids?: boolean } = {}) {
  const [health, hello, gateway, uploads, healthRole, helloRole, monitoring, layers, legal, database] = await Promise.all([
    functionState(p, 'health'),
    functionState(p, 'hello'),
    gatewayState(p),
    bucketState(`${p.name}-local-uploads`),
    roleState(p, 'health'),
    roleState(p, 'hello'),
    monitoringState(p),
    layerState(p),
    legalState(p),
    databaseState(p),
  ]);
  if (gateway && opts.ids === false) delete (gateway as { deploymentId?: string | null }).deploymentId;
  return JSON.parse(JSON.stringify({ functions: { health, hello }, gateway, buckets: { uploads }, roles: { health: healthRole, hello: helloRole }, monitoring, layers, legal, database }).replaceAll(p.name, 'P'));
}
