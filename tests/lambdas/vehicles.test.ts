import { describe, expect, it } from 'vitest';
import { handler } from '../../src/lambdas/vehicles/index.js';
import { apiEvent, bodyOf } from './helpers/events.js';
import { BACKENDS, useHandlerDatabase } from './helpers/databases.js';

const ORIGIN = 'https://app.turn.example';
const ID3 = '6f1c2a4e-0001-4c2b-9a51-7d2f3e9b1a01';

describe.each(BACKENDS)('vehicles on $kind', ({ create }) => {
  const backend = useHandlerDatabase(create, { ALLOWED_ORIGINS: ORIGIN, STAGE: 'test' });

  it('GIVEN the seeded fleet WHEN listing without filters THEN all six come cheapest first with paging info', async () => {
    const res = await handler(apiEvent({ path: '/vehicles' }));
    expect(res.statusCode).toBe(200);
    const body = bodyOf<{ items: Array<{ monthlyPriceCents: number; make: string }>; total: number; nextPage: number | null }>(res);
    expect(body.total).toBe(6);
    expect(body.nextPage).toBeNull();
    const prices = body.items.map((v) => v.monthlyPriceCents);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    expect(backend.out().events()).toContain('VehicleListed');
  });

  it('WHEN filtering by availability, make (any case) and price range THEN only matching vehicles come back', async () => {
    const available = bodyOf<{ items: Array<{ available: boolean }>; total: number }>(await handler(apiEvent({ path: '/vehicles', query: { available: 'false' } })));
    expect(available.total).toBe(1);
    expect(available.items[0]!.available).toBe(false);
    const tesla = bodyOf<{ items: Array<{ model: string }> }>(await handler(apiEvent({ path: '/vehicles', query: { make: 'tesla' } })));
    expect(tesla.items.map((v) => v.model)).toEqual(['Model 3']);
    const range = bodyOf<{ items: Array<{ monthlyPriceCents: number }> }>(
      await handler(apiEvent({ path: '/vehicles', query: { minPriceCents: '34900', maxPriceCents: '55900', available: 'true' } })),
    );
    expect(range.items.map((v) => v.monthlyPriceCents)).toEqual([34900, 49900, 55900]);
  });

  it('WHEN paging two at a time THEN pages do not overlap and nextPage ends with null', async () => {
    const seen: string[] = [];
    let page: number | null = 1;
    while (page !== null) {
      const body: { items: Array<{ id: string }>; nextPage: number | null } = bodyOf(await handler(apiEvent({ path: '/vehicles', query: { page: String(page), pageSize: '2' } })));
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((v) => v.id));
      page = body.nextPage;
    }
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
  });

  it.each([
    [{ available: 'yes' }, 'available', 'must be true or false'],
    [{ pageSize: '500' }, 'pageSize', 'must be between 1 and 100'],
    [{ page: 'two' }, 'page', 'must be a whole number'],
    [{ minPriceCents: '50000', maxPriceCents: '100' }, 'maxPriceCents', 'must not be less than minPriceCents'],
    // `?make=Tes%00la`: API Gateway hands the decoded NUL on, which Postgres text refuses (was a 500).
    [{ make: 'Tes\u0000la' }, 'make', 'must not contain control characters'],
    [{ make: '\u0000' }, 'make', 'must not contain control characters'],
  ])('WHEN the query is %j THEN 400 names %s', async (query, field, reason) => {
    const res = await handler(apiEvent({ path: '/vehicles', query }));
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res)).toEqual({ error: 'invalid_request', field, reason });
  });

  it('WHEN reading one vehicle by id THEN it is returned; an unknown id is 404 and a malformed one 400', async () => {
    const ok = await handler(apiEvent({ path: `/vehicles/${ID3}`, resource: '/vehicles/{id}', pathParameters: { id: ID3 } }));
    expect(ok.statusCode).toBe(200);
    expect(bodyOf(ok)).toMatchObject({ id: ID3, make: 'Volkswagen', monthlyPriceCents: 49900, currency: 'EUR', available: true });
    const unknown = '00000000-0000-4000-8000-000000000000';
    const missing = await handler(apiEvent({ path: `/vehicles/${unknown}`, resource: '/vehicles/{id}', pathParameters: { id: unknown } }));
    expect(missing.statusCode).toBe(404);
    const bad = await handler(apiEvent({ path: '/vehicles/nope', resource: '/vehicles/{id}', pathParameters: { id: 'nope' } }));
    expect(bad.statusCode).toBe(400);
    expect(bodyOf(bad)).toMatchObject({ field: 'id' });
  });

  it('WHEN the id comes in upper case THEN the vehicle is found and tracked under its canonical id', async () => {
    backend.out().clear();
    const upper = ID3.toUpperCase();
    const res = await handler(apiEvent({ path: `/vehicles/${upper}`, resource: '/vehicles/{id}', pathParameters: { id: upper } }));
    expect(bodyOf(res)).toMatchObject({ id: ID3 });
    const viewed = backend.out().lines().filter((l) => l.includes('"event":"VehicleViewed"')).map((l) => JSON.parse(l) as Record<string, unknown>)[0];
    expect(viewed?.vehicleId).toBe(ID3);
  });

  it('GIVEN an allowed and a foreign origin THEN only the allowed one is echoed in Access-Control-Allow-Origin', async () => {
    const allowed = await handler(apiEvent({ path: '/vehicles', headers: { Origin: ORIGIN } }));
    expect(allowed.headers?.['Access-Control-Allow-Origin']).toBe(ORIGIN);
    expect(String(allowed.headers?.Vary)).toContain('Origin');
    const foreign = await handler(apiEvent({ path: '/vehicles', headers: { origin: 'https://evil.example' } }));
    expect(foreign.statusCode).toBe(200);
    expect(foreign.headers).not.toHaveProperty('Access-Control-Allow-Origin');
  });
});
