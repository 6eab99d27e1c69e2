import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, InputError } from '../../src/lambdas/lib/errors.js';
import { httpHandler } from '../../src/lambdas/lib/handler.js';
import { apiEvent, bodyOf } from './helpers/events.js';
import { captureOutput } from './helpers/output.js';

const ORIGIN = 'https://app.turn.example';

// A function built from the shared wrapper alone: what every shipped HTTP function gets for free.
const handler = httpHandler('wrapper-test', [
  { method: 'GET', resource: '/items/{id}', handle: async (req) => ({ status: 200, json: { id: req.pathParams.id, q: req.query.q ?? null } }) },
  { method: 'POST', resource: '/items', auth: true, handle: async (req) => ({ status: 201, json: { got: req.jsonBody(), by: req.caller!.sub } }) },
  { method: 'DELETE', resource: '/items/{id}', handle: async () => { throw new ConflictError('item is in use'); } },
  { method: 'PUT', resource: '/items/{id}', handle: async () => { throw new InputError('name', 'must not be empty'); } },
  { method: 'GET', resource: '/boom', handle: async () => { throw new Error('connect ECONNREFUSED 10.0.0.5:5432 password=hunter2'); } },
]);

describe('the shared HTTP handler wrapper', () => {
  let out: ReturnType<typeof captureOutput>;
  beforeAll(() => {
    out = captureOutput();
    process.env.ALLOWED_ORIGINS = `${ORIGIN},http://localhost:5173`;
  });
  afterAll(() => out.restore());

  it('GIVEN an event without a resource template THEN the path is matched and its parameters decoded', async () => {
    const res = await handler(apiEvent({ path: '/items/a%20b', resource: '', query: { q: 'x' } }));
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res)).toEqual({ id: 'a b', q: 'x' });
  });

  it('WHEN the route exists with another method THEN 405 lists the allowed ones; an unknown path is 404', async () => {
    const res = await handler(apiEvent({ method: 'PATCH', path: '/items/1', resource: '/items/{id}', pathParameters: { id: '1' } }));
    expect(res.statusCode).toBe(405);
    expect(res.headers?.Allow).toBe('GET, DELETE, PUT');
    expect((await handler(apiEvent({ path: '/nowhere' }))).statusCode).toBe(404);
  });

  it('GIVEN a base64 JSON body and a Cognito caller THEN the route gets both', async () => {
    const event = apiEvent({ method: 'POST', path: '/items', claims: { sub: 'user-1' } });
    event.body = Buffer.from('{"name":"x"}').toString('base64');
    event.isBase64Encoded = true;
    const res = await handler(event);
    expect(res.statusCode).toBe(201);
    expect(bodyOf(res)).toEqual({ got: { name: 'x' }, by: 'user-1' });
  });

  it('WHEN a route throws an input or conflict error THEN 400 / 409 carry the field and reason', async () => {
    const bad = await handler(apiEvent({ method: 'PUT', path: '/items/1', resource: '/items/{id}', pathParameters: { id: '1' } }));
    expect(bad.statusCode).toBe(400);
    expect(bodyOf(bad)).toEqual({ error: 'invalid_request', field: 'name', reason: 'must not be empty' });
    const busy = await handler(apiEvent({ method: 'DELETE', path: '/items/1', resource: '/items/{id}', pathParameters: { id: '1' } }));
    expect(busy.statusCode).toBe(409);
    expect(bodyOf(busy)).toEqual({ error: 'conflict', reason: 'item is in use' });
  });

  it('WHEN a route fails unexpectedly THEN 500 gives the request id and no internals, and the error is logged with it', async () => {
    out.clear();
    const res = await handler(apiEvent({ path: '/boom', headers: { Origin: ORIGIN } }));
    expect(res.statusCode).toBe(500);
    const body = bodyOf<{ error: string; requestId: string }>(res);
    expect(body).toEqual({ error: 'internal', message: 'internal error; quote the request id when reporting it', requestId: res.headers?.['X-Request-Id'] });
    expect(res.body).not.toMatch(/ECONNREFUSED|hunter2|10\.0\.0\.5|at /);
    expect(res.headers?.['Access-Control-Allow-Origin']).toBe(ORIGIN);
    const logged = out.lines().map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.level === 'ERROR');
    expect(logged).toMatchObject({ message: 'unhandled error', requestId: body.requestId });
  });

  it('GIVEN an origin with a trailing slash or a look-alike THEN only exact allowed origins are echoed', async () => {
    const get = (origin: string) => handler(apiEvent({ path: '/items/1', resource: '/items/{id}', pathParameters: { id: '1' }, headers: { origin } }));
    expect((await get('http://localhost:5173/')).headers?.['Access-Control-Allow-Origin']).toBe('http://localhost:5173');
    for (const foreign of ['http://localhost:5174', 'https://app.turn.example.evil.com', 'null']) {
      expect((await get(foreign)).headers).not.toHaveProperty('Access-Control-Allow-Origin');
    }
  });

  it('GIVEN an event without httpMethod or path THEN it is answered as a GET of / (404), not a 500', async () => {
    const event = apiEvent({ path: '/items/1', resource: '/items/{id}', pathParameters: { id: '1' } });
    delete (event as Partial<typeof event>).httpMethod;
    expect((await handler(event)).statusCode).toBe(200);
    const bare = await handler({} as Parameters<typeof handler>[0]);
    expect(bare.statusCode).toBe(404);
    expect(bodyOf(bare)).toEqual({ error: 'not_found', reason: 'no route for /' });
  });

  it.each(['warn', 'WARN'])('GIVEN LOG_LEVEL=%s (turnctl.yaml writes levels in lower case) THEN INFO lines are dropped, warnings and EMF metrics still written', async (level) => {
    process.env.LOG_LEVEL = level;
    try {
      // Loggers are made once per container: a fresh function name gets a fresh one under this LOG_LEVEL.
      const quiet = httpHandler(`quiet-${level}`, [
        { method: 'GET', resource: '/q', handle: async (_req, obs) => (obs.logger.warn('careful'), obs.track('QuietEvent'), { status: 200, json: {} }) },
      ]);
      out.clear();
      expect((await quiet(apiEvent({ path: '/q' }))).statusCode).toBe(200);
      const lines = out.lines();
      expect(lines.some((l) => l.includes('"level":"INFO"'))).toBe(false);
      expect(lines.some((l) => l.includes('"level":"WARN"') && l.includes('careful'))).toBe(true);
      expect(out.events()).toContain('QuietEvent'); // from the EMF line
    } finally {
      delete process.env.LOG_LEVEL;
    }
  });

  it('GIVEN ALLOWED_ORIGINS is * THEN any web origin is echoed, but not the opaque origin null unless it is listed by name', async () => {
    process.env.ALLOWED_ORIGINS = '*';
    const from = (origin: string) => handler(apiEvent({ path: '/items/1', resource: '/items/{id}', pathParameters: { id: '1' }, headers: { Origin: origin } }));
    try {
      expect((await from('https://anyone.example')).headers?.['Access-Control-Allow-Origin']).toBe('https://anyone.example');
      const opaque = await from('null');
      expect(opaque.statusCode).toBe(200);
      expect(opaque.headers?.['Access-Control-Allow-Origin']).toBeUndefined();
      process.env.ALLOWED_ORIGINS = '*,null';
      expect((await from('null')).headers?.['Access-Control-Allow-Origin']).toBe('null');
    } finally {
      process.env.ALLOWED_ORIGINS = `${ORIGIN},http://localhost:5173`;
    }
  });
});
