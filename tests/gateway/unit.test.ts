import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCors } from '../../src/checks/cors.js';
import { checkHealth } from '../../src/checks/health.js';
import type { GatewayDesired } from '../../src/gateway/config.js';
import { evaluatePreflight, originTemplate, originsOfTemplate, preflightMethod } from '../../src/gateway/cors.js';
import { diffGateway, diffShapes } from '../../src/gateway/diff.js';
import type { GatewayLive } from '../../src/gateway/read.js';
import { mapOps } from '../../src/gateway/reconcile.js';
import { matchPath, proxyEvent } from '../../src/gateway/proxy-event.js';
import { emptyShape, type ApiShape } from '../../src/gateway/shape.js';
import { httpTransport } from '../../src/gateway/transport.js';

const ORIGINS = ['https://app.turn.example', 'https://www.turn.example'];
const spec = { origins: ORIGINS, headers: ['Content-Type', 'Authorization'], methods: ['GET', 'POST', 'OPTIONS'], maxAge: 600 };

describe('CORS preflight (MOCK) evaluated the way API Gateway does', () => {
  it('GIVEN two allowed origins WHEN each preflights THEN each gets itself back; a foreign origin gets no Allow-Origin but the static headers', () => {
    const m = preflightMethod(spec);
    for (const o of ORIGINS)
      expect(evaluatePreflight(m, o)).toEqual({
        statusCode: 200,
        headers: { 'Access-Control-Allow-Origin': o, 'Access-Control-Allow-Headers': 'Content-Type,Authorization', 'Access-Control-Allow-Methods': 'GET,POST,OPTIONS', 'Access-Control-Max-Age': '600', Vary: 'Origin' },
      });
    expect(evaluatePreflight(m, 'https://evil.example').headers).not.toHaveProperty('Access-Control-Allow-Origin');
  });

  it('GIVEN a template turnctl did not write, a proxy-less mapping or no method WHEN evaluated THEN the problem is named', () => {
    const m = preflightMethod(spec);
    const edited = structuredClone(m);
    edited.integration!.responses['200']!.templates['application/json'] = originTemplate(ORIGINS).replace('#end', '#else#set($context.responseOverride.header.Access-Control-Allow-Origin = "*")#end');
    expect(evaluatePreflight(edited, 'https://evil.example').problem).toMatch(/not the one turnctl writes/);
    const mapped = structuredClone(m);
    mapped.integration!.responses['200']!.parameters['method.response.header.Vary'] = 'integration.response.header.Vary';
    expect(evaluatePreflight(mapped, ORIGINS[0]!).problem).toMatch(/cannot supply/);
    expect(evaluatePreflight(undefined, ORIGINS[0]!)).toMatchObject({ statusCode: 403, problem: expect.stringMatching(/no OPTIONS method/) });
    expect(evaluatePreflight({ ...m, authorizationType: 'COGNITO_USER_POOLS' }, ORIGINS[0]!)).toMatchObject({ statusCode: 401 });
    expect(evaluatePreflight(mapped, ORIGINS[0]!).statusCode).toBe(500);
    expect(originsOfTemplate(originTemplate(ORIGINS))).toEqual(ORIGINS);
  });
});

describe('diff and patch operations (pure)', () => {
  const shape = (): ApiShape => ({
    ...emptyShape(),
    models: { Req: '{"type":"object"}' },
    resources: {
      '/a': {
        GET: {
          authorizationType: 'NONE',
          authorizer: null,
          validator: null,
          requestParameters: { 'method.request.header.X-Id': true },
          requestModels: {},
          integration: { type: 'AWS_PROXY', httpMethod: 'POST', uri: 'arn:aws:apigateway:eu-central-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-central-1:1:function:p-s-a:live/invocations', requestTemplates: {}, responses: {} },
          responses: { '200': { parameters: {} } },
        },
        OPTIONS: preflightMethod(spec),
      },
    },
  });

  it('GIVEN equal shapes WHEN diffed THEN no change; GIVEN one header, one origin and one schema changed THEN one change each', () => {
    expect(diffShapes(shape(), shape())).toEqual([]);
    const t = shape();
    t.resources['/a']!.GET!.requestParameters['method.request.querystring.page'] = true;
    t.resources['/a']!.OPTIONS = preflightMethod({ ...spec, origins: [ORIGINS[0]!] });
    t.models.Req = '{"type":"object","required":["x"]}';
    expect(diffShapes(t, shape()).map((c) => `${c.action} ${c.id}`)).toEqual(['update model:Req', 'update headers:GET /a', 'update cors:/a']);
    expect(diffShapes(t, shape()).find((c) => c.id === 'cors:/a')).toMatchObject({ before: { origins: ORIGINS }, after: { origins: [ORIGINS[0]] } });
    expect(diffShapes(emptyShape(), shape()).map((c) => `${c.action} ${c.id}`)).toEqual(['delete model:Req', 'delete resource:/a', 'delete route:GET /a', 'delete headers:GET /a', 'delete cors:/a']);
  });

  it('GIVEN a live API but no gateway section WHEN diffed THEN nothing is planned (removing the section deletes no route)', () => {
    const live = { apiName: 'a', stageName: 's', apiId: 'abc', rootId: 'r', shape: shape(), ids: { resources: {}, validators: {}, authorizers: {} }, stage: null, poolArn: null, permissions: {} } as GatewayLive;
    const unmanaged = { managed: false, shape: emptyShape(), routes: [], functions: {}, throttling: null } as unknown as GatewayDesired;
    expect(diffGateway(unmanaged, live)).toEqual([]);
    expect(diffGateway({ ...unmanaged, managed: true }, live).map((c) => c.id)).toContain('route:GET /a');
  });

  it('GIVEN two maps WHEN turned into patch operations THEN add/replace/remove with "/" escaped as ~1', () => {
    expect(mapOps('/requestModels', { 'application/json': 'A', 'text/plain': 'B' }, { 'application/json': 'C', 'application/xml': 'D' })).toEqual([
      { op: 'replace', path: '/requestModels/application~1json', value: 'C' },
      { op: 'add', path: '/requestModels/application~1xml', value: 'D' },
      { op: 'remove', path: '/requestModels/text~1plain' },
    ]);
  });
});

describe('proxy events', () => {
  it('GIVEN a resource template WHEN a path is matched THEN its variables are the path parameters of the event', () => {
    expect(matchPath('/legal/{doc}', '/legal/terms')).toEqual({ doc: 'terms' });
    expect(matchPath('/files/{proxy+}', '/files/a/b')).toEqual({ proxy: 'a/b' });
    expect(matchPath('/legal/{doc}', '/legal')).toBeNull();
    const e = proxyEvent({ method: 'GET', resource: '/legal/{doc}', path: '/legal/terms', headers: { Origin: 'https://a.example' }, stage: 'local' });
    expect(e).toMatchObject({ httpMethod: 'GET', path: '/legal/terms', resource: '/legal/{doc}', pathParameters: { doc: 'terms' }, requestContext: { stage: 'local', resourcePath: '/legal/{doc}' } });
  });
});

/**
 * The AWS-stage path of the health and cors checks: real HTTP requests. The server answers with the shapes real
 * API Gateway gives (recorded): a MOCK preflight (200, Allow-* headers, no Allow-Origin for a foreign origin),
 * 403 "Missing Authentication Token" for a resource without OPTIONS, and the health function's JSON.
 */
describe('health and cors checks over HTTPS-shaped requests', () => {
  let server: Server;
  let base: string;
  let optionsOn = true;
  let healthBody = '{"status":"healthy","database":"connected","environment":"configured"}';
  beforeAll(async () => {
    server = createServer((req, res) => {
      const common = { 'x-amzn-requestid': 'c0ffee00-0000-4000-8000-000000000000', 'x-amz-apigw-id': 'AbCdEfGhFrA=', 'content-type': 'application/json' };
      if (req.method === 'OPTIONS' && req.url === '/prod/health' && optionsOn) {
        const origin = req.headers.origin as string;
        res.writeHead(200, { ...common, 'access-control-allow-methods': 'GET,OPTIONS', 'access-control-allow-headers': 'Content-Type,Authorization', 'access-control-max-age': '600', vary: 'Origin', ...(ORIGINS.includes(origin) ? { 'access-control-allow-origin': origin } : {}) });
        return res.end();
      }
      if (req.method === 'GET' && req.url === '/prod/health') {
        res.writeHead(200, common);
        return res.end(healthBody);
      }
      res.writeHead(403, { ...common, 'x-amzn-errortype': 'MissingAuthenticationTokenException' });
      res.end('{"message":"Missing Authentication Token"}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}/prod`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const desired = { managed: true, apiName: 'turn-prod-api', origins: ORIGINS, routes: [{ method: 'GET', path: '/health', function: 'health', auth: 'none' }] } as GatewayDesired;

  it('GIVEN a healthy stage WHEN both checks run THEN both pass; GIVEN degraded health or a missing OPTIONS THEN each fails with the reason', async () => {
    expect(await checkHealth(desired, httpTransport(base))).toMatchObject({ ok: true });
    expect(await checkCors(desired, httpTransport(base))).toMatchObject({ ok: true, detail: '1 resource(s): 2 origin(s) allowed, https://evil.example refused' });

    healthBody = '{"status":"degraded","database":"unreachable","environment":"configured"}';
    expect(await checkHealth(desired, httpTransport(base))).toMatchObject({ ok: false, detail: expect.stringMatching(/GET \/health answered 200 status degraded/) });
    optionsOn = false;
    const cors = await checkCors(desired, httpTransport(base));
    expect(cors.ok).toBe(false);
    expect(cors.detail).toMatch(/OPTIONS \/health from https:\/\/app.turn.example: HTTP 403: \{"message":"Missing Authentication Token"\}/);
    expect(await checkHealth(desired, null)).toMatchObject({ ok: false, detail: 'REST API turn-prod-api not found; apply a release first' });
  });
});
