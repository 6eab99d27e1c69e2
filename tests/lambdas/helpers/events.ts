import type { APIGatewayProxyEvent } from 'aws-lambda';

/** What a test says about a request; the rest of the proxy event is filled in like API Gateway does. */
export interface RequestSpec {
  method?: string;
  path: string;
  /** Resource template, e.g. `/subscriptions/{id}`; derived from the path when omitted. */
  resource?: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: unknown;
  /** Cognito claims of the caller (authorized routes). */
  claims?: { sub: string; email?: string };
}

let seq = 0;

/** An API Gateway REST proxy event. */
export function apiEvent(spec: RequestSpec): APIGatewayProxyEvent {
  const method = spec.method ?? 'GET';
  const headers = spec.headers ?? {};
  return {
    resource: spec.resource ?? spec.path,
    path: spec.path,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: spec.query ?? null,
    multiValueQueryStringParameters: spec.query ? Object.fromEntries(Object.entries(spec.query).map(([k, v]) => [k, [v]])) : null,
    pathParameters: spec.pathParameters ?? null,
    stageVariables: null,
    body: spec.body === undefined ? null : typeof spec.body === 'string' ? spec.body : JSON.stringify(spec.body),
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'test',
      httpMethod: method,
      path: `/live${spec.path}`,
      stage: 'live',
      requestId: `req-${++seq}`,
      requestTimeEpoch: Date.now(),
      resourceId: 'r',
      resourcePath: spec.resource ?? spec.path,
      protocol: 'HTTP/1.1',
      authorizer: spec.claims ? { claims: spec.claims } : null,
      identity: { sourceIp: '127.0.0.1', userAgent: 'vitest' },
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

/** The JSON body of a proxy result. */
export function bodyOf<T = Record<string, unknown>>(result: { body: string }): T {
  return JSON.parse(result.body) as T;
}
