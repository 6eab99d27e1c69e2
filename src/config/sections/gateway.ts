import { z } from 'zod';

// The gateway section of turnctl.yaml (docs/gateway.md). Owned by the gateway step (src/gateway/).

/** HTTP methods a route may use; OPTIONS is reserved for the CORS preflight turnctl adds itself. */
export const ROUTE_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'ANY'] as const;

const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be an HTTP header name like X-Request-Id');
const queryName = z.string().regex(/^[A-Za-z0-9._~-]+$/, 'must be a query parameter name like page');

/** One path segment: a literal, a `{param}` or a greedy `{proxy+}`. */
const SEGMENT = String.raw`(?:[A-Za-z0-9._-]+|\{[A-Za-z_][A-Za-z0-9_]*\+?\})`;
const pathSchema = z
  .string()
  .regex(new RegExp(`^/(?:${SEGMENT}(?:/${SEGMENT})*)?$`), 'must be a path like /vehicles/{id} (no trailing slash)');

/** One route: a method on a path, served by a function through an AWS_PROXY integration on its `live` alias. */
export const routeSchema = z.strictObject({
  method: z.preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), z.enum(ROUTE_METHODS)),
  path: pathSchema,
  /** A function of the `functions:` section. */
  function: z.string().min(1),
  auth: z.enum(['none', 'cognito']).default('none'),
  /** Request body model (a name under `models:`), for application/json. */
  model: z.string().optional(),
  /** Request validation; default: body+params when a model and required parameters are declared, else what is declared. */
  validator: z.enum(['none', 'body', 'params', 'all']).optional(),
  requiredHeaders: z.array(headerName).default([]),
  requiredQuery: z.array(queryName).default([]),
  /** Headers the method response declares (documentation and SDK generation; the function sets them). */
  responseHeaders: z.array(headerName).default([]),
});
export type RouteConfig = z.output<typeof routeSchema>;

/** Every gateway response type API Gateway has (the SDK's GatewayResponseType). */
export const GATEWAY_RESPONSE_TYPES = [
  'ACCESS_DENIED', 'API_CONFIGURATION_ERROR', 'AUTHORIZER_CONFIGURATION_ERROR', 'AUTHORIZER_FAILURE', 'BAD_REQUEST_BODY',
  'BAD_REQUEST_PARAMETERS', 'DEFAULT_4XX', 'DEFAULT_5XX', 'EXPIRED_TOKEN', 'INTEGRATION_FAILURE', 'INTEGRATION_TIMEOUT',
  'INVALID_API_KEY', 'INVALID_SIGNATURE', 'MISSING_AUTHENTICATION_TOKEN', 'QUOTA_EXCEEDED', 'REQUEST_TOO_LARGE',
  'RESOURCE_NOT_FOUND', 'THROTTLED', 'UNAUTHORIZED', 'UNSUPPORTED_MEDIA_TYPE', 'WAF_FILTERED',
] as const;
export type GatewayResponseType = (typeof GATEWAY_RESPONSE_TYPES)[number];

/** A gateway response header value: a quoted static value or a request parameter / stage variable / context variable. */
const headerValue = z
  .string()
  .regex(
    /^(?:'[^']*'|method\.request\.(?:header|querystring|path)\.[A-Za-z0-9!#$%&*+.^_`|~-]+|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z0-9_.]+)$/,
    "must be a quoted static value like \"'no-store'\" or a mapping like method.request.header.X-Request-Id",
  );

/** One gateway response override; `false` leaves API Gateway's own response for that type. */
const gatewayResponseSchema = z.union([
  z.literal(false),
  z.strictObject({
    /** HTTP status; default: the one API Gateway uses for the type. */
    status: z.number().int().min(400).max(599).optional(),
    /** The `error` code of the body (the functions' codes: invalid_request, unauthorized, …). */
    error: z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be a snake_case error code like invalid_request').optional(),
    /** A fixed `reason` text instead of API Gateway's message. */
    reason: z.string().min(1).optional(),
    /** Extra response headers (or replacements of the CORS ones). */
    headers: z.record(headerName, headerValue).default({}),
  }),
]);

/** The errors API Gateway answers itself (validation, authorizer, throttling, DEFAULT_4XX/5XX): CORS headers and body. */
export const gatewayResponsesSchema = z.strictObject({
  /**
   * Access-Control-Allow-Origin of those errors: `auto` (the one allowed origin as a static value, or the request's
   * Origin when there are several), `request` (always the request's Origin) or one of the allowed origins.
   */
  allowOrigin: z.string().min(1).default('auto'),
  types: z.strictObject(Object.fromEntries(GATEWAY_RESPONSE_TYPES.map((t) => [t, gatewayResponseSchema.optional()])) as Record<GatewayResponseType, z.ZodOptional<typeof gatewayResponseSchema>>).default({}),
});
export type GatewayResponsesConfig = z.output<typeof gatewayResponsesSchema>;

export const gatewaySchema = z
  .strictObject({
    /** REST API name; default `${project}-${stage}-api`. */
    name: z.string().min(1).optional(),
    /** API Gateway stage name; default: the turnctl stage name. May use ${stage}, …: its rule is checked after substitution. */
    stageName: z.string().min(1).optional(),
    description: z.string().optional(),
    /** Model name → JSON schema file (draft 4), relative to the project directory. */
    models: z.record(z.string().regex(/^[A-Za-z0-9]+$/, 'model names are letters and digits only (API Gateway rule)'), z.string().min(1)).default({}),
    /** The Cognito authorizer of `auth: cognito` routes. */
    authorizer: z
      .strictObject({
        /** User pool name; default `${project}-${stage}-portal`. */
        userPool: z.string().min(1).optional(),
        name: z.string().regex(/^[A-Za-z0-9_-]+$/).default('cognito'),
      })
      .optional(),
    cors: z
      .strictObject({
        /** Allowed web origins: a list, or a comma-separated string (e.g. `${var.webOrigins}`). */
        origins: z.union([z.string(), z.array(z.string())]),
        headers: z.array(headerName).default(['Content-Type', 'Authorization', 'X-Amz-Date', 'X-Api-Key', 'X-Amz-Security-Token']),
        /** Allowed methods; default: the methods of the resource's routes. */
        methods: z.array(z.preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), z.enum([...ROUTE_METHODS, 'OPTIONS']))).optional(),
        maxAge: z.number().int().min(0).max(86400).default(600),
      })
      .optional(),
    /** Stage throttling (all methods): steady-state requests per second and burst. */
    throttling: z.strictObject({ rate: z.number().positive(), burst: z.number().int().min(1, 'burst 0 would throttle every request (429); set the burst in requests, at least 1') }).optional(),
    routes: z.array(routeSchema).default([]),
    /** Gateway responses; default (with `cors:`): the CORS headers and the backend's error body on every API Gateway error. */
    responses: gatewayResponsesSchema.optional(),
  })
  .optional();
export type GatewayConfig = z.output<typeof gatewaySchema>;
