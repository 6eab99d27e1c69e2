import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';

/** A request as API Gateway receives it, before it turns it into a proxy event. */
export interface ProxyRequest {
  method: string;
  /** Resource template of the matched route, e.g. /vehicles/{id}. */
  resource: string;
  /** Actual path, e.g. /vehicles/42 (default: the resource with no variables). */
  path?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  body?: string | null;
  stage: string;
  /** Cognito claims for routes behind the Cognito authorizer. */
  claims?: Record<string, string>;
}

/** The path variables of `path` matched against a resource template (`{id}`, greedy `{proxy+}`); null when it does not match. */
export function matchPath(resource: string, path: string): Record<string, string> | null {
  const r = resource.split('/').filter(Boolean);
  const p = path.split('/').filter(Boolean);
  const params: Record<string, string> = {};
  for (let i = 0; i < r.length; i++) {
    const seg = r[i]!;
    if (seg.endsWith('+}')) {
      if (i >= p.length) return null;
      params[seg.slice(1, -2)] = p.slice(i).map(decodeURIComponent).join('/');
      return params;
    }
    if (i >= p.length) return null;
    if (seg.startsWith('{')) params[seg.slice(1, -1)] = decodeURIComponent(p[i]!);
    else if (seg !== p[i]) return null;
  }
  return r.length === p.length ? params : null;
}

/** A concrete path for a resource template: each variable replaced by `value`. */
export const concretePath = (resource: string, value = 'turnctl-check') => resource.replace(/\{[^}]+\}/g, value);

/** Builds the APIGatewayProxyEvent (REST API, payload 1.0) that an AWS_PROXY integration hands to the function. */
export function proxyEvent(req: ProxyRequest): APIGatewayProxyEvent {
  const path = req.path ?? concretePath(req.resource);
  const pathParameters = matchPath(req.resource, path);
  const headers = req.headers ?? {};
  const query = req.query ?? {};
  const requestId = randomUUID();
  return {
    resource: req.resource,
    path,
    httpMethod: req.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: Object.keys(query).length ? query : null,
    multiValueQueryStringParameters: Object.keys(query).length ? Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])) : null,
    pathParameters: pathParameters && Object.keys(pathParameters).length ? pathParameters : null,
    stageVariables: null,
    body: req.body ?? null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: req.claims ? { claims: req.claims } : null,
      protocol: 'HTTP/1.1',
      httpMethod: req.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '127.0.0.1',
        user: null,
        userAgent: headers['User-Agent'] ?? headers['user-agent'] ?? 'turnctl',
        userArn: null,
      },
      path: `/${req.stage}${path}`,
      stage: req.stage,
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: req.resource,
    },
  } as APIGatewayProxyEvent;
}
