import type { APIGatewayClient, Method } from '@aws-sdk/client-api-gateway';
import { mapLimit } from '../aws/clients.js';
import type { Ctx } from '../context.js';
import { isAwsError, TurnctlError } from '../errors.js';
import type { GatewayDesired } from './config.js';
import { responseShape } from './responses.js';
import { canonicalJson, digestOfDescription, emptyShape, type ApiShape, type MethodShape, type Throttling } from './shape.js';

/** The live REST API of a stage, as far as turnctl manages it (JSON-safe: it is the journalled before-state). */
export interface GatewayLive {
  apiName: string;
  stageName: string;
  apiId: string | null;
  rootId: string | null;
  shape: ApiShape;
  ids: { resources: Record<string, string>; validators: Record<string, string>; authorizers: Record<string, string> };
  stage: { deploymentId: string | null; deployedDigest: string | null; throttling: Throttling | null } | null;
  /** ARN of the Cognito user pool the authorizer should point at (null: not found, or not needed). */
  poolArn: string | null;
  /** Function name (turnctl.yaml) → API Gateway may invoke its `live` alias (our statement is on its policy). */
  permissions: Record<string, boolean>;
}

/** Statement id of the Lambda permission turnctl adds for one API. */
export const permissionSid = (apiId: string) => `turnctl-apigw-${apiId}`;

/** The id of the REST API with this name, or null; several with one name is an error (which one would we manage?). */
export async function findApiId(client: APIGatewayClient, name: string): Promise<string | null> {
  const { GetRestApisCommand } = await import('@aws-sdk/client-api-gateway');
  const ids: string[] = [];
  let position: string | undefined;
  do {
    const page = await client.send(new GetRestApisCommand({ limit: 500, position }));
    for (const api of page.items ?? []) if (api.name === name && api.id) ids.push(api.id);
    position = page.position;
  } while (position);
  if (ids.length > 1) throw new TurnctlError(`several REST APIs are named "${name}" (${ids.join(', ')}); delete the extra ones or set gateway.name to a unique name`);
  return ids[0] ?? null;
}

/** Normalizes an API Gateway Method into the shape the diff compares. */
export function methodShape(m: Method, authorizerNames: Record<string, string>, validatorNames: Record<string, string>): MethodShape {
  const i = m.methodIntegration;
  const mock = i?.type === 'MOCK';
  return {
    authorizationType: m.authorizationType ?? 'NONE',
    authorizer: m.authorizerId ? (authorizerNames[m.authorizerId] ?? `id:${m.authorizerId}`) : null,
    validator: m.requestValidatorId ? (validatorNames[m.requestValidatorId] ?? `id:${m.requestValidatorId}`) : null,
    requestParameters: { ...(m.requestParameters ?? {}) },
    requestModels: { ...(m.requestModels ?? {}) },
    integration: i
      ? {
          type: i.type ?? 'UNKNOWN',
          httpMethod: mock ? null : (i.httpMethod ?? null),
          uri: mock ? null : (i.uri ?? null),
          requestTemplates: { ...(i.requestTemplates ?? {}) },
          responses: Object.fromEntries(
            Object.entries(i.integrationResponses ?? {}).map(([code, r]) => [code, { parameters: { ...(r.responseParameters ?? {}) }, templates: { ...(r.responseTemplates ?? {}) } }]),
          ),
        }
      : null,
    responses: Object.fromEntries(Object.entries(m.methodResponses ?? {}).map(([code, r]) => [code, { parameters: { ...(r.responseParameters ?? {}) } }])),
  };
}

async function readPoolArn(ctx: Ctx, poolName: string): Promise<string | null> {
  const cognito = await ctx.aws.cognito();
  const { ListUserPoolsCommand } = await import('@aws-sdk/client-cognito-identity-provider');
  const found: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cognito.send(new ListUserPoolsCommand({ MaxResults: 60, NextToken }));
    for (const p of page.UserPools ?? []) if (p.Name === poolName && p.Id) found.push(p.Id);
    NextToken = page.NextToken;
  } while (NextToken);
  if (found.length > 1) throw new TurnctlError(`several Cognito user pools are named "${poolName}" (${found.join(', ')}); set gateway.authorizer.userPool to a unique name`);
  return found[0] ? `arn:${ctx.stage.region.startsWith('cn-') ? 'aws-cn' : 'aws'}:cognito-idp:${ctx.stage.region}:${ctx.stage.account}:userpool/${found[0]}` : null;
}

async function hasPermission(ctx: Ctx, fnName: string, apiId: string | null): Promise<boolean> {
  if (!apiId) return false;
  const lambda = await ctx.aws.lambda();
  const { GetPolicyCommand } = await import('@aws-sdk/client-lambda');
  try {
    const res = await lambda.send(new GetPolicyCommand({ FunctionName: fnName, Qualifier: ctx.names.alias }));
    const policy = JSON.parse(res.Policy ?? '{}') as { Statement?: Array<{ Sid?: string }> };
    return (policy.Statement ?? []).some((s) => s.Sid === permissionSid(apiId));
  } catch (err) {
    // No function, no `live` alias yet, or no policy on it: the permission is not there.
    if (isAwsError(err, 'ResourceNotFoundException')) return false;
    throw err;
  }
}

/** What reading needs to know: which API and stage, which functions' permissions, which user pool. */
export type ReadTarget = Pick<GatewayDesired, 'apiName' | 'stageName' | 'functions' | 'userPool'> & Partial<Pick<GatewayDesired, 'declared'>>;

/** Reads the REST API definition (resources, methods, models, validators, authorizers), its stage and the Lambda permissions. */
export async function readGateway(ctx: Ctx, desired: ReadTarget): Promise<GatewayLive> {
  const client = await ctx.aws.apigw();
  const sdk = await import('@aws-sdk/client-api-gateway');
  ctx.progress(`gateway: reading ${desired.apiName}`);
  const apiId = await findApiId(client, desired.apiName);
  const live: GatewayLive = {
    apiName: desired.apiName,
    stageName: desired.stageName,
    apiId,
    rootId: null,
    shape: emptyShape(),
    ids: { resources: {}, validators: {}, authorizers: {} },
    stage: null,
    poolArn: desired.userPool ? await readPoolArn(ctx, desired.userPool) : null,
    permissions: {},
  };
  const fnEntries = Object.entries({ ...desired.declared, ...desired.functions });
  const perms = await mapLimit(fnEntries, ctx.concurrency, ([, deployed]) => hasPermission(ctx, deployed, apiId));
  fnEntries.forEach(([fn], i) => (live.permissions[fn] = perms[i]!));
  if (!apiId) return live;

  const all = async <T>(fetch: (position?: string) => Promise<{ items?: T[]; position?: string }>): Promise<T[]> => {
    const out: T[] = [];
    let position: string | undefined;
    do {
      const page = await fetch(position);
      out.push(...(page.items ?? []));
      position = page.position;
    } while (position);
    return out;
  };
  const [validators, authorizers, models, resources, gatewayResponses] = await Promise.all([
    all((position) => client.send(new sdk.GetRequestValidatorsCommand({ restApiId: apiId, limit: 500, position }))),
    all((position) => client.send(new sdk.GetAuthorizersCommand({ restApiId: apiId, limit: 500, position }))),
    all((position) => client.send(new sdk.GetModelsCommand({ restApiId: apiId, limit: 500, position }))),
    all((position) => client.send(new sdk.GetResourcesCommand({ restApiId: apiId, limit: 500, position, embed: ['methods'] }))),
    all((position) => client.send(new sdk.GetGatewayResponsesCommand({ restApiId: apiId, limit: 500, position }))),
  ]);
  // AWS lists every type, the ones nobody customized with defaultResponse: true; only customized ones are live state.
  for (const r of gatewayResponses) {
    const shape = r.responseType ? responseShape(r) : null;
    if (shape) live.shape.gatewayResponses![r.responseType!] = shape;
  }
  const validatorNames: Record<string, string> = {};
  for (const v of validators) {
    if (!v.id || !v.name) continue;
    validatorNames[v.id] = v.name;
    live.ids.validators[v.name] = v.id;
    live.shape.validators[v.name] = { body: v.validateRequestBody ?? false, params: v.validateRequestParameters ?? false };
  }
  const authorizerNames: Record<string, string> = {};
  for (const a of authorizers) {
    if (!a.id || !a.name) continue;
    authorizerNames[a.id] = a.name;
    live.ids.authorizers[a.name] = a.id;
    live.shape.authorizers[a.name] = { type: a.type ?? 'UNKNOWN', providerArns: [...(a.providerARNs ?? [])], identitySource: a.identitySource ?? '' };
  }
  for (const m of models) {
    if (!m.name) continue;
    let schema = m.schema ?? '';
    try {
      schema = canonicalJson(JSON.parse(schema));
    } catch {
      // keep the text: it differs from any desired schema and shows up as an update
    }
    live.shape.models[m.name] = schema;
  }
  // GetResources embeds each method in full; a method that came back without its parts is fetched on its own.
  const methodReads: Array<{ path: string; resourceId: string; http: string }> = [];
  for (const r of resources) {
    if (!r.id || !r.path) continue;
    live.ids.resources[r.path] = r.id;
    if (r.path === '/') live.rootId = r.id;
    const methods: Record<string, MethodShape> = {};
    for (const [http, m] of Object.entries(r.resourceMethods ?? {})) {
      if (m.methodIntegration === undefined && m.methodResponses === undefined) methodReads.push({ path: r.path, resourceId: r.id, http });
      else methods[http] = methodShape(m, authorizerNames, validatorNames);
    }
    if (r.path !== '/' || Object.keys(methods).length > 0) live.shape.resources[r.path] = methods;
  }
  await mapLimit(methodReads, ctx.concurrency, async ({ path, resourceId, http }) => {
    const m = await client.send(new sdk.GetMethodCommand({ restApiId: apiId, resourceId, httpMethod: http }));
    (live.shape.resources[path] ??= {})[http] = methodShape(m, authorizerNames, validatorNames);
  });

  try {
    const stage = await client.send(new sdk.GetStageCommand({ restApiId: apiId, stageName: desired.stageName }));
    const all = stage.methodSettings?.['*/*'];
    let deployedDigest: string | null = null;
    if (stage.deploymentId) {
      try {
        const d = await client.send(new sdk.GetDeploymentCommand({ restApiId: apiId, deploymentId: stage.deploymentId }));
        deployedDigest = digestOfDescription(d.description);
      } catch (err) {
        if (!isAwsError(err, 'NotFoundException')) throw err;
      }
    }
    live.stage = {
      deploymentId: stage.deploymentId ?? null,
      deployedDigest,
      throttling: all ? { rate: all.throttlingRateLimit ?? 0, burst: all.throttlingBurstLimit ?? 0 } : null,
    };
  } catch (err) {
    if (!isAwsError(err, 'NotFoundException')) throw err;
  }
  return live;
}
