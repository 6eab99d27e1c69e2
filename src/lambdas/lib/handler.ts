import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { HttpError, UnauthorizedError } from './errors.js';
import { invocationEnded } from './invocation-hooks.js';
import { corsHeaders, preflightHeaders, toRequest, toResult, type Reply, type Request } from './http.js';
import { observability, type Observability } from './observability.js';

/** One route of a function: API Gateway resource template (e.g. `/subscriptions/{id}`) and method. */
export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  resource: string;
  /** Needs a Cognito caller (`requestContext.authorizer.claims.sub`); 401 without one. */
  auth?: boolean;
  handle(req: Request, obs: Observability): Promise<Reply>;
}

/** An API Gateway (REST, AWS_PROXY) Lambda handler. */
export type ProxyHandler = (event: APIGatewayProxyEvent, context?: Context) => Promise<APIGatewayProxyResult>;

/**
 * Wraps a function's routes into its Lambda handler: routing by resource (or path), CORS for the stage's web origins,
 * preflights, input errors → 4xx JSON with field and reason, an unreachable database → 503 with Retry-After, anything
 * else → 500 with the request id and no internals,
 * one completion log line per request, and the metrics flushed once per invocation.
 */
export function httpHandler(fn: string, routes: Route[]): ProxyHandler {
  const obs = observability(fn);
  return async (event, context) => {
    const started = Date.now();
    const requestId = event.requestContext?.requestId || context?.awsRequestId || randomUUID();
    if (context) obs.logger.addContext(context);
    const method = (event.httpMethod ?? 'GET').toUpperCase();
    const match = matchResource(routes, event);
    obs.logger.appendKeys({ requestId, route: `${method} ${match?.resource ?? event.path}` });
    const cors = corsHeaders(Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === 'origin')?.[1] ?? undefined);
    let reply: Reply;
    try {
      reply = await dispatch(routes, match, method, event, requestId, cors, obs);
    } catch (err) {
      reply = errorReply(err, requestId, obs);
    } finally {
      obs.flush();
      invocationEnded();
    }
    obs.logger.info('request completed', { status: reply.status, durationMs: Date.now() - started });
    return toResult(reply, cors, requestId);
  };
}

async function dispatch(
  routes: Route[],
  match: { resource: string; params: Record<string, string> } | undefined,
  method: string,
  event: APIGatewayProxyEvent,
  requestId: string,
  cors: Record<string, string>,
  obs: Observability,
): Promise<Reply> {
  if (!match) return { status: 404, json: { error: 'not_found', reason: `no route for ${event.path ?? '/'}` } };
  const candidates = routes.filter((r) => r.resource === match.resource);
  const methods = candidates.map((r) => r.method);
  if (method === 'OPTIONS') return { status: 204, headers: cors['Access-Control-Allow-Origin'] ? preflightHeaders(methods) : {} };
  const route = candidates.find((r) => r.method === method);
  if (!route) return { status: 405, json: { error: 'method_not_allowed', reason: `${method} is not allowed here` }, headers: { Allow: methods.join(', ') } };
  const req = toRequest(event, match.params, requestId);
  if (route.auth && !req.caller) throw new UnauthorizedError();
  return route.handle(req, obs);
}

/** The route resource an event addresses: `event.resource` when it names one, else the path matched against templates. */
function matchResource(routes: Route[], event: APIGatewayProxyEvent): { resource: string; params: Record<string, string> } | undefined {
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.pathParameters ?? {})) if (typeof v === 'string') params[k] = v;
  if (event.resource && routes.some((r) => r.resource === event.resource)) return { resource: event.resource, params };
  const path = (event.path ?? '').replace(/\/+$/, '') || '/';
  for (const { resource } of routes) {
    const names: string[] = [];
    const pattern = resource.replace(/\{(\w+)\}/g, (_, name: string) => (names.push(name), '([^/]+)'));
    const m = new RegExp(`^${pattern}$`).exec(path);
    if (m) return { resource, params: Object.fromEntries(names.map((n, i) => [n, safeDecode(m[i + 1]!)])) };
  }
  return undefined;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

// Postgres/knex/socket errors that mean "the database cannot be reached right now" rather than a bug: the client may
// retry (503 with Retry-After), which a 500 would not tell it. Postgres SQLSTATEs: 57P01-03 admin/crash shutdown or
// not accepting connections yet, 53300 too many connections; 55P03 lock_timeout and 57014 statement_timeout (the
// limits lib/db.ts sets: busy right now, worth a retry).
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P02', '57P03', '53300', '55P03', '57014']);

/** Whether an error (or its cause) says the database is unreachable for now. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err as { name?: string; code?: string; message?: string; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.name === 'KnexTimeoutError' || (e.code && UNAVAILABLE_CODES.has(e.code))) return true;
    if (typeof e.message === 'string' && /Connection terminated (unexpectedly|due to connection timeout)/.test(e.message)) return true;
  }
  return false;
}

/** Seconds a client should wait before retrying a request the database could not serve. */
const RETRY_AFTER_S = 5;

function errorReply(err: unknown, requestId: string, obs: Observability): Reply {
  if (err instanceof HttpError) return { status: err.status, json: { error: err.code, ...err.details } };
  if (isDatabaseUnavailable(err)) {
    obs.logger.error('database unavailable', err as Error);
    return { status: 503, json: { error: 'unavailable', message: 'the service cannot reach its database; retry shortly', requestId }, headers: { 'Retry-After': String(RETRY_AFTER_S) } };
  }
  obs.logger.error('unhandled error', err as Error);
  return { status: 500, json: { error: 'internal', message: 'internal error; quote the request id when reporting it', requestId } };
}
