import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { handler, REQUIRED_ENV } from '../../src/lambdas/health/index.js';
import { closeDatabase } from '../../src/lambdas/lib/db.js';
import { apiEvent, bodyOf } from './helpers/events.js';
import { BACKENDS, postgresDatabase, stopOwnPostgres, type TestDatabase } from './helpers/databases.js';
import { captureOutput } from './helpers/output.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';

const ORIGINS = 'https://app.turn.example, https://www.turn.example';
const health = (headers: Record<string, string> = {}) => handler(apiEvent({ path: '/health', headers }));

let out: ReturnType<typeof captureOutput>;
beforeAll(() => {
  out = captureOutput();
  Object.assign(process.env, { ALLOWED_ORIGINS: ORIGINS, STAGE: 'test' });
});
afterAll(async () => {
  out.restore();
  await closeDatabase();
  stopOwnPostgres();
});

describe.each(BACKENDS)('health on $kind', ({ create }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await create();
    process.env.DATABASE_URL = db.url;
  });
  afterAll(async () => {
    await closeDatabase();
    await db?.dispose();
  });

  it('GIVEN a reachable database and complete environment THEN 200 healthy, tracked', async () => {
    const res = await health();
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res)).toEqual({ status: 'healthy', database: 'connected', environment: 'configured' });
    expect(res.headers?.['Cache-Control']).toBe('no-store');
    expect(out.events()).toContain('HealthChecked');
  });

  it('GIVEN each allowed origin THEN it is echoed; a foreign origin gets no Access-Control-Allow-Origin', async () => {
    for (const origin of ['https://app.turn.example', 'https://www.turn.example']) {
      expect((await health({ Origin: origin })).headers?.['Access-Control-Allow-Origin']).toBe(origin);
    }
    expect((await health({ Origin: 'https://turn.example.evil.com' })).headers).not.toHaveProperty('Access-Control-Allow-Origin');
  });

  it('GIVEN a preflight THEN an allowed origin gets methods and headers, a foreign one gets no CORS grant', async () => {
    const ok = await handler(apiEvent({ method: 'OPTIONS', path: '/health', headers: { Origin: 'https://app.turn.example', 'Access-Control-Request-Method': 'GET' } }));
    expect(ok.statusCode).toBe(204);
    expect(ok.headers).toMatchObject({ 'Access-Control-Allow-Origin': 'https://app.turn.example', 'Access-Control-Allow-Methods': 'GET, OPTIONS' });
    expect(String(ok.headers?.['Access-Control-Allow-Headers'])).toContain('Authorization');
    const foreign = await handler(apiEvent({ method: 'OPTIONS', path: '/health', headers: { Origin: 'https://evil.example' } }));
    expect(foreign.headers).not.toHaveProperty('Access-Control-Allow-Origin');
    expect(foreign.headers).not.toHaveProperty('Access-Control-Allow-Methods');
  });

  it('GIVEN a required variable is missing THEN 503 degraded naming it', async () => {
    const saved = process.env.ALLOWED_ORIGINS;
    delete process.env.ALLOWED_ORIGINS;
    try {
      const res = await health();
      expect(res.statusCode).toBe(503);
      expect(bodyOf(res)).toEqual({ status: 'degraded', database: 'connected', environment: 'missing: ALLOWED_ORIGINS' });
    } finally {
      process.env.ALLOWED_ORIGINS = saved;
    }
  });
});

describe('health when the database goes down', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  beforeAll(async () => {
    db = await postgresDatabase();
    const target = new URL(db.url);
    proxy = await startTcpProxy(target.hostname, Number(target.port));
    target.host = `127.0.0.1:${proxy.port}`;
    process.env.DATABASE_URL = target.toString();
  });
  afterEach(async () => closeDatabase());
  afterAll(async () => {
    await proxy?.down();
    await db?.dispose();
  });

  it('GIVEN a healthy connection WHEN the database becomes unreachable THEN 503 degraded, and healthy again once it is back', async () => {
    expect((await health()).statusCode).toBe(200);
    await proxy.down();
    const started = Date.now();
    const down = await health();
    expect(down.statusCode).toBe(503);
    expect(bodyOf(down)).toEqual({ status: 'degraded', database: 'unreachable', environment: 'configured' });
    expect(Date.now() - started).toBeLessThan(4000);
    await proxy.up();
    expect((await health()).statusCode).toBe(200);
  });

  it('GIVEN a database that accepts connections but never answers THEN 503 degraded within the probe timeout', async () => {
    proxy.hang();
    const started = Date.now();
    const res = await health();
    expect(res.statusCode).toBe(503);
    expect(bodyOf(res)).toMatchObject({ database: 'unreachable' });
    expect(Date.now() - started).toBeLessThan(4000);
    await proxy.down();
    await proxy.up();
  });

  it('GIVEN a malformed DATABASE_URL THEN 503 degraded', async () => {
    process.env.DATABASE_URL = 'pglite://relative/dir';
    const res = await health();
    expect(res.statusCode).toBe(503);
    expect(bodyOf(res)).toMatchObject({ database: 'unreachable' });
  });

  it('GIVEN no DATABASE_URL THEN 503 degraded naming it', async () => {
    delete process.env.DATABASE_URL;
    const res = await health();
    expect(res.statusCode).toBe(503);
    expect(bodyOf(res)).toEqual({ status: 'degraded', database: 'unreachable', environment: 'missing: DATABASE_URL' });
  });

  it('declares its environment as one literal array', () => {
    expect(REQUIRED_ENV).toEqual(['STAGE', 'DATABASE_URL', 'ALLOWED_ORIGINS']);
  });
});
