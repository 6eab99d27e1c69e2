import { describe, expect, it } from 'vitest';
import { gatewaySchema } from '../../src/config/sections/gateway.js';
import { probePath, PROBE_PATH } from '../../src/checks/cors-errors.js';
import { evaluateGatewayResponse } from '../../src/gateway/cors.js';
import { diffShapes } from '../../src/gateway/diff.js';
import { allowOriginValue, desiredResponses, REQUEST_ORIGIN, type GatewayResponseShape } from '../../src/gateway/responses.js';
import { emptyShape, shapeDigest } from '../../src/gateway/shape.js';

const ORIGINS = ['https://app.turn.example', 'https://www.turn.example'];
const file = { error: (path: ReadonlyArray<string | number>, problem: string) => new Error(`${path.join('.')}: ${problem}`) } as never;
const config = (extra: Record<string, unknown> = {}) => gatewaySchema.parse({ cors: { origins: ORIGINS }, ...extra })!;

/** What API Gateway substitutes into a template (sample values without quotes). */
function render(template: string): unknown {
  return JSON.parse(
    template
      .replace('$context.error.messageString', '"Unauthorized"')
      .replace('$context.error.validationErrorString', '[instance failed to match all required schemas]')
      .replace('$context.requestId', 'req-1'),
  );
}

describe('gateway responses from turnctl.yaml (pure)', () => {
  it('GIVEN cors with two origins WHEN expanded THEN DEFAULT_4XX/5XX and the specific types carry the request Origin, Vary and the backend error shape', () => {
    const r = desiredResponses(config(), ORIGINS, file)!;
    expect(Object.keys(r)).toEqual([
      'ACCESS_DENIED', 'BAD_REQUEST_BODY', 'BAD_REQUEST_PARAMETERS', 'DEFAULT_4XX', 'DEFAULT_5XX', 'MISSING_AUTHENTICATION_TOKEN', 'QUOTA_EXCEEDED', 'THROTTLED', 'UNAUTHORIZED',
    ]);
    for (const shape of Object.values(r))
      expect(shape.parameters).toEqual({ 'gatewayresponse.header.Access-Control-Allow-Origin': REQUEST_ORIGIN, 'gatewayresponse.header.Vary': "'Origin'" });
    expect(render(r.BAD_REQUEST_BODY!.templates['application/json']!)).toEqual({ error: 'invalid_request', field: 'body', reason: '[instance failed to match all required schemas]', requestId: 'req-1' });
    expect(render(r.UNAUTHORIZED!.templates['application/json']!)).toEqual({ error: 'unauthorized', reason: 'Unauthorized', requestId: 'req-1' });
    expect(render(r.DEFAULT_5XX!.templates['application/json']!)).toMatchObject({ error: 'internal' });
    expect(r.DEFAULT_4XX!.statusCode).toBeNull();
    expect(r.MISSING_AUTHENTICATION_TOKEN).toMatchObject({ statusCode: '404' });
  });

  it('GIVEN one allowed origin, a pinned one, or none THEN the static origin, the pinned one, or no CORS header; a foreign pin is refused', () => {
    expect(allowOriginValue('auto', [ORIGINS[0]!])).toEqual({ value: `'${ORIGINS[0]}'` });
    expect(allowOriginValue(ORIGINS[1]!, ORIGINS)).toEqual({ value: `'${ORIGINS[1]}'` });
    expect(allowOriginValue('auto', [])).toEqual({ value: null });
    expect(allowOriginValue('https://evil.example', ORIGINS)).toEqual({ problem: expect.stringMatching(/not one of the allowed origins/) });
    expect(allowOriginValue('request', [])).toEqual({ problem: expect.stringMatching(/needs gateway.cors.origins/) });
    expect(desiredResponses(gatewaySchema.parse({})!, [], file)).toBeUndefined();
  });

  it('GIVEN overrides WHEN expanded THEN a type can be left to API Gateway, re-coded, given a status, a fixed reason or an extra header', () => {
    const r = desiredResponses(
      config({ responses: { types: { THROTTLED: false, WAF_FILTERED: { error: 'forbidden', reason: 'blocked' }, DEFAULT_4XX: { status: 400, headers: { 'Cache-Control': "'no-store'" } } } } }),
      ORIGINS,
      file,
    )!;
    expect(r.THROTTLED).toBeUndefined();
    expect(render(r.WAF_FILTERED!.templates['application/json']!)).toEqual({ error: 'forbidden', reason: 'blocked', requestId: 'req-1' });
    expect(r.DEFAULT_4XX!.statusCode).toBe('400');
    expect(r.DEFAULT_4XX!.parameters['gatewayresponse.header.Cache-Control']).toBe("'no-store'");
  });

  it('GIVEN a live customization turnctl does not declare THEN it is a delete; GIVEN unmanaged responses THEN no change and the digest earlier versions wrote', () => {
    const mine: GatewayResponseShape = { statusCode: null, parameters: {}, templates: { 'application/json': '{}' } };
    const live = { ...emptyShape(), gatewayResponses: { WAF_FILTERED: mine } };
    expect(diffShapes({ ...emptyShape(), gatewayResponses: {} }, live).map((c) => `${c.action} ${c.id}`)).toEqual(['delete response:WAF_FILTERED']);
    const unmanaged = { ...emptyShape(), gatewayResponses: undefined };
    expect(diffShapes(unmanaged, live)).toEqual([]);
    const { gatewayResponses: _, ...before } = emptyShape();
    expect(shapeDigest(emptyShape())).toBe(shapeDigest(before as never));
  });
});

describe('API Gateway errors evaluated the way API Gateway does (pure)', () => {
  const ACAO = 'gatewayresponse.header.Access-Control-Allow-Origin';

  it("GIVEN turnctl's responses for two origins WHEN an unknown route is evaluated THEN its own 404 answers with the request's Origin (any header case) and the not_found body", () => {
    const r = desiredResponses(config(), ORIGINS, file)!;
    expect(evaluateGatewayResponse(r, 'MISSING_AUTHENTICATION_TOKEN', { headers: { Origin: ORIGINS[1]! }, requestId: 'req-1' })).toEqual({
      answeredBy: 'MISSING_AUTHENTICATION_TOKEN',
      statusCode: 404,
      headers: { 'Access-Control-Allow-Origin': ORIGINS[1], Vary: 'Origin' },
      unresolved: {},
      body: '{"error":"not_found","reason":"no route for this method and path","requestId":"req-1"}',
    });
    expect(evaluateGatewayResponse(r, 'MISSING_AUTHENTICATION_TOKEN', { headers: { origin: ORIGINS[0]! } }).headers['Access-Control-Allow-Origin']).toBe(ORIGINS[0]);
    expect(evaluateGatewayResponse(r, 'MISSING_AUTHENTICATION_TOKEN', { headers: {} }).headers).toEqual({ Vary: 'Origin' });
  });

  it('GIVEN a type that is not customized THEN DEFAULT_4XX / DEFAULT_5XX of its family answers with the type\'s status (or the fallback\'s own); GIVEN neither THEN API Gateway\'s default without headers', () => {
    const r = desiredResponses(config({ responses: { types: { MISSING_AUTHENTICATION_TOKEN: false, INTEGRATION_TIMEOUT: false } } }), ORIGINS, file)!;
    expect(evaluateGatewayResponse(r, 'MISSING_AUTHENTICATION_TOKEN', { headers: { Origin: ORIGINS[0]! } })).toMatchObject({
      answeredBy: 'DEFAULT_4XX',
      statusCode: 403,
      headers: { 'Access-Control-Allow-Origin': ORIGINS[0] },
      body: expect.stringContaining('"error":"bad_request","reason":"Missing Authentication Token"'),
    });
    expect(evaluateGatewayResponse(r, 'INTEGRATION_TIMEOUT', { headers: {} })).toMatchObject({ answeredBy: 'DEFAULT_5XX', statusCode: 504 });
    expect(evaluateGatewayResponse({ DEFAULT_4XX: { ...r.DEFAULT_4XX!, statusCode: '400' } }, 'UNAUTHORIZED', { headers: {} })).toMatchObject({ answeredBy: 'DEFAULT_4XX', statusCode: 400 });
    expect(evaluateGatewayResponse({}, 'MISSING_AUTHENTICATION_TOKEN', { headers: { Origin: ORIGINS[0]! } })).toEqual({
      answeredBy: null,
      statusCode: 403,
      headers: {},
      unresolved: {},
      body: '{"message":"Missing Authentication Token"}',
    });
  });

  it('GIVEN mappings from a static value, an absent query parameter, a stage variable THEN the value, no header, and an unresolved mapping', () => {
    const shape: GatewayResponseShape = {
      statusCode: null,
      parameters: { [ACAO]: 'stageVariables.webOrigin', 'gatewayresponse.header.X-Page': 'method.request.querystring.page', 'gatewayresponse.header.Cache-Control': "'no-store'" },
      templates: {},
    };
    expect(evaluateGatewayResponse({ DEFAULT_4XX: shape }, 'MISSING_AUTHENTICATION_TOKEN', { headers: { Origin: ORIGINS[0]! } })).toMatchObject({
      headers: { 'Cache-Control': 'no-store' },
      unresolved: { 'Access-Control-Allow-Origin': 'stageVariables.webOrigin' },
    });
    expect(evaluateGatewayResponse({ DEFAULT_4XX: shape }, 'MISSING_AUTHENTICATION_TOKEN', { headers: {}, query: { page: '2' } }).headers['X-Page']).toBe('2');
  });

  it('GIVEN routes WHEN the probe path is chosen THEN one no GET route serves; none when greedy routes serve every GET path', () => {
    const route = (method: string, path: string) => ({ method, path, function: 'f', auth: 'none' });
    expect(probePath([route('GET', '/health'), route('POST', '/{proxy+}')])).toBe(PROBE_PATH);
    expect(probePath([route('GET', '/{id}')])).toBe('/');
    expect(probePath([route('ANY', '/{proxy+}'), route('GET', '/')])).toBeNull();
  });
});
