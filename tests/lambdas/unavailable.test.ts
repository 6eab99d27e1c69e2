import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeDatabase } from '../../src/lambdas/lib/db.js';
import { isDatabaseUnavailable } from '../../src/lambdas/lib/handler.js';
import { handler as vehicles } from '../../src/lambdas/vehicles/index.js';
import { handler as subscriptions } from '../../src/lambdas/subscriptions/index.js';
import { apiEvent, bodyOf } from './helpers/events.js';
import { postgresDatabase, stopOwnPostgres, type TestDatabase } from './helpers/databases.js';
import { captureOutput } from './helpers/output.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';

const ORIGIN = 'https://app.turn.example';

// A real outage (a TCP proxy in front of the test Postgres, taken down), not a mocked driver.
describe('the data functions when the database is unreachable', () => {
  let out: ReturnType<typeof captureOutput>;
  let db: TestDatabase;
  let proxy: TcpProxy;
  beforeAll(async () => {
    out = captureOutput();
    db = await postgresDatabase();
    const target = new URL(db.url);
    proxy = await startTcpProxy(target.hostname, Number(target.port));
    target.host = `127.0.0.1:${proxy.port}`;
    Object.assign(process.env, { DATABASE_URL: target.toString(), ALLOWED_ORIGINS: ORIGIN, STAGE: 'test' });
  });
  afterEach(async () => closeDatabase());
  afterAll(async () => {
    out.restore();
    await proxy?.down();
    await db?.dispose();
    stopOwnPostgres();
  });

  it('GIVEN the database goes down WHEN vehicles are listed THEN 503 with Retry-After and the request id, no internals; 200 once it is back', async () => {
    expect((await vehicles(apiEvent({ path: '/vehicles' }))).statusCode).toBe(200);
    await proxy.down();
    const res = await vehicles(apiEvent({ path: '/vehicles', headers: { Origin: ORIGIN } }));
    expect(res.statusCode).toBe(503);
    expect(res.headers?.['Retry-After']).toBe('5');
    expect(res.headers?.['Access-Control-Allow-Origin']).toBe(ORIGIN);
    // Retry-After is not a CORS-safelisted response header: the web client reads it only when it is exposed.
    expect(res.headers?.['Access-Control-Expose-Headers']).toMatch(/(^|, )Retry-After(,|$)/);
    const body = bodyOf<{ error: string; requestId: string; message: string }>(res);
    expect(body.error).toBe('unavailable');
    expect(body.requestId).toBe(res.headers?.['X-Request-Id']);
    expect(res.body).not.toMatch(/ECONN|127\.0\.0\.1|postgres/i);
    await proxy.up();
    await closeDatabase();
    expect((await vehicles(apiEvent({ path: '/vehicles' }))).statusCode).toBe(200);
  });

  it('GIVEN the database is down WHEN a subscription is created THEN 503, not 500', async () => {
    await proxy.down();
    const res = await subscriptions(apiEvent({ method: 'POST', path: '/subscriptions', claims: { sub: 'alice' }, body: { vehicleId: '6f1c2a4e-0001-4c2b-9a51-7d2f3e9b1a01', termMonths: 3, startDate: new Date().toISOString().slice(0, 10) } }));
    expect(res.statusCode).toBe(503);
    await proxy.up();
  });

  it('an error that only mentions a connection failure in its text is still a bug (500), not an outage', () => {
    expect(isDatabaseUnavailable(new Error('connect ECONNREFUSED 10.0.0.5:5432'))).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDatabaseUnavailable(new Error('outer', { cause: Object.assign(new Error('inner'), { code: '57P03' }) }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('Knex: Timeout acquiring a connection'), { name: 'KnexTimeoutError' }))).toBe(true);
  });
});
