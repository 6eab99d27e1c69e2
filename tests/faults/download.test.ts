import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadWithSdkRetry } from '../../src/release/steps/functions.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';

/**
 * Rollback on a machine without the artifact cache downloads a version's code from Lambda's presigned Code.Location.
 * moto hands out a real S3 URL there (nothing the sandbox serves), so this path is proven against a loopback file
 * server behind the fault proxy instead.
 */
describe('code download for rollback (Code.Location) under faults', () => {
  const body = Buffer.from('PK\u0003\u0004 zip bytes of version 1');
  let server: ReturnType<typeof createServer>;
  let origin: string;
  let hits = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits++;
      if (req.url === '/missing') return void res.writeHead(403).end('<Error><Code>AccessDenied</Code></Error>');
      res.writeHead(200, { 'content-type': 'application/zip' }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('GIVEN a third of the requests throttled, failing or dropped WHEN the code is downloaded THEN the SDK retry strategy gets it', async () => {
    const proxy: FaultProxy = await startFaultProxy({ target: origin, rate: 0.35, seed: 7, kinds: ['http-429', 'http-503', 'drop'] });
    try {
      const got = await Promise.all(Array.from({ length: 6 }, (_, i) => downloadWithSdkRetry(`${proxy.url}/code-${i}.zip`, `code ${i}`)));
      for (const g of got) expect(Buffer.from(g)).toEqual(body);
      expect(proxy.stats.faulted).toBeGreaterThan(0);
      expect(proxy.stats.requests).toBe(6 + proxy.stats.faulted);
    } finally {
      await proxy.close();
    }
  });

  it('GIVEN a 4xx answer WHEN downloading THEN it fails at once with one line (no retry)', async () => {
    const before = hits;
    await expect(downloadWithSdkRetry(`${origin}/missing`, 'the code of f version 1')).rejects.toThrow(/^cannot download the code of f version 1: HTTP 403$/);
    expect(hits - before).toBe(1);
  });
});
