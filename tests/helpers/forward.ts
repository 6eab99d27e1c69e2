import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Passes a request on to the sandbox unchanged and streams its answer back (the test proxies' pass-through). */
export function forward(target: URL, req: IncomingMessage, res: ServerResponse): void {
  const upstream = httpRequest({ hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
    res.writeHead(up.statusCode ?? 502, up.headers);
    up.pipe(res);
  });
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}

/** A canned answer a test proxy gives instead of the sandbox. */
export interface CannedAnswer {
  status: number;
  headers: Record<string, string>;
  /** Omitted for a bare answer (S3 answers a denied HEAD with no body). */
  body?: string;
}

/**
 * A loopback proxy in front of the sandbox: `answer` sees each request first and returns what to answer instead
 * (the request body is drained), or undefined to pass it on unchanged. Plays AWS answers moto cannot be made to give.
 */
export async function answeringProxy(target: string, answer: (req: IncomingMessage) => CannedAnswer | undefined): Promise<{ url: string; close(): Promise<void> }> {
  const to = new URL(target);
  const server = createServer((req, res) => {
    const canned = answer(req);
    if (!canned) return forward(to, req, res);
    req.resume();
    req.on('end', () => {
      res.writeHead(canned.status, canned.headers);
      res.end(canned.body);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
