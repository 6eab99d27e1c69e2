import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { allowedOrigins } from './env.js';
import { InputError } from './errors.js';

/** What a route returns: a JSON body (any value) or a raw text body with its content type. */
export interface Reply {
  status: number;
  json?: unknown;
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/** The caller identity from the Cognito authorizer, when the route has one. */
export interface Caller {
  sub: string;
  email?: string;
}

/** One API Gateway request, normalised for route code. */
export interface Request {
  readonly event: APIGatewayProxyEvent;
  readonly method: string;
  readonly requestId: string;
  readonly pathParams: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  /** Header lookup by lower-case name. */
  header(name: string): string | undefined;
  /** The caller from `requestContext.authorizer.claims`, if any. */
  readonly caller: Caller | undefined;
  /** The body parsed as a JSON object, or an InputError naming `body`. */
  jsonBody(): Record<string, unknown>;
}

/** Builds the Request view of a proxy event. */
export function toRequest(event: APIGatewayProxyEvent, pathParams: Record<string, string>, requestId: string): Request {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.headers ?? {})) if (typeof v === 'string') headers[k.toLowerCase()] = v;
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) if (typeof v === 'string') query[k] = v;
  const claims = (event.requestContext?.authorizer as { claims?: Record<string, unknown> } | null | undefined)?.claims;
  const sub = typeof claims?.sub === 'string' && claims.sub ? claims.sub : undefined;
  return {
    event,
    method: (event.httpMethod ?? 'GET').toUpperCase(),
    requestId,
    pathParams,
    query,
    header: (name) => headers[name.toLowerCase()],
    caller: sub ? { sub, email: typeof claims?.email === 'string' ? claims.email : undefined } : undefined,
    jsonBody() {
      const raw = event.body == null ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        throw new InputError('body', 'must be a JSON object');
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InputError('body', 'must be a JSON object');
      return parsed as Record<string, unknown>;
    },
  };
}

/**
 * The path the client called, without a trailing slash: `requestContext.path` keeps the stage or base-path prefix
 * (`/live/subscriptions` on an execute-api URL) that the event's `path` drops, so a link built on it (Location, an href)
 * resolves to this API, not to the host root. `fallback` when the event has neither.
 */
export function requestedPath(event: APIGatewayProxyEvent, fallback: string): string {
  return (event.requestContext?.path || event.path || fallback).replace(/\/+$/, '');
}

/** Headers every response may expose to the web client (Retry-After of a 503 is not CORS-safelisted: unreadable without). */
const EXPOSED_HEADERS = 'ETag, Location, Retry-After, X-Document-Version, X-Request-Id';
const ALLOWED_HEADERS = 'Accept, Authorization, Content-Type, If-None-Match, X-Amz-Date, X-Amz-Security-Token, X-Api-Key';

/**
 * The CORS headers for a request from `origin`: the origin echoed when it is allowed, nothing for a foreign one. `*`
 * allows any web origin but not the opaque origin `null` (a sandboxed iframe, a file:// page, a redirect chain), which
 * any page can produce: it is allowed only when listed by name.
 */
export function corsHeaders(origin: string | undefined, allowed: string[] = allowedOrigins()): Record<string, string> {
  const headers: Record<string, string> = { Vary: 'Origin' };
  const o = origin?.replace(/\/+$/, '');
  if (o && (allowed.includes(o) || (allowed.includes('*') && o !== 'null'))) {
    headers['Access-Control-Allow-Origin'] = o;
    headers['Access-Control-Expose-Headers'] = EXPOSED_HEADERS;
  }
  return headers;
}

/** The extra headers of a CORS preflight answer for an allowed origin. */
export function preflightHeaders(methods: string[]): Record<string, string> {
  return {
    'Access-Control-Allow-Methods': [...methods, 'OPTIONS'].join(', '),
    'Access-Control-Allow-Headers': ALLOWED_HEADERS,
    'Access-Control-Max-Age': '600',
  };
}

/** Turns a Reply into the proxy result, with CORS and request-id headers. */
export function toResult(reply: Reply, cors: Record<string, string>, requestId: string): APIGatewayProxyResult {
  const headers: Record<string, string> = { ...cors, 'X-Request-Id': requestId, ...reply.headers };
  if (reply.headers?.Vary && cors.Vary) headers.Vary = `${reply.headers.Vary}, ${cors.Vary}`;
  let body = '';
  if (reply.text !== undefined) {
    body = reply.text;
    headers['Content-Type'] = reply.contentType ?? 'text/plain; charset=utf-8';
  } else if (reply.json !== undefined) {
    body = JSON.stringify(reply.json);
    headers['Content-Type'] = 'application/json; charset=utf-8';
  }
  return { statusCode: reply.status, headers, body };
}
