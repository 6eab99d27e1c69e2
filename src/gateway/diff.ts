import type { Change } from '../release/types.js';
import type { GatewayDesired } from './config.js';
import type { GatewayLive } from './read.js';
import { responseView } from './responses.js';
import { depth, same, shapeDigest, type ApiShape, type MethodShape } from './shape.js';

/** Models API Gateway creates in every new REST API; left alone unless turnctl.yaml declares them. */
export const BUILTIN_MODELS = new Set(['Empty', 'Error']);

/** The API definition the stage should have: the desired shape with the authorizer pointing at the live user pool. */
export function targetShape(desired: GatewayDesired, live: Pick<GatewayLive, 'poolArn'>): ApiShape {
  const shape: ApiShape = structuredClone(desired.shape);
  for (const a of Object.values(shape.authorizers)) a.providerArns = live.poolArn ? [live.poolArn] : [];
  return shape;
}

/** True when the target defines at least one method (API Gateway refuses to deploy an API without methods). */
export const hasMethods = (shape: ApiShape) => Object.values(shape.resources).some((m) => Object.keys(m).length > 0);

const uriFunction = (uri: string | null) => /:function:([^:/]+)(?::([^/]+))?\/invocations$/.exec(uri ?? '')?.slice(1).filter(Boolean).join(':') ?? uri;

/** The part of a method a `route:` change shows: authorization, validation, body model, integration. */
function routeView(m: MethodShape | undefined) {
  if (!m) return null;
  return {
    auth: m.authorizationType,
    authorizer: m.authorizer,
    validator: m.validator,
    models: m.requestModels,
    integration: m.integration ? `${m.integration.type}${m.integration.uri ? ` ${uriFunction(m.integration.uri)}` : ''}` : null,
  };
}

/** The part of a method a `headers:` change shows: required request parameters and declared response headers. */
function headersView(m: MethodShape | undefined) {
  if (!m) return null;
  const req = Object.keys(m.requestParameters).filter((k) => !k.startsWith('method.request.path.')).sort();
  const res = Object.entries(m.responses).flatMap(([code, r]) => Object.keys(r.parameters).map((k) => `${code} ${k.replace('method.response.header.', '')}`)).sort();
  return { request: req.map((k) => k.replace('method.request.', '')), response: res };
}

/** What a `cors:` change shows. */
function corsView(m: MethodShape | undefined) {
  if (!m) return null;
  const ir = m.integration?.responses['200'];
  const header = (h: string) => ir?.parameters[`method.response.header.${h}`]?.replace(/^'|'$/g, '');
  const template = ir?.templates['application/json'];
  const origins = /^#set\(\$allowed = (\[.*\])\)$/m.exec(template ?? '')?.[1];
  return {
    integration: m.integration?.type ?? null,
    origins: origins ? (JSON.parse(origins) as string[]) : null,
    methods: header('Access-Control-Allow-Methods') ?? null,
    headers: header('Access-Control-Allow-Headers') ?? null,
    maxAge: header('Access-Control-Max-Age') ?? null,
  };
}

function schemaView(schema: string | undefined): unknown {
  if (schema === undefined) return null;
  try {
    return JSON.parse(schema);
  } catch {
    return schema;
  }
}

const change = (id: string, before: unknown, after: unknown, note?: string): Change => ({
  id,
  action: before === null || before === undefined ? 'create' : after === null || after === undefined ? 'delete' : 'update',
  before: before ?? null,
  after: after ?? null,
  ...(note ? { note } : {}),
});

/** Pure: the changes that turn the live API definition into `target`, one id per model / validator / authorizer / resource / route / headers / CORS. */
export function diffShapes(target: ApiShape, live: ApiShape): Change[] {
  const changes: Change[] = [];
  const keyed = <T>(a: Record<string, T>, b: Record<string, T>, skip: (k: string) => boolean = () => false) =>
    [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !skip(k) || k in a).sort();

  for (const name of keyed(target.models, live.models, (k) => BUILTIN_MODELS.has(k)))
    if (target.models[name] !== live.models[name])
      changes.push(change(`model:${name}`, schemaView(live.models[name]), schemaView(target.models[name])));
  for (const name of keyed(target.validators, live.validators))
    if (!same(target.validators[name], live.validators[name])) changes.push(change(`validator:${name}`, live.validators[name], target.validators[name]));
  for (const name of keyed(target.authorizers, live.authorizers))
    if (!same(target.authorizers[name], live.authorizers[name])) {
      const t = target.authorizers[name];
      const missingPool = t && t.providerArns.length === 0;
      changes.push(change(`authorizer:${name}`, live.authorizers[name], t, missingPool ? 'the Cognito user pool does not exist yet: apply will stop until it is created' : undefined));
    }

  const paths = keyed(target.resources, live.resources).sort((a, b) => depth(a) - depth(b) || a.localeCompare(b));
  for (const path of paths) {
    if (path === '/') continue;
    const inT = path in target.resources;
    const inL = path in live.resources;
    if (inT !== inL) changes.push(change(`resource:${path}`, inL ? { path } : null, inT ? { path } : null));
  }
  for (const path of paths) {
    const t = target.resources[path] ?? {};
    const l = live.resources[path] ?? {};
    for (const http of keyed(t, l)) {
      if (http === 'OPTIONS') {
        if (!same(t[http], l[http])) changes.push(change(`cors:${path}`, corsView(l[http]), corsView(t[http])));
        continue;
      }
      const key = `${http} ${path}`;
      const [mt, ml] = [t[http], l[http]];
      const pathParams = (m?: MethodShape) => m && Object.fromEntries(Object.entries(m.requestParameters).filter(([k]) => k.startsWith('method.request.path.')));
      const core = (m?: MethodShape) => m && { ...m, requestParameters: pathParams(m), responses: undefined };
      const headerParams = (m?: MethodShape) => m && { request: Object.fromEntries(Object.entries(m.requestParameters).filter(([k]) => !k.startsWith('method.request.path.'))), responses: m.responses };
      const [ht, hl] = [headersView(mt), headersView(ml)];
      const noHeaders = (h: ReturnType<typeof headersView>) => !h || (h.request.length === 0 && h.response.length === 0);
      const headersDiffer = !same(headerParams(mt), headerParams(ml));
      // Path parameters follow the path, so they belong to the route; an empty header set has nothing to show on its own.
      if (!same(core(mt), core(ml)) || (headersDiffer && noHeaders(ht) && noHeaders(hl))) changes.push(change(`route:${key}`, routeView(ml), routeView(mt)));
      if (headersDiffer && !(noHeaders(ht) && noHeaders(hl))) changes.push(change(`headers:${key}`, ml ? hl : null, mt ? ht : null));
    }
  }
  // Only when turnctl manages them: then it owns every customization of the API (one it does not declare is deleted).
  if (target.gatewayResponses) {
    const lr = live.gatewayResponses ?? {};
    for (const type of keyed(target.gatewayResponses, lr))
      if (!same(target.gatewayResponses[type], lr[type])) changes.push(change(`response:${type}`, responseView(lr[type]), responseView(target.gatewayResponses[type])));
  }
  return changes;
}

/**
 * Pure: what the plan should say about a stage it cannot bring in line. API Gateway refuses to deploy an API without
 * methods, so with every route removed the stage keeps serving its last deployment, and planning again finds nothing
 * to change.
 */
export function gatewayWarnings(desired: GatewayDesired, live: GatewayLive): string[] {
  if (!desired.managed || !live.apiId || !live.stage?.deploymentId || hasMethods(targetShape(desired, live))) return [];
  return [
    `gateway: turnctl.yaml has no routes, but API Gateway cannot deploy an API without methods: stage ${desired.stageName} of ${desired.apiName} keeps serving its last deployment (${live.stage.deploymentId}) — add a route, or delete the stage (aws apigateway delete-stage --rest-api-id ${live.apiId} --stage-name ${desired.stageName})`,
  ];
}

/** Pure: every change of the gateway step (API, definition, Lambda permissions, stage throttling, deployment). */
export function diffGateway(desired: GatewayDesired, live: GatewayLive): Change[] {
  // Without a `gateway:` section turnctl manages no API: removing the section never deletes routes. Without routes
  // and without an API there is nothing to create.
  if (!desired.managed || (desired.routes.length === 0 && !live.apiId)) return [];
  const target = targetShape(desired, live);
  const changes: Change[] = [];
  if (!live.apiId) changes.push(change('api', null, { name: desired.apiName }));
  changes.push(...diffShapes(target, live.shape));
  const structural = changes.length > 0;
  const permission = (fn: string) => ({ function: desired.functions[fn] ?? desired.declared[fn], qualifier: 'live', principal: 'apigateway.amazonaws.com' });
  for (const fn of Object.keys(desired.functions).sort()) if (!live.permissions[fn]) changes.push(change(`permission:${fn}`, null, permission(fn)));
  // A function no route calls any more keeps no door open to the API.
  for (const fn of Object.keys(live.permissions).sort())
    if (live.permissions[fn] && !desired.functions[fn]) changes.push(change(`permission:${fn}`, permission(fn), null, 'no route calls it any more'));
  const throttling = live.stage?.throttling ?? null;
  if (desired.throttling && !same(desired.throttling, throttling)) changes.push(change('stage:throttling', throttling, desired.throttling));
  const digest = shapeDigest(target);
  if (hasMethods(target) && (structural || !live.stage || live.stage.deployedDigest !== digest))
    changes.push({
      id: 'deployment',
      action: live.stage ? 'update' : 'create',
      before: live.stage ? { stage: desired.stageName, deploymentId: live.stage.deploymentId, definition: live.stage.deployedDigest ?? null } : null,
      after: { stage: desired.stageName, deploymentId: 'new', definition: digest },
      ...(!structural && live.stage ? { note: 'the stage serves an older deployment of this definition' } : {}),
    });
  return changes;
}
