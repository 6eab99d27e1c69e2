import { describe, expect, it } from 'vitest';
import { handler } from '../../src/lambdas/subscriptions/index.js';
import { closeDatabase, configureDatabase, database, openKnex, sqlState } from '../../src/lambdas/lib/db.js';
import { apiEvent, bodyOf, type RequestSpec } from './helpers/events.js';
import { BACKENDS, useHandlerDatabase } from './helpers/databases.js';

const ORIGIN = 'https://app.turn.example';
const ALICE = { sub: 'a1a1a1a1-0000-4000-8000-00000000a11c', email: 'alice@example.com' };
const BOB = { sub: 'b0b0b0b0-0000-4000-8000-000000000b0b', email: 'bob@example.com' };
const VEHICLE = {
  id3: '6f1c2a4e-0001-4c2b-9a51-7d2f3e9b1a01',
  tesla: '6f1c2a4e-0002-4c2b-9a51-7d2f3e9b1a02',
  bmw: '6f1c2a4e-0003-4c2b-9a51-7d2f3e9b1a03',
  yaris: '6f1c2a4e-0004-4c2b-9a51-7d2f3e9b1a04',
  fiat: '6f1c2a4e-0006-4c2b-9a51-7d2f3e9b1a06', // seeded unavailable
};

/** A date `n` days from today (UTC), YYYY-MM-DD. */
const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

const post = (body: unknown, claims: RequestSpec['claims'] = ALICE) =>
  handler(apiEvent({ method: 'POST', path: '/subscriptions', body, claims, headers: { Origin: ORIGIN, 'Content-Type': 'application/json' } }));
const getOne = (id: string, claims: RequestSpec['claims']) =>
  handler(apiEvent({ path: `/subscriptions/${id}`, resource: '/subscriptions/{id}', pathParameters: { id }, claims }));
const list = (claims: RequestSpec['claims']) => handler(apiEvent({ path: '/subscriptions', claims }));

describe.each(BACKENDS)('subscriptions on $kind', ({ kind, create }) => {
  const backend = useHandlerDatabase(create, { ALLOWED_ORIGINS: ORIGIN, STAGE: 'test' });

  it('GIVEN a valid body WHEN Alice subscribes THEN 201 with the end date, captured price and a Location under the stage path she called, tracked as created', async () => {
    const res = await post({ vehicleId: VEHICLE.id3, termMonths: 6, startDate: '2099-01-31' });
    expect(res.statusCode).toBe(201);
    const sub = bodyOf<{ id: string; endDate: string }>(res);
    expect(sub).toMatchObject({ vehicleId: VEHICLE.id3, termMonths: 6, startDate: '2099-01-31', endDate: '2099-07-31', monthlyPriceCents: 49900, currency: 'EUR', status: 'active' });
    // requestContext.path is what the client called (`/live/subscriptions` on an execute-api URL); `path` drops the stage.
    expect(res.headers?.Location).toBe(`/live/subscriptions/${sub.id}`);
    expect(res.headers?.['Access-Control-Allow-Origin']).toBe(ORIGIN);
    expect(backend.out().events()).toContain('SubscriptionCreated');
  });

  it('GIVEN an event without requestContext.path (a custom domain without base path, the local invoker) THEN Location is /subscriptions/<id>', async () => {
    const event = apiEvent({ method: 'POST', path: '/subscriptions', body: { vehicleId: VEHICLE.id3, termMonths: 1, startDate: '2093-03-01' }, claims: ALICE });
    delete (event.requestContext as { path?: string }).path;
    const res = await handler(event);
    expect(res.statusCode).toBe(201);
    expect(res.headers?.Location).toBe(`/subscriptions/${bodyOf<{ id: string }>(res).id}`);
  });

  it('WHEN a one-month term starts on the 31st THEN the database ends it on the last day of the shorter month', async () => {
    const sub = bodyOf(await post({ vehicleId: VEHICLE.yaris, termMonths: 1, startDate: '2099-01-31' }));
    expect(sub.endDate).toBe('2099-02-28');
  });

  it.each([
    ['not JSON', '{oops', 'body', 'must be a JSON object'],
    ['an array', [], 'body', 'must be a JSON object'],
    ['no vehicle', { termMonths: 3, startDate: day(1) }, 'vehicleId', 'is required'],
    ['a bad vehicle id', { vehicleId: 'car-1', termMonths: 3, startDate: day(1) }, 'vehicleId', 'must be a UUID'],
    ['a term outside the set', { vehicleId: VEHICLE.tesla, termMonths: 2, startDate: day(1) }, 'termMonths', 'must be one of 1, 3, 6, 12, 24'],
    ['a term as text', { vehicleId: VEHICLE.tesla, termMonths: '3', startDate: day(1) }, 'termMonths', 'must be one of 1, 3, 6, 12, 24'],
    ['no start date', { vehicleId: VEHICLE.tesla, termMonths: 3 }, 'startDate', 'is required'],
    ['an impossible date', { vehicleId: VEHICLE.tesla, termMonths: 3, startDate: '2099-02-30' }, 'startDate', 'must be a date written YYYY-MM-DD'],
    // Two days back is past in every time zone (one day back is still today west of UTC until noon UTC).
    ['a start in the past', { vehicleId: VEHICLE.tesla, termMonths: 3, startDate: day(-2) }, 'startDate', 'must not be in the past'],
    ['an unknown vehicle', { vehicleId: '00000000-0000-4000-8000-000000000000', termMonths: 3, startDate: day(1) }, 'vehicleId', 'names no vehicle'],
  ])('WHEN the body has %s THEN 400 names the field and reason, and nothing is stored', async (_, body, field, reason) => {
    const before = bodyOf<{ items: unknown[] }>(await list(ALICE)).items.length;
    const res = await post(body);
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res)).toEqual({ error: 'invalid_request', field, reason });
    expect(bodyOf<{ items: unknown[] }>(await list(ALICE)).items).toHaveLength(before);
  });

  it('WHEN the start date is today THEN it is accepted', async () => {
    expect((await post({ vehicleId: VEHICLE.bmw, termMonths: 1, startDate: day(0) })).statusCode).toBe(201);
  });

  it('WHEN the vehicle is not available THEN 409', async () => {
    const res = await post({ vehicleId: VEHICLE.fiat, termMonths: 3, startDate: day(10) });
    expect(res.statusCode).toBe(409);
    expect(bodyOf(res)).toEqual({ error: 'conflict', reason: 'the vehicle is not available for subscription' });
  });

  it('WHEN there is no Cognito caller THEN 401', async () => {
    const res = await handler(apiEvent({ method: 'POST', path: '/subscriptions', body: { vehicleId: VEHICLE.tesla, termMonths: 3, startDate: day(1) } }));
    expect(res.statusCode).toBe(401);
  });

  it('GIVEN two concurrent requests for overlapping periods of one vehicle THEN exactly one gets 201 and the other 409', async () => {
    const results = await Promise.all([
      post({ vehicleId: VEHICLE.tesla, termMonths: 3, startDate: '2098-03-01' }, ALICE),
      post({ vehicleId: VEHICLE.tesla, termMonths: 6, startDate: '2098-04-15' }, BOB),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    const refused = results.find((r) => r.statusCode === 409)!;
    expect(bodyOf(refused)).toEqual({ error: 'conflict', reason: 'the vehicle is already subscribed for an overlapping period' });
    expect(backend.out().events()).toContain('SubscriptionRejected');
  });

  it('GIVEN a subscription ending on a day WHEN the next one starts that day THEN both are allowed (periods are half-open)', async () => {
    const first = bodyOf<{ endDate: string }>(await post({ vehicleId: VEHICLE.tesla, termMonths: 1, startDate: '2097-05-10' }));
    expect((await post({ vehicleId: VEHICLE.tesla, termMonths: 1, startDate: first.endDate }, BOB)).statusCode).toBe(201);
    expect((await post({ vehicleId: VEHICLE.tesla, termMonths: 1, startDate: '2097-06-01' }, BOB)).statusCode).toBe(409);
  });

  it('GIVEN an overlapping row written around the API THEN the database itself refuses it (exclusion constraint)', async () => {
    const knex = await database();
    const row = (start: string) => ({ vehicle_id: VEHICLE.bmw, owner_sub: 'ops', term_months: 12, start_date: start, monthly_price_cents: 100 });
    await knex('subscriptions').insert(row('2096-01-01'));
    const err = await knex('subscriptions').insert(row('2096-06-01')).catch((e: unknown) => e);
    expect(sqlState(err)).toBe('23P01');
    // A cancelled subscription no longer holds the vehicle.
    await knex('subscriptions').where({ vehicle_id: VEHICLE.bmw, start_date: '2096-01-01' }).update({ status: 'cancelled' });
    await knex('subscriptions').insert(row('2096-06-01'));
  });

  it.runIf(kind === 'postgres')('GIVEN two open transactions on separate connections THEN the second overlapping insert waits for the first and fails at its commit', async () => {
    const [a, b] = [await openKnex(backend.db().url), await openKnex(backend.db().url)];
    try {
      const row = (owner: string) => ({ vehicle_id: VEHICLE.yaris, owner_sub: owner, term_months: 3, start_date: '2094-01-01', monthly_price_cents: 100 });
      const trxA = await a.transaction();
      await trxA('subscriptions').insert(row('a'));
      let settled = false;
      const second = b('subscriptions').insert(row('b')).then(
        () => 'inserted',
        (e: unknown) => sqlState(e),
      ).finally(() => (settled = true));
      await new Promise((r) => setTimeout(r, 300));
      expect(settled).toBe(false); // blocked on A's uncommitted row
      await trxA.commit();
      expect(await second).toBe('23P01');
    } finally {
      await Promise.all([a.destroy(), b.destroy()]);
    }
  });

  it.runIf(kind === 'postgres')('GIVEN a transaction holding an overlapping row open longer than the lock timeout WHEN a request subscribes THEN 503 with Retry-After (not a Lambda timeout), and the row is not written', async () => {
    const other = await openKnex(backend.db().url);
    configureDatabase({ lockTimeoutMs: 300 });
    await closeDatabase(); // the handler's next connection gets the short limit
    try {
      const trx = await other.transaction();
      await trx('subscriptions').insert({ vehicle_id: VEHICLE.yaris, owner_sub: 'ops', term_months: 3, start_date: '2093-01-01', monthly_price_cents: 100 });
      const res = await post({ vehicleId: VEHICLE.yaris, termMonths: 3, startDate: '2093-02-01' }, BOB);
      await trx.rollback();
      expect(res.statusCode).toBe(503);
      expect(res.headers?.['Retry-After']).toBe('5');
      expect(bodyOf(res)).toMatchObject({ error: 'unavailable' });
      expect(await other('subscriptions').where({ vehicle_id: VEHICLE.yaris, start_date: '2093-02-01' })).toEqual([]);
    } finally {
      configureDatabase({ lockTimeoutMs: 3000 });
      await closeDatabase();
      await other.destroy();
    }
  });

  it('WHEN Bob reads Alice\'s subscription THEN 404, while Alice gets it; a malformed id is 404 too', async () => {
    const mine = bodyOf<{ id: string }>(await post({ vehicleId: VEHICLE.id3, termMonths: 12, startDate: '2095-01-01' }));
    const own = await getOne(mine.id, ALICE);
    expect(own.statusCode).toBe(200);
    expect(bodyOf(own)).toMatchObject({ id: mine.id, termMonths: 12, endDate: '2096-01-01' });
    const other = await getOne(mine.id, BOB);
    expect(other.statusCode).toBe(404);
    expect(other.body).not.toContain(mine.id);
    expect((await getOne('not-a-uuid', ALICE)).statusCode).toBe(404);
  });

  it('WHEN each lists subscriptions THEN they see only their own', async () => {
    const alice = bodyOf<{ items: Array<{ id: string; startDate: string }> }>(await list(ALICE)).items;
    const bob = bodyOf<{ items: Array<{ id: string }> }>(await list(BOB)).items;
    expect(alice.length).toBeGreaterThan(0);
    expect(bob.length).toBeGreaterThan(0);
    const bobIds = new Set(bob.map((s) => s.id));
    expect(alice.some((s) => bobIds.has(s.id))).toBe(false);
    for (const s of bob) expect((await getOne(s.id, ALICE)).statusCode).toBe(404);
    const starts = alice.map((s) => s.startDate);
    expect(starts).toEqual([...starts].sort().reverse());
    const stranger = bodyOf<{ items: unknown[] }>(await list({ sub: 'nobody' })).items;
    expect(stranger).toEqual([]);
  });
});
