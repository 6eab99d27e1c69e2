import { join } from 'node:path';
import { APIGatewayClient, GetMethodCommand, GetModelsCommand, GetRequestValidatorsCommand, GetResourcesCommand, GetRestApisCommand, GetStageCommand } from '@aws-sdk/client-api-gateway';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetRolePolicyCommand, IAMClient, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand, LambdaClient, ListLayerVersionsCommand } from '@aws-sdk/client-lambda';
import { GetBucketCorsCommand, GetBucketEncryptionCommand, GetBucketPolicyCommand, GetBucketVersioningCommand, GetObjectCommand, GetPublicAccessBlockCommand, S3Client } from '@aws-sdk/client-s3';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';

// Second clients (not turnctl's own factory) that read back everything the repo project's release manages.
const opts = { region: 'eu-central-1', endpoint: process.env.TURNCTL_SANDBOX_ENDPOINT, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
export const lambda = new LambdaClient(opts);
const apigw = new APIGatewayClient(opts);
const s3 = new S3Client({ ...opts, forcePathStyle: true });
const iam = new IAMClient(opts);
const logs = new CloudWatchLogsClient(opts);
const cw = new CloudWatchClient(opts);
export const FUNCTIONS = ['health', 'legal', 'vehicles', 'subscriptions', 'migrate'];

/** Drops the SDK's response metadata so two reads compare by content. */
const plain = <T>(o: T): T => JSON.parse(JSON.stringify(o, (k, v) => (k === '$metadata' ? undefined : v)));

async function functionState(name: string, qualifier?: string) {
  const c = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name, Qualifier: qualifier }));
  return { version: c.Version, code: c.CodeSha256, env: c.Environment?.Variables, memory: c.MemorySize, timeout: c.Timeout, layers: c.Layers?.map((l) => l.Arn) };
}

/** Every resource's methods as API Gateway describes them: auth, request parameters/validator, responses, integration. */
async function gatewayState(apiName: string) {
  const api = (await apigw.send(new GetRestApisCommand({ limit: 500 }))).items!.find((a) => a.name === apiName)!;
  const stage = await apigw.send(new GetStageCommand({ restApiId: api.id, stageName: 'local' }));
  const validators = Object.fromEntries((await apigw.send(new GetRequestValidatorsCommand({ restApiId: api.id }))).items!.map((v) => [v.id, v.name]));
  const models = (await apigw.send(new GetModelsCommand({ restApiId: api.id }))).items!.map((m) => `${m.name} ${m.schema}`).sort();
  const methods: Record<string, unknown> = {};
  for (const r of (await apigw.send(new GetResourcesCommand({ restApiId: api.id, limit: 500 }))).items!) {
    for (const httpMethod of Object.keys(r.resourceMethods ?? {})) {
      const m = plain(await apigw.send(new GetMethodCommand({ restApiId: api.id, resourceId: r.id, httpMethod })));
      // Ids of validators/authorizers a rollback re-creates differ; their names are what the release declared.
      methods[`${httpMethod} ${r.path}`] = { ...m, requestValidatorId: m.requestValidatorId && validators[m.requestValidatorId], authorizerId: m.authorizerId ? 'set' : undefined };
    }
  }
  return { deployment: stage.deploymentId, throttling: stage.methodSettings, validators: Object.values(validators).sort(), models, methods };
}

async function bucketState(bucket: string) {
  const read = async (p: Promise<unknown>) => p.then(plain, (e: Error) => e.name);
  return {
    versioning: await read(s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))),
    publicAccessBlock: await read(s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }))),
    encryption: await read(s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }))),
    cors: await read(s3.send(new GetBucketCorsCommand({ Bucket: bucket }))),
    policy: await read(s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))),
  };
}

async function rolePolicies(role: string) {
  const names = (await iam.send(new ListRolePoliciesCommand({ RoleName: role }))).PolicyNames ?? [];
  const out: Record<string, string> = {};
  for (const n of names.sort()) out[n] = decodeURIComponent((await iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: n }))).PolicyDocument!);
  return out;
}

/** Everything the release manages on `local` for project `name` in `dir`, read back through second clients (and PGlite). */
export async function snapshot(dir: string, name: string) {
  const fn = (f: string) => `${name}-local-${f}`;
  const functions: Record<string, unknown> = {};
  const roles: Record<string, unknown> = {};
  for (const f of FUNCTIONS) {
    functions[f] = { live: await functionState(fn(f), 'live'), latest: await functionState(fn(f)) };
    roles[f] = await rolePolicies(fn(f));
  }
  const layerVersions = (await lambda.send(new ListLayerVersionsCommand({ LayerName: fn('common') }))).LayerVersions?.map((v) => `${v.Version} ${v.Description}`).sort();
  const groups = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/aws/lambda/${name}-local-` }))).logGroups!.map((g) => `${g.logGroupName} ${g.retentionInDays}`).sort();
  const alarms = (await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: `${name}-local-` }))).MetricAlarms!.map((a) =>
    JSON.stringify([a.AlarmName, a.MetricName, a.Statistic ?? a.ExtendedStatistic, a.Threshold, a.Period, a.EvaluationPeriods, a.ComparisonOperator, a.TreatMissingData]),
  );
  const index = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: fn('legal'), Key: 'index.json' }))).Body!.transformToString());
  const pg = await PGlite.create(join(dir, '.turnctl/pglite/local'), { extensions: { btree_gist } });
  const migrations = (await pg.query<{ name: string }>('select name from knex_migrations order by id')).rows.map((r) => r.name);
  const columns = (await pg.query<{ column_name: string }>("select column_name from information_schema.columns where table_name = 'vehicles' order by column_name")).rows.map((r) => r.column_name);
  await pg.close();
  return {
    functions,
    roles,
    layerVersions,
    gateway: await gatewayState(`${name}-local-api`),
    buckets: { uploads: await bucketState(fn('uploads')), legal: await bucketState(fn('legal')) },
    groups,
    alarms: alarms.sort(),
    index,
    migrations,
    columns,
  };
}
