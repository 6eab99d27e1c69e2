import { describe, expect, it } from 'vitest';
import { gatewaySchema } from '../../src/config/sections/gateway.js';
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
