import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Ctx } from '../context.js';
import { webOriginProblem } from '../config/sections/common.js';
import { ROUTE_METHODS, type RouteConfig } from '../config/sections/gateway.js';
import { readYamlFile } from '../config/yaml-file.js';
import { InvalidInputError, TurnctlError } from '../errors.js';
import { preflightMethod, splitOrigins, type CorsSpec } from './cors.js';
import { canonicalJson, emptyShape, pathAndAncestors, routeKey, type ApiShape, type MethodShape, type Throttling } from './shape.js';
import { schemaProblem } from './model-schema.js';
import { desiredResponses } from './responses.js';

/** The desired REST API of one stage, from turnctl.yaml (validated: file:line on every problem). */
export interface GatewayDesired {
  /** False without a `gateway:` section: the step then manages (and deletes) nothing. */
  managed: boolean;
  apiName: string;
  stageName: string;
  description: string;
  region: string;
  account: string;
  shape: ApiShape;
  /** Cognito user pool name of the authorizer, when a route uses `auth: cognito`. */
  userPool: string | null;
  authorizerName: string | null;
  throttling: Throttling | null;
  /** Function names (turnctl.yaml) the routes call → their deployed Lambda names. */
  functions: Record<string, string>;
  /**
   * Every function of turnctl.yaml → its deployed name: the step reads the API Gateway permission of each, so one no
   * route calls any more loses it.
   */
  declared: Record<string, string>;
  routes: Array<{ method: string; path: string; function: string; auth: string }>;
  /** Allowed web origins (empty without a `cors:` section). */
  origins: string[];
  /** `gateway.responses.allowOrigin` (auto unless set): how the gateway responses choose Access-Control-Allow-Origin. */
  responsesAllowOrigin: string;
  /** Version of the release being applied (written into the deployment description). */
  release?: string;
}

const BASE = ['gateway'] as const;
export const VALIDATORS: Record<string, { body: boolean; params: boolean }> = {
  'turnctl-body': { body: true, params: false },
  'turnctl-params': { body: false, params: true },
  'turnctl-all': { body: true, params: true },
};

/** ARN partition of a region. */
export function partitionOf(region: string): string {
  return region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

/** The AWS_PROXY integration URI of a function's `live` alias. */
export function lambdaUri(region: string, account: string, fnName: string, alias = 'live'): string {
  const p = partitionOf(region);
  return `arn:${p}:apigateway:${region}:lambda:path/2015-03-31/functions/arn:${p}:lambda:${region}:${account}:function:${fnName}:${alias}/invocations`;
}

function defaultValidator(route: RouteConfig): 'none' | 'body' | 'params' | 'all' {
  const params = route.requiredHeaders.length > 0 || route.requiredQuery.length > 0;
  return route.model ? (params ? 'all' : 'body') : params ? 'params' : 'none';
}

function loadModel(ctx: Ctx, name: string, file: string): string {
  const full = resolve(ctx.project.dir, file); // relative to the project, or absolute (e.g. ${dir}/…)
  if (!existsSync(full)) throw ctx.project.file.error([...BASE, 'models', name], `model "${name}": schema file ${file} not found; create it (JSON schema draft 4) or fix the path`);
  const src = readYamlFile(full);
  const value = src.value;
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new InvalidInputError(src.where([]), `model "${name}" must be a JSON schema object (draft 4), e.g. {"type": "object", ...}`);
  if (!('type' in value) && !('$ref' in value) && !('oneOf' in value) && !('anyOf' in value) && !('allOf' in value))
    throw new InvalidInputError(src.where([]), `model "${name}" has no "type"; API Gateway models are JSON schema draft 4 documents`);
  const bad = schemaProblem(value);
  if (bad) throw new InvalidInputError(src.where(bad.path), `model "${name}": ${bad.problem}; API Gateway refuses a schema that is not valid JSON schema draft 4`);
  return canonicalJson(value);
}

/** Reads, validates and expands the `gateway:` section of a stage into the desired API. */
export function gatewayDesired(ctx: Ctx): GatewayDesired {
  const cfg = ctx.stack.gateway;
  const file = ctx.project.file;
  const fns = ctx.stack.functions;
  const shape = emptyShape();
  const desired: GatewayDesired = {
    managed: cfg !== undefined,
    apiName: cfg?.name ?? ctx.names.scoped('api'),
    stageName: cfg?.stageName ?? ctx.stage.name,
    description: cfg?.description ?? `${ctx.project.config.project} ${ctx.stage.name} API (managed by turnctl)`,
    region: ctx.stage.region,
    account: ctx.stage.account,
    shape,
    userPool: null,
    authorizerName: null,
    throttling: cfg?.throttling ?? null,
    functions: {},
    declared: Object.fromEntries(Object.keys(fns).map((fn) => [fn, ctx.names.fn(fn)])),
    routes: [],
    origins: [],
    responsesAllowOrigin: cfg?.responses?.allowOrigin ?? 'auto',
  };
  if (!cfg) {
    delete shape.gatewayResponses;
    return desired;
  }
  // CreateStage's name rule, after substitution (`stageName: ${stage}` is the documented default spelled out).
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(desired.stageName))
    throw file.error([...BASE, 'stageName'], `gateway.stageName "${desired.stageName}" is not an API Gateway stage name; use up to 128 letters, digits, - and _ (e.g. \${stage})`);

  for (const [name, modelFile] of Object.entries(cfg.models)) shape.models[name] = loadModel(ctx, name, modelFile);

  const seen = new Map<string, number>();
  const variableChild = new Map<string, { seg: string; at: number }>();
  cfg.routes.forEach((route, i) => {
    const at = [...BASE, 'routes', i] as const;
    const key = routeKey(route.method, route.path);
    const first = seen.get(key);
    if (first !== undefined) throw file.error([...at, 'path'], `duplicate route ${key} (first declared at ${file.where([...BASE, 'routes', first])}); remove one`);
    seen.set(key, i);
    if (!fns[route.function]) {
      const known = Object.keys(fns);
      throw file.error([...at, 'function'], `route ${key}: unknown function "${route.function}"; ${known.length ? `functions in turnctl.yaml: ${known.join(', ')}` : 'declare it under functions:'}`);
    }
    if (route.model && !(route.model in cfg.models))
      throw file.error([...at, 'model'], `route ${key}: unknown model "${route.model}"; declare it under gateway.models (name: schema file)`);
    const segs = route.path.split('/').filter(Boolean);
    segs.forEach((seg, j) => {
      if (seg.endsWith('+}') && j !== segs.length - 1) throw file.error([...at, 'path'], `route ${key}: a greedy segment ${seg} must be the last one`);
      if (!seg.startsWith('{')) return;
      const parent = `/${segs.slice(0, j).join('/')}`;
      const other = variableChild.get(parent);
      if (other && other.seg !== seg)
        throw file.error([...at, 'path'], `route ${key}: ${seg} and ${other.seg} (route at ${file.where([...BASE, 'routes', other.at])}) are sibling path variables; API Gateway allows one per resource, use the same name`);
      variableChild.set(parent, { seg, at: i });
    });
    if (route.auth === 'cognito') {
      // Default: the users section's pool (the one `users init` and the bootstrap step create), not a fixed name.
      desired.userPool = cfg.authorizer?.userPool ?? ctx.stack.users?.pool ?? ctx.names.scoped('portal');
      desired.authorizerName = cfg.authorizer?.name ?? 'cognito';
    }

    const validator = route.validator ?? defaultValidator(route);
    const requestParameters: Record<string, boolean> = {};
    for (const seg of segs) if (seg.startsWith('{')) requestParameters[`method.request.path.${seg.replace(/[{}+]/g, '')}`] = true;
    for (const h of route.requiredHeaders) requestParameters[`method.request.header.${h}`] = true;
    for (const q of route.requiredQuery) requestParameters[`method.request.querystring.${q}`] = true;
    const method: MethodShape = {
      authorizationType: route.auth === 'cognito' ? 'COGNITO_USER_POOLS' : 'NONE',
      authorizer: route.auth === 'cognito' ? desired.authorizerName : null,
      validator: validator === 'none' ? null : `turnctl-${validator}`,
      requestParameters,
      requestModels: route.model ? { 'application/json': route.model } : {},
      integration: {
        type: 'AWS_PROXY',
        httpMethod: 'POST',
        uri: lambdaUri(desired.region, desired.account, ctx.names.fn(route.function), ctx.names.alias),
        requestTemplates: {},
        responses: {},
      },
      responses: { '200': { parameters: Object.fromEntries(route.responseHeaders.map((h) => [`method.response.header.${h}`, false])) } },
    };
    if (method.validator) shape.validators[method.validator] = VALIDATORS[method.validator]!;
    for (const p of pathAndAncestors(route.path)) shape.resources[p] ??= {};
    (shape.resources[route.path] ??= {})[route.method] = method;
    desired.functions[route.function] = ctx.names.fn(route.function);
    desired.routes.push({ method: route.method, path: route.path, function: route.function, auth: route.auth });
  });

  if (desired.userPool && desired.authorizerName)
    shape.authorizers[desired.authorizerName] = { type: 'COGNITO_USER_POOLS', providerArns: [], identitySource: 'method.request.header.Authorization' };

  if (cfg.cors) {
    const origins = splitOrigins(cfg.cors.origins);
    if (origins.length === 0) throw file.error([...BASE, 'cors', 'origins'], 'cors.origins is empty; list the allowed web origins (e.g. https://app.example.com)');
    for (const o of origins) {
      const problem = webOriginProblem(o);
      if (problem) throw file.error([...BASE, 'cors', 'origins'], `CORS origin "${o}" ${problem}`);
    }
    desired.origins = origins;
    for (const [path, methods] of Object.entries(shape.resources)) {
      const routeMethods = Object.keys(methods);
      if (routeMethods.length === 0) continue;
      const expanded = routeMethods.includes('ANY') ? ROUTE_METHODS.filter((m) => m !== 'ANY') : routeMethods;
      const spec: CorsSpec = {
        origins,
        headers: cfg.cors.headers,
        methods: cfg.cors.methods ?? [...[...expanded].sort(), 'OPTIONS'],
        maxAge: cfg.cors.maxAge,
      };
      methods.OPTIONS = preflightMethod(spec);
    }
  }
  shape.gatewayResponses = desiredResponses(cfg, desired.origins, file);
  return desired;
}


/** The error when `auth: cognito` routes have no user pool to point at. */
export const missingPool = (ctx: Ctx, pool: string | null) =>
  new TurnctlError(
    `Cognito user pool "${pool}" not found in ${ctx.stage.region}: routes with auth: cognito need the portal user pool; create it first (turnctl users init --stage ${ctx.stage.name}) or set gateway.authorizer.userPool, then plan again`,
  );
