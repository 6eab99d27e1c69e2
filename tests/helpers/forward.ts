import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';

/** Passes a request on to the sandbox unchanged and streams its answer back (the test proxies' pass-through). */
export function forward(target: URL, req: IncomingMessage, res: ServerResponse): void {
  const upstream = httpRequest({ hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
    res.writeHead(up.statusCode ?? 502, up.headers);
    up.pipe(res);
  });
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}
