import {
  APIGatewayClient,
  GetDeploymentsCommand,
  GetModelsCommand,
  GetRequestValidatorsCommand,
  GetResourcesCommand,
  GetRestApisCommand,
  GetStageCommand,
  GetAuthorizersCommand,
  GetGatewayResponsesCommand,
} from '@aws-sdk/client-api-gateway';
import { CognitoIdentityProviderClient, CreateUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateAliasCommand, CreateFunctionCommand, GetPolicyCommand, LambdaClient, PublishVersionCommand } from '@aws-sdk/client-lambda';
import { strToU8, zipSync } from 'fflate';
import { isWriteCommand } from '../../src/aws/clients.js';
import type { Ctx } from '../../src/context.js';
import type { GatewayDesired } from '../../src/gateway/config.js';
import type { GatewayLive } from '../../src/gateway/read.js';
import { step } from '../../src/release/steps/gateway.js';
import { recordAwsCalls } from '../helpers/cli.js';
import { handlerSource, makeProject, type TestProject } from '../helpers/project.js';

const cfg = () => ({ region: 'eu-central-1', endpoint: process.env.TURNCTL_SANDBOX_ENDPOINT, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
/** Second clients, independent of turnctl's, to read state back. */
export const apigw = () => new APIGatewayClient(cfg());
export const lambda = () => new LambdaClient(cfg());
export const cognito = () => new CognitoIdentityProviderClient(cfg());

/** A health handler: healthy, or the status in HEALTH_STATUS (still HTTP 200, so only the health check can notice). */
export const HEALTH_SOURCE = `export const REQUIRED_ENV = ['STAGE'] as const;
export const handler = async () => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ status: process.env.HEALTH_STATUS ?? 'healthy' }),
});
`;

export const HELLO_MODEL = { $schema: 'http://json-schema.org/draft-04/schema#', title: 'HelloRequest', type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } } };

/** A test project with health + hello functions and a gateway section using every feature. */
export function gatewayProject(): TestProject {
  const p = makeProject({
    functions: { health: HEALTH_SOURCE, hello: handlerSource('hello-v1') },
    config: (c) => {
      c.stages.local.vars = { webOrigins: 'http://localhost:5173,https://app.test.example' };
      c.gateway = {
        models: { HelloRequest: 'gateway/models/hello-request.json' },
        cors: { origins: '${var.webOrigins}', maxAge: 300 },
        throttling: { rate: 50, burst: 100 },
        routes: [
          { method: 'GET', path: '/health', function: 'health' },
          { method: 'GET', path: '/hello', function: 'hello', requiredQuery: ['page'] },
          { method: 'GET', path: '/hello/{id}', function: 'hello', responseHeaders: ['ETag'] },
          { method: 'POST', path: '/hello', function: 'hello', auth: 'cognito', model: 'HelloRequest', validator: 'body' },
        ],
      };
    },
  });
  p.write('gateway/models/hello-request.json', JSON.stringify(HELLO_MODEL, null, 2));
  p.writeRelease({ version: '1.0.0', notes: 'gateway', checks: { pre: ['credentials'], post: ['smoke', 'health', 'cors'] } });
  return p;
}

/** Creates the portal user pool the Cognito authorizer points at (owned by the users section in real projects). */
export async function createPortalPool(p: TestProject, stage = 'local'): Promise<string> {
  const out = await cognito().send(new CreateUserPoolCommand({ PoolName: `${p.name}-${stage}-portal` }));
  return out.UserPool!.Arn!;
}

/** The API's state as a second client sees it: everything the gateway step manages, ids replaced by names. */
export async function snapshot(p: TestProject, stage = 'local') {
  const c = apigw();
  const apis = await c.send(new GetRestApisCommand({ limit: 500 }));
  const api = apis.items?.find((a) => a.name === `${p.name}-${stage}-api`);
  if (!api) return null;
  const restApiId = api.id!;
  const [resources, models, validators, authorizers, deployments] = await Promise.all([
    c.send(new GetResourcesCommand({ restApiId, embed: ['methods'], limit: 500 })),
    c.send(new GetModelsCommand({ restApiId })),
    c.send(new GetRequestValidatorsCommand({ restApiId })),
    c.send(new GetAuthorizersCommand({ restApiId })),
    c.send(new GetDeploymentsCommand({ restApiId })),
  ]);
  let stageState: { deploymentId?: string; throttling?: unknown } | null = null;
  try {
    const s = await c.send(new GetStageCommand({ restApiId, stageName: stage }));
    stageState = { deploymentId: s.deploymentId, throttling: s.methodSettings?.['*/*'] ? { rate: s.methodSettings['*/*'].throttlingRateLimit, burst: s.methodSettings['*/*'].throttlingBurstLimit } : null };
  } catch {
    stageState = null;
  }
  const routes = Object.fromEntries(
    (resources.items ?? [])
      .filter((r) => r.resourceMethods)
      .flatMap((r) =>
        Object.entries(r.resourceMethods!).map(([m, method]) => [
          `${m} ${r.path}`,
          {
            auth: method.authorizationType,
            params: method.requestParameters ?? {},
            models: method.requestModels ?? {},
            integration: method.methodIntegration?.type,
            uri: method.methodIntegration?.uri,
            responses: Object.fromEntries(Object.entries(method.methodResponses ?? {}).map(([code, mr]) => [code, mr.responseParameters ?? {}])),
            integrationResponses: Object.fromEntries(Object.entries(method.methodIntegration?.integrationResponses ?? {}).map(([code, ir]) => [code, { params: ir.responseParameters ?? {}, templates: ir.responseTemplates ?? {} }])),
          },
        ]),
      ),
  );
  return {
    apiId: restApiId,
    paths: (resources.items ?? []).map((r) => r.path).sort(),
    routes,
    models: Object.fromEntries((models.items ?? []).map((m) => [m.name, JSON.parse(m.schema ?? '{}')])),
    validators: (validators.items ?? []).map((v) => ({ name: v.name, body: v.validateRequestBody, params: v.validateRequestParameters })),
    authorizers: (authorizers.items ?? []).map((a) => ({ name: a.name, type: a.type, providers: a.providerARNs })),
    deployments: (deployments.items ?? []).map((d) => d.id).sort(),
    stage: stageState,
    gatewayResponses: await gatewayResponses(restApiId),
  };
}

/** Statement ids on a function's `live` alias policy. */
export async function policySids(p: TestProject, fn: string, stage = 'local'): Promise<string[]> {
  try {
    const r = await lambda().send(new GetPolicyCommand({ FunctionName: `${p.name}-${stage}-${fn}`, Qualifier: 'live' }));
    return (JSON.parse(r.Policy ?? '{}').Statement ?? []).map((s: { Sid: string }) => s.Sid).sort();
  } catch {
    return [];
  }
}

/** Deploys a function with a `live` alias straight through the Lambda API (what the functions step leaves behind). */
export async function deployFunction(p: TestProject, fn: string): Promise<void> {
  const role = `${p.name}-${fn}-role`;
  const iam = new IAMClient(cfg());
  const r = await iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }) }));
  const l = lambda();
  await l.send(
    new CreateFunctionCommand({
      FunctionName: `${p.name}-local-${fn}`,
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Role: r.Role!.Arn!,
      Code: { ZipFile: zipSync({ 'index.mjs': strToU8('export const handler = async () => ({ statusCode: 200, body: "{}" });') }) },
    }),
  );
  const v = await l.send(new PublishVersionCommand({ FunctionName: `${p.name}-local-${fn}` }));
  await l.send(new CreateAliasCommand({ FunctionName: `${p.name}-local-${fn}`, Name: 'live', FunctionVersion: v.Version! }));
}

/** The customized gateway responses of the stage's API as a second client reads them (type → status, headers, templates). */
export async function gatewayResponses(apiId: string) {
  const out = await apigw().send(new GetGatewayResponsesCommand({ restApiId: apiId, limit: 500 }));
  return Object.fromEntries(
    (out.items ?? [])
      .filter((r) => !r.defaultResponse)
      .map((r) => [r.responseType!, { status: r.statusCode ?? null, headers: r.responseParameters ?? {}, templates: r.responseTemplates ?? {} }]),
  );
}

const release = { loaded: { manifest: { version: '1.0.0' } } } as never;

/** The gateway step's desired state, live state and diff for a stage (what a plan computes). */
export async function plan(ctx: Ctx) {
  const desired = (await step.desired(ctx, release)) as GatewayDesired;
  const live = (await step.read(ctx, desired)) as GatewayLive;
  return { desired, live, changes: step.diff(desired, live) };
}

/** The AWS write calls `fn` makes, as "<service> <Command>". */
export async function writes(fn: () => Promise<unknown>): Promise<string[]> {
  const { calls } = await recordAwsCalls(fn);
  return calls.filter((c) => isWriteCommand(c.command)).map((c) => `${c.service} ${c.command}`);
}
