import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forward } from '../helpers/forward.js';

/**
 * A loopback proxy in front of the sandbox that refuses the named Cognito operations (by X-Amz-Target) with a
 * non-retryable error, as AWS would answer a caller who lacks the permission, and forwards everything else. It lets a
 * test stop a command between two of its calls, which moto cannot be made to do.
 */
export async function refusingProxy(target: string, operations: readonly string[]): Promise<{ url: string; refused: string[]; close(): Promise<void> }> {
  const to = new URL(target);
  const refused: string[] = [];
  const server = createServer((req, res) => {
    const op = String(req.headers['x-amz-target'] ?? '').split('.').at(-1) ?? '';
    if (operations.includes(op)) {
      refused.push(op);
      req.resume();
      req.on('end', () => {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'refusing-proxy' });
        res.end(JSON.stringify({ __type: 'InvalidParameterException', message: `refused ${op} (test proxy)` }));
      });
      return;
    }
    forward(to, req, res);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    refused,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
