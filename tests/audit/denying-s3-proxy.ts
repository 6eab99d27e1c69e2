import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forward } from '../helpers/forward.js';

/**
 * A loopback proxy in front of the sandbox that answers every S3 request for one bucket (path style) with 403
 * AccessDenied, as AWS answers a caller whose policy leaves that bucket out, and forwards everything else. moto
 * enforces no IAM, so a denied bucket can only be played this way.
 */
export async function denyingS3Proxy(target: string, bucket: string): Promise<{ url: string; denied: string[]; close(): Promise<void> }> {
  const to = new URL(target);
  const denied: string[] = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === `/${bucket}` || path.startsWith(`/${bucket}/`)) {
      denied.push(`${req.method} ${path}`);
      req.resume();
      req.on('end', () => {
        res.writeHead(403, { 'content-type': 'application/xml', 'x-amz-request-id': 'denying-proxy' });
        res.end(req.method === 'HEAD' ? undefined : '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
      });
      return;
    }
    forward(to, req, res);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    denied,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
