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

/** Splits a comma-separated origin list (e.g. a stage variable) into origins. */
export function splitOrigins(value: string | readonly string[]): string[] {
  const list = typeof value === 'string' ? value.split(',') : [...value];
  return list.map((o) => o.trim()).filter(Boolean);
}
