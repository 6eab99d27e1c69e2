import type { GatewayResponseType } from '../config/sections/gateway.js';
import { API_GATEWAY_STATUS, API_GATEWAY_TEMPLATE, type GatewayResponseShape } from './responses.js';
import type { MethodShape } from './shape.js';

/**
 * CORS preflight design (docs/gateway.md): OPTIONS on every resource with routes is a MOCK integration (no Lambda call,
 * no cost, no cold start). A MOCK integration response can only map *static* header values, and several web origins
 * (prod has two) cannot share one static Access-Control-Allow-Origin. So the static values cover
 * Allow-Methods / Allow-Headers / Max-Age / Vary, and the integration response's mapping template echoes the request's
 * Origin into Access-Control-Allow-Origin through `$context.responseOverride` only when it is in the allow-list.
 * A foreign origin gets no Access-Control-Allow-Origin at all, which browsers treat as a refusal.
 */

export interface CorsSpec {
  origins: string[];
  headers: string[];
  methods: string[];
  maxAge: number;
}

const H = (name: string) => `method.response.header.${name}`;
const JSON_CT = 'application/json';
export const MOCK_REQUEST_TEMPLATE = '{"statusCode": 200}';

/** The integration-response mapping template that allows exactly `origins` (VTL, evaluated by API Gateway). */
export function originTemplate(origins: readonly string[]): string {
  return [
    '#set($origin = $input.params("Origin"))',
    '#if($origin == "")#set($origin = $input.params("origin"))#end',
    `#set($allowed = ${JSON.stringify(origins)})`,
    '#if($allowed.contains($origin))',
    '#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)',
    '#end',
  ].join('\n');
}

/** The allow-list of a template written by `originTemplate`; null when the template is not one of ours. */
export function originsOfTemplate(template: string | undefined): string[] | null {
  const m = /^#set\(\$allowed = (\[.*\])\)$/m.exec(template ?? '');
  if (!m) return null;
  try {
    const origins = JSON.parse(m[1]!) as unknown;
    if (!Array.isArray(origins) || !origins.every((o) => typeof o === 'string')) return null;
    return originTemplate(origins) === template ? origins : null;
  } catch {
    return null;
  }
}

/** The OPTIONS method of a resource: MOCK integration answering the preflight. */
export function preflightMethod(cors: CorsSpec): MethodShape {
  const quoted = (v: string) => `'${v}'`;
  return {
    authorizationType: 'NONE',
    authorizer: null,
    validator: null,
    requestParameters: {},
    requestModels: {},
    integration: {
      type: 'MOCK',
      httpMethod: null,
      uri: null,
      requestTemplates: { [JSON_CT]: MOCK_REQUEST_TEMPLATE },
      responses: {
        '200': {
          parameters: {
            [H('Access-Control-Allow-Headers')]: quoted(cors.headers.join(',')),
            [H('Access-Control-Allow-Methods')]: quoted(cors.methods.join(',')),
            [H('Access-Control-Max-Age')]: quoted(String(cors.maxAge)),
            [H('Vary')]: quoted('Origin'),
          },
          templates: { [JSON_CT]: originTemplate(cors.origins) },
        },
      },
    },
    responses: {
      '200': {
        parameters: {
          [H('Access-Control-Allow-Origin')]: false,
          [H('Access-Control-Allow-Headers')]: false,
          [H('Access-Control-Allow-Methods')]: false,
          [H('Access-Control-Max-Age')]: false,
          [H('Vary')]: false,
        },
      },
    },
  };
}

/** What a preflight gets back. */
export interface PreflightResult {
  statusCode: number;
  headers: Record<string, string>;
  /** Why the method cannot answer a preflight (not one of turnctl's MOCK preflights), when it cannot; statusCode is then what API Gateway answers. */
  problem?: string;
}

/**
 * Evaluates a MOCK preflight method the way API Gateway does for a request with `origin`: the request template picks
 * the status, the default (200) integration response maps its static header values onto the declared method-response
 * headers, then its template may override Access-Control-Allow-Origin.
 */
export function evaluatePreflight(method: MethodShape | undefined, origin: string): PreflightResult {
  // The status API Gateway answers such a request with: 403 for a missing method, 401 for a refused authorizer,
  // 500 ("Internal server error") for an integration it cannot execute.
  const fail = (problem: string, statusCode = 500): PreflightResult => ({ statusCode, headers: {}, problem });
  if (!method) return fail('no OPTIONS method (Missing Authentication Token)', 403);
  if (method.authorizationType !== 'NONE') return fail(`OPTIONS requires authorization ${method.authorizationType}; preflights carry no credentials`, 401);
  const integration = method.integration;
  if (!integration || integration.type !== 'MOCK') return fail(`OPTIONS integration is ${integration?.type ?? 'missing'}, not MOCK`);
  if (integration.requestTemplates[JSON_CT] !== MOCK_REQUEST_TEMPLATE) return fail('OPTIONS mock request template does not select status 200');
  const ir = integration.responses['200'];
  const mr = method.responses['200'];
  if (!ir || !mr) return fail('OPTIONS has no 200 method/integration response');
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(ir.parameters)) {
    if (!key.startsWith('method.response.header.') || !(key in mr.parameters)) continue;
    const literal = /^'(.*)'$/.exec(value);
    if (!literal) return fail(`OPTIONS maps ${key} from ${value}, which a MOCK integration cannot supply`);
    headers[key.slice('method.response.header.'.length)] = literal[1]!;
  }
  const template = ir.templates[JSON_CT];
  if (template !== undefined) {
    const allowed = originsOfTemplate(template);
    if (!allowed) return fail('OPTIONS response template is not the one turnctl writes; run `turnctl release apply`');
    if (allowed.includes(origin) && H('Access-Control-Allow-Origin') in mr.parameters) headers['Access-Control-Allow-Origin'] = origin;
  }
  return { statusCode: 200, headers };
}

/** A response type API Gateway answers with a status of its own (not one of the DEFAULT_4XX / DEFAULT_5XX fallbacks). */
export type GatewayErrorType = Exclude<GatewayResponseType, 'DEFAULT_4XX' | 'DEFAULT_5XX'>;

/** What API Gateway answers for one of its own errors. */
export interface GatewayErrorResult {
  /** The customization that answered: the type's own, its DEFAULT_4XX / DEFAULT_5XX fallback, or null (API Gateway's default). */
  answeredBy: string | null;
  statusCode: number;
  headers: Record<string, string>;
  /** Header → mapping that cannot be resolved outside API Gateway (stage and context variables); the header is left out. */
  unresolved: Record<string, string>;
  /** The application/json body, with the error message and request id substituted. */
  body: string;
}

/** API Gateway's `$context.error.message` of the types the checks provoke. */
const ERROR_MESSAGES: Partial<Record<GatewayErrorType, string>> = {
  MISSING_AUTHENTICATION_TOKEN: 'Missing Authentication Token',
  UNAUTHORIZED: 'Unauthorized',
  ACCESS_DENIED: 'User is not authorized to access this resource',
};

/**
 * Evaluates the gateway responses of an API (`responses`: the customized types, as read) for an error of `type` the
 * way API Gateway does: the type's own customization, else the DEFAULT_4XX / DEFAULT_5XX one of its status family,
 * else API Gateway's default (its status, no extra headers, `{"message": …}`). Header mappings are resolved against
 * the request: a static `'value'`, or `method.request.header|querystring|path.<name>` (header names case-insensitive,
 * as in HTTP; a request value that is absent leaves the header out).
 */
export function evaluateGatewayResponse(
  responses: Readonly<Record<string, GatewayResponseShape>>,
  type: GatewayErrorType,
  request: { headers: Record<string, string>; query?: Record<string, string>; path?: Record<string, string>; requestId?: string },
): GatewayErrorResult {
  const ownStatus = API_GATEWAY_STATUS[type]!;
  const fallback = ownStatus >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX';
  const own = responses[type];
  const inherited = own ? undefined : responses[fallback];
  const used = own ?? inherited;
  // A customized fallback's status replaces the status of every type that is not customized itself.
  const statusCode = Number(own ? (own.statusCode ?? ownStatus) : (inherited?.statusCode ?? ownStatus));

  const lowerHeaders = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const sources: Array<[RegExp, (name: string) => string | undefined]> = [
    [/^method\.request\.header\.(.+)$/, (name) => lowerHeaders[name.toLowerCase()]],
    [/^method\.request\.querystring\.(.+)$/, (name) => request.query?.[name]],
    [/^method\.request\.path\.(.+)$/, (name) => request.path?.[name]],
  ];
  const headers: Record<string, string> = {};
  const unresolved: Record<string, string> = {};
  for (const [key, mapping] of Object.entries(used?.parameters ?? {})) {
    if (!key.startsWith('gatewayresponse.header.')) continue;
    const name = key.slice('gatewayresponse.header.'.length);
    const literal = /^'(.*)'$/.exec(mapping);
    if (literal) {
      headers[name] = literal[1]!;
      continue;
    }
    const source = sources.find(([re]) => re.test(mapping));
    if (!source) {
      unresolved[name] = mapping;
      continue;
    }
    const value = source[1](source[0].exec(mapping)![1]!);
    if (value !== undefined) headers[name] = value;
  }

  const message = ERROR_MESSAGES[type] ?? type;
  const template = used?.templates['application/json'] ?? API_GATEWAY_TEMPLATE;
  const body = template
    .replaceAll('$context.error.messageString', JSON.stringify(message))
    .replaceAll('$context.error.validationErrorString', '')
    .replaceAll('$context.error.message', message)
    .replaceAll('$context.requestId', request.requestId ?? 'turnctl-check');
  return { answeredBy: own ? type : inherited ? fallback : null, statusCode, headers, unresolved, body };
}

/** Splits a comma-separated origin list (e.g. a stage variable) into origins. */
export function splitOrigins(value: string | readonly string[]): string[] {
  const list = typeof value === 'string' ? value.split(',') : [...value];
  return list.map((o) => o.trim()).filter(Boolean);
}
