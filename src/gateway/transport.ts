import type { Ctx } from '../context.js';
import { TurnctlError } from '../errors.js';
import type { GatewayDesired } from './config.js';
import { evaluateGatewayResponse, evaluatePreflight } from './cors.js';
import { httpRequest, stageBaseUrl } from './endpoint.js';
import { concretePath, matchPath, proxyEvent } from './proxy-event.js';
import { readGateway } from './read.js';

/** A response as the web client would see it (header names lower-case). */
export interface GatewayResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The sandbox only: which gateway response answered an API Gateway error (a customized type, or API Gateway's default). */
  answeredBy?: string;
}

/** How the HTTP post-checks reach a stage's API: real HTTPS on AWS stages, the local invoker on the sandbox. */
export interface GatewayTransport {
  /** Sends `method` to a route's resource (variables filled in) with headers; returns what the client gets. */
  request(route: { method: string; path: string; function: string }, headers: Record<string, string>): Promise<GatewayResponse>;
  /** Sends a CORS preflight to a resource. */
  preflight(path: string, headers: Record<string, string>): Promise<GatewayResponse>;
  /**
   * Sends GET to a path no route serves: what API Gateway answers itself there (MISSING_AUTHENTICATION_TOKEN, as
   * customized by the API's gateway responses).
   */
  gatewayError(path: string, headers: Record<string, string>): Promise<GatewayResponse>;
  /** Where requests go (for messages). */
  readonly where: string;
}

/** The start of a response body for a one-line message: whitespace runs (a pretty-printed JSON, an HTML page) folded. */
export function bodyExcerpt(body: string, max: number): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

const lower = (h: Record<string, unknown> | undefined) =>
  Object.fromEntries(Object.entries(h ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));

/** Real HTTPS requests to `<base>/<path>` (the stage's execute-api URL). */
export function httpTransport(base: string): GatewayTransport {
  return {
    where: base,
    request: (route, headers) => httpRequest(`${base}${concretePath(route.path)}`, { method: route.method, headers }),
    preflight: (path, headers) => httpRequest(`${base}${concretePath(path)}`, { method: 'OPTIONS', headers }),
    gatewayError: (path, headers) => httpRequest(`${base}${path === '/' ? '' : path}`, { method: 'GET', headers }),
  };
}

/**
 * The sandbox: moto serves no stage URLs, so a route is answered by running its function through the local invoker
 * with the proxy event API Gateway would build, a preflight by evaluating the live OPTIONS method the way API
 * Gateway does (MOCK), or by invoking the function when OPTIONS is a proxy integration, and an API Gateway error by
 * evaluating the live gateway responses (GetGatewayResponses) for its type. Both evaluations read the API's current
 * definition: moto keeps no per-deployment snapshot of it, so what the stage's last deployment holds is not checked.
 */
export function localTransport(ctx: Ctx, desired: GatewayDesired): GatewayTransport {
  let live: ReturnType<typeof readGateway> | undefined;
  const invoke = async (fn: string, event: unknown): Promise<GatewayResponse> => {
    const { invokeFunction } = await import('../invoke/invoke.js');
    const r = await invokeFunction(ctx, fn, event);
    if (!r.ok) return { status: 502, headers: {}, body: r.error ?? 'function error' };
    const p = (r.payload ?? {}) as { statusCode?: number; headers?: Record<string, unknown>; multiValueHeaders?: Record<string, unknown[]>; body?: string };
    const multi = Object.fromEntries(Object.entries(p.multiValueHeaders ?? {}).map(([k, v]) => [k, v.join(',')]));
    return { status: p.statusCode ?? 502, headers: lower({ ...multi, ...p.headers }), body: p.body ?? '' };
  };
  const readLive = async () => {
    live ??= readGateway(ctx, desired);
    const state = await live;
    if (!state.apiId) throw new TurnctlError(`REST API ${desired.apiName} does not exist on stage ${ctx.stage.name}; apply a release first`);
    return state;
  };
  return {
    where: `the local invoker (stage ${ctx.stage.name})`,
    request: (route, headers) => invoke(route.function, proxyEvent({ method: route.method, resource: route.path, headers, stage: desired.stageName })),
    async preflight(path, headers) {
      const state = await readLive();
      const method = state.shape.resources[path]?.OPTIONS;
      if (method?.integration?.type === 'AWS_PROXY') {
        const route = desired.routes.find((r) => r.path === path);
        if (route) return invoke(route.function, proxyEvent({ method: 'OPTIONS', resource: path, headers, stage: desired.stageName }));
      }
      const origin = headers.Origin ?? headers.origin ?? '';
      const r = evaluatePreflight(method, origin);
      if (r.problem) return { status: r.statusCode, headers: {}, body: r.problem };
      return { status: r.statusCode, headers: lower(r.headers), body: '' };
    },
    async gatewayError(path, headers) {
      const state = await readLive();
      const routed = Object.entries(state.shape.resources).find(([resource, methods]) => (methods.GET || methods.ANY) && matchPath(resource, path));
      if (routed) throw new TurnctlError(`GET ${path} is served by the route on ${routed[0]}, not answered by API Gateway itself`);
      const r = evaluateGatewayResponse(state.shape.gatewayResponses ?? {}, 'MISSING_AUTHENTICATION_TOKEN', { headers });
      const unresolved = Object.entries(r.unresolved).map(([h, m]) => `${h} ← ${m}`);
      const note = unresolved.length ? ` (the sandbox cannot resolve ${unresolved.join(', ')})` : '';
      return { status: r.statusCode, headers: lower(r.headers), body: r.body + note, answeredBy: r.answeredBy ?? "API Gateway's default response" };
    },
  };
}

/**
 * The HTTPS transport of an AWS stage with the answers redacted: what a function answers (a degraded health body that
 * quotes its database URL, say) goes into check results, the journal and the terminal. The values the functions hold
 * under their secret keys are read first, as for invoke and logs (a `check post` process resolved none of them), and
 * replaced in bodies and headers before anything truncates them (half a value would no longer be found).
 */
export async function awsTransport(ctx: Ctx, base: string): Promise<GatewayTransport> {
  const { redactValue, rememberLiveSecrets } = await import('../secrets/live.js');
  await Promise.all(Object.keys(ctx.stack.functions).map((fn) => rememberLiveSecrets(ctx, fn)));
  const inner = httpTransport(base);
  const clean = async (res: Promise<GatewayResponse>) => redactValue(await res);
  return {
    where: inner.where,
    request: (route, headers) => clean(inner.request(route, headers)),
    preflight: (path, headers) => clean(inner.preflight(path, headers)),
    gatewayError: (path, headers) => clean(inner.gatewayError(path, headers)),
  };
}

/** The transport for a stage; null when the API is not there yet (AWS stages). */
export async function transportFor(ctx: Ctx, desired: GatewayDesired): Promise<GatewayTransport | null> {
  if (ctx.stage.sandbox) return localTransport(ctx, desired);
  const base = await stageBaseUrl(ctx, desired);
  return base ? awsTransport(ctx, base) : null;
}
