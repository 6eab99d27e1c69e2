import type { GatewayResponse as SdkGatewayResponse } from '@aws-sdk/client-api-gateway';
import type { GatewayConfig, GatewayResponseType } from '../config/sections/gateway.js';
import type { SourceFile } from '../config/yaml-file.js';

/**
 * Gateway responses: the errors API Gateway answers itself, before (or instead of) a function — a body that fails its
 * model, a missing required header, the Cognito authorizer's 401/403, throttling, DEFAULT_4XX / DEFAULT_5XX. Without a
 * definition they carry no CORS headers (the browser reports a CORS failure instead of the error) and their body is
 * `{"message": ...}`, not the functions' `{"error", "field"?, "reason"}`. See docs/gateway.md.
 *
 * Allow-Origin: a gateway response cannot run the conditional template the preflight uses (its templates get simple
 * variable substitution, no VTL `#if`, no `$context.responseOverride`), and a header can only be a static value or a
 * request value mapped unconditionally. So with one allowed origin the header is that origin (static, exact); with
 * several it is the request's `Origin` (`method.request.header.Origin`), which a foreign origin gets back too. That is
 * accepted because what it could read is harmless: these bodies are API Gateway's own errors (no data of a user), no
 * `Access-Control-Allow-Credentials` is ever sent (the API authenticates with a bearer token a foreign page does not
 * have, not cookies), and the allow-list still gates every request that matters — a foreign page's JSON or
 * Authorization request needs a preflight, which the MOCK OPTIONS refuses, so the browser never sends it. A stage that
 * wants no reflection pins one origin with `gateway.responses.allowOrigin`.
 */

/** One gateway response as turnctl compares it (what PutGatewayResponse sets). */
export interface GatewayResponseShape {
  /** null: the status API Gateway uses for the type (DEFAULT_4XX/5XX: the status of the error). */
  statusCode: string | null;
  /** `gatewayresponse.header.X` → mapping expression. */
  parameters: Record<string, string>;
  /** Content type → body template. */
  templates: Record<string, string>;
}

const JSON_CT = 'application/json';
const H = (name: string) => `gatewayresponse.header.${name}`;
/** The request's Origin header, mapped unconditionally (see above for why that is acceptable). */
export const REQUEST_ORIGIN = 'method.request.header.Origin';

/** `reason` values: API Gateway's message (already a quoted JSON string) or the body validator's detail. */
const MESSAGE = '$context.error.messageString';
const VALIDATION = '"$context.error.validationErrorString"';

interface Body {
  error: string;
  field?: string;
  /** A JSON value as it appears in the template (a quoted literal or a substituted variable). */
  reason: string;
  status?: number;
}

/**
 * The types turnctl defines by default, with the functions' error codes (src/lambdas/lib/errors.ts). DEFAULT_4XX and
 * DEFAULT_5XX cover every other type. MISSING_AUTHENTICATION_TOKEN is what API Gateway answers (403) for a method or path
 * without a route on an API without IAM auth: it becomes the 404 `not_found` the functions' own router answers.
 */
export const DEFAULT_RESPONSES: Partial<Record<GatewayResponseType, Body>> = {
  DEFAULT_4XX: { error: 'bad_request', reason: MESSAGE },
  DEFAULT_5XX: { error: 'internal', reason: MESSAGE },
  BAD_REQUEST_BODY: { error: 'invalid_request', field: 'body', reason: VALIDATION },
  BAD_REQUEST_PARAMETERS: { error: 'invalid_request', reason: MESSAGE },
  UNAUTHORIZED: { error: 'unauthorized', reason: MESSAGE },
  ACCESS_DENIED: { error: 'forbidden', reason: MESSAGE },
  MISSING_AUTHENTICATION_TOKEN: { error: 'not_found', reason: JSON.stringify('no route for this method and path'), status: 404 },
  THROTTLED: { error: 'throttled', reason: MESSAGE },
  QUOTA_EXCEEDED: { error: 'quota_exceeded', reason: MESSAGE },
};

/**
 * The status API Gateway answers each response type with when nobody customized it (null: DEFAULT_4XX / DEFAULT_5XX
 * answer with the status of the error they stand in for). A type that is not customized falls back to DEFAULT_4XX or
 * DEFAULT_5XX by this status, when that one is customized.
 */
export const API_GATEWAY_STATUS: Record<GatewayResponseType, number | null> = {
  ACCESS_DENIED: 403, API_CONFIGURATION_ERROR: 500, AUTHORIZER_CONFIGURATION_ERROR: 500, AUTHORIZER_FAILURE: 500,
  BAD_REQUEST_BODY: 400, BAD_REQUEST_PARAMETERS: 400, DEFAULT_4XX: null, DEFAULT_5XX: null, EXPIRED_TOKEN: 403,
  INTEGRATION_FAILURE: 504, INTEGRATION_TIMEOUT: 504, INVALID_API_KEY: 403, INVALID_SIGNATURE: 403,
  MISSING_AUTHENTICATION_TOKEN: 403, QUOTA_EXCEEDED: 429, REQUEST_TOO_LARGE: 413, RESOURCE_NOT_FOUND: 404, THROTTLED: 429,
  UNAUTHORIZED: 401, UNSUPPORTED_MEDIA_TYPE: 415, WAF_FILTERED: 403,
};

/** API Gateway's own body of a response type nobody customized. */
export const API_GATEWAY_TEMPLATE = '{"message":$context.error.messageString}';

/** The body template: the backend's error shape, plus the request id (the client has no other way to quote it). */
export function bodyTemplate(b: Body): string {
  const field = b.field ? `,"field":${JSON.stringify(b.field)}` : '';
  return `{"error":${JSON.stringify(b.error)}${field},"reason":${b.reason},"requestId":"$context.requestId"}`;
}

/** The Access-Control-Allow-Origin mapping for `allowOrigin`, or a problem to report at `gateway.responses.allowOrigin`. */
export function allowOriginValue(allowOrigin: string, origins: readonly string[]): { value: string | null } | { problem: string } {
  if (allowOrigin === 'auto') return { value: origins.length === 0 ? null : origins.length === 1 ? `'${origins[0]}'` : REQUEST_ORIGIN };
  if (origins.length === 0) return { problem: `responses.allowOrigin "${allowOrigin}" needs gateway.cors.origins (the allowed web origins)` };
  if (allowOrigin === 'request') return { value: REQUEST_ORIGIN };
  if (origins.includes(allowOrigin)) return { value: `'${allowOrigin}'` };
  return { problem: `responses.allowOrigin "${allowOrigin}" is not one of the allowed origins (${origins.join(', ')}); use auto, request or one of them` };
}

/**
 * The gateway responses a stage should have, or undefined when turnctl does not manage them (no `cors:` and no
 * `responses:`). Every problem is an InvalidInputError at its file:line.
 */
export function desiredResponses(
  cfg: NonNullable<GatewayConfig>,
  origins: readonly string[],
  file: Pick<SourceFile<unknown>, 'error'>,
): Record<string, GatewayResponseShape> | undefined {
  if (!cfg.cors && !cfg.responses) return undefined;
  const allow = allowOriginValue(cfg.responses?.allowOrigin ?? 'auto', origins);
  if ('problem' in allow) throw file.error(['gateway', 'responses', 'allowOrigin'], allow.problem);
  const cors: Record<string, string> = allow.value ? { [H('Access-Control-Allow-Origin')]: allow.value, [H('Vary')]: "'Origin'" } : {};
  const overrides = cfg.responses?.types ?? {};
  const types = new Set([...Object.keys(DEFAULT_RESPONSES), ...Object.keys(overrides)] as GatewayResponseType[]);
  const out: Record<string, GatewayResponseShape> = {};
  for (const type of [...types].sort()) {
    const o = overrides[type];
    if (o === false) continue;
    const d = DEFAULT_RESPONSES[type];
    const body: Body = {
      error: o?.error ?? d?.error ?? type.toLowerCase(),
      ...(d?.field ? { field: d.field } : {}),
      reason: o?.reason !== undefined ? JSON.stringify(o.reason) : (d?.reason ?? MESSAGE),
    };
    const status = o?.status ?? d?.status;
    for (const [k, v] of Object.entries(o?.headers ?? {})) {
      // A static Allow-Origin must be an allowed origin: "*" or a foreign one opens (or breaks) CORS on these errors,
      // and the cors post-check would fail after every step, rolling the release back.
      const pinned = k.toLowerCase() === 'access-control-allow-origin' ? /^'(.*)'$/.exec(v)?.[1] : undefined;
      if (pinned !== undefined && !origins.includes(pinned))
        throw file.error(['gateway', 'responses', 'types', type, 'headers', k], `responses.types.${type} Access-Control-Allow-Origin '${pinned}' is not one of the allowed origins (${origins.join(', ') || 'none: no gateway.cors.origins'}); use one of them, or responses.allowOrigin`);
    }
    const headers = Object.fromEntries(Object.entries(o?.headers ?? {}).map(([k, v]) => [H(k), v]));
    out[type] = { statusCode: status ? String(status) : null, parameters: { ...cors, ...headers }, templates: { [JSON_CT]: bodyTemplate(body) } };
  }
  return out;
}

/** Normalizes what GetGatewayResponses answers; null for a type that is not customized (AWS lists those as defaults). */
export function responseShape(r: SdkGatewayResponse): GatewayResponseShape | null {
  if (r.defaultResponse) return null;
  return { statusCode: r.statusCode ?? null, parameters: { ...(r.responseParameters ?? {}) }, templates: { ...(r.responseTemplates ?? {}) } };
}

/** What a `response:` change shows: status, headers by name, body template. */
export function responseView(r: GatewayResponseShape | undefined) {
  if (!r) return null;
  return {
    status: r.statusCode ?? 'default',
    headers: Object.fromEntries(Object.entries(r.parameters).map(([k, v]) => [k.replace('gatewayresponse.header.', ''), v])),
    body: r.templates[JSON_CT] ?? null,
  };
}

/** The stage-independent part of the responses (for the release digest): header names, not their origin values. */
export function stageIndependentResponses(responses: Record<string, GatewayResponseShape> | undefined) {
  if (!responses) return undefined;
  return Object.fromEntries(Object.entries(responses).map(([t, r]) => [t, { ...r, parameters: Object.keys(r.parameters).sort() }]));
}
