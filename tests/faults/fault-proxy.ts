import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forward } from '../helpers/forward.js';

/**
 * The faults the proxy injects, each shaped the way the real service answers:
 * - `throttling`: ThrottlingException (JSON protocols, HTTP 400), `Throttling` (query protocol: IAM, STS), `SlowDown` (S3, 503)
 * - `http-429`: HTTP 429 with a ThrottlingException body
 * - `too-many-requests`: HTTP 429 TooManyRequestsException (Lambda's and API Gateway's rate limit)
 * - `http-500`: InternalFailure / InternalError
 * - `http-503`: ServiceUnavailable
 * - `drop`: the connection is destroyed before the request reaches the sandbox (no response at all)
 */
export const FAULT_KINDS = ['throttling', 'http-429', 'too-many-requests', 'http-500', 'http-503', 'drop'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultProxyOptions {
  /** The moto server, e.g. http://127.0.0.1:5000. */
  target: string;
  /** Share of AWS requests answered with a fault (0..1). */
  rate: number;
  /** Seed of the RNG that picks faulted requests and their kind (same seed, same sequence). */
  seed?: number;
  kinds?: readonly FaultKind[];
}

export interface FaultStats {
  requests: number;
  faulted: number;
  byKind: Record<FaultKind, number>;
  /** Faulted requests per AWS service (from the SigV4 credential scope). */
  byService: Record<string, number>;
  /**
   * Per SDK call (`amz-sdk-invocation-id`, the same on every retry of one call): the attempt numbers seen
   * (`amz-sdk-request: attempt=N`) and which of them were faulted, and what was sent (method, path, target; the
   * body once a fault was answered). Shows who retried: the SDK (same id, next attempt) or the caller (a new call).
   */
  invocations: Map<string, { request: string; body?: string; attempts: number[]; faulted: number[] }>;
}

export interface FaultProxy {
  url: string;
  stats: FaultStats;
  close(): Promise<void>;
}

/** mulberry32: a tiny seeded PRNG, enough to make a fault sequence reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The AWS service a request is signed for (`Credential=AKID/date/region/<service>/aws4_request`). */
function serviceOf(req: IncomingMessage): string {
  const m = /Credential=[^/]+\/\d+\/[^/]+\/([^/]+)\/aws4_request/.exec(String(req.headers.authorization ?? ''));
  return m?.[1] ?? 'unknown';
}

type Protocol = 'json' | 'query' | 's3' | 'rest-json';

function protocolOf(req: IncomingMessage, service: string): Protocol {
  const type = String(req.headers['content-type'] ?? '');
  if (/application\/x-amz-json-1\.[01]/.test(type)) return 'json';
  if (/application\/x-www-form-urlencoded/.test(type)) return 'query';
  if (service === 's3') return 's3';
  if (service === 'iam' || service === 'sts') return 'query';
  return 'rest-json';
}

/** Status, error code and message of a fault for a protocol. */
function faultOf(kind: Exclude<FaultKind, 'drop'>, protocol: Protocol): { status: number; code: string; message: string } {
  switch (kind) {
    case 'throttling':
      if (protocol === 's3') return { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' };
      if (protocol === 'query') return { status: 400, code: 'Throttling', message: 'Rate exceeded' };
      return { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' };
    case 'http-429':
      return { status: 429, code: 'ThrottlingException', message: 'Rate exceeded' };
    case 'too-many-requests':
      return { status: 429, code: 'TooManyRequestsException', message: 'Rate exceeded' };
    case 'http-500':
      return { status: 500, code: protocol === 's3' ? 'InternalError' : 'InternalFailure', message: 'We encountered an internal error. Please try again.' };
    case 'http-503':
      return { status: 503, code: 'ServiceUnavailable', message: 'Service is unavailable. Please try again.' };
  }
}

/** Writes an error response in the body format of the request's protocol. */
function answerFault(res: ServerResponse, kind: Exclude<FaultKind, 'drop'>, protocol: Protocol): void {
  const { status, code, message } = faultOf(kind, protocol);
  const requestId = randomUUID();
  if (protocol === 'json') {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId, 'x-amzn-query-error': `${code};Sender` });
    res.end(JSON.stringify({ __type: code, message }));
  } else if (protocol === 'rest-json') {
    res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amzn-errortype': `${code}:http://internal.amazon.com/coral/com.amazonaws.aws/`, ...(status === 429 ? { 'retry-after': '0' } : {}) });
    res.end(JSON.stringify({ message, Type: 'User', Reason: 'CallerRateLimitExceeded' }));
  } else if (protocol === 'query') {
    res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
    res.end(`<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);
  } else {
    res.writeHead(status, { 'content-type': 'application/xml', 'x-amz-request-id': requestId });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId><HostId>fault-proxy</HostId></Error>`);
  }
}

/** Records the request's attempt under its SDK invocation id (requests without one, e.g. presigned URLs, are not). */
function trackInvocation(stats: FaultStats, req: IncomingMessage) {
  const id = req.headers['amz-sdk-invocation-id'];
  if (typeof id !== 'string') return undefined;
  const attempt = Number(/attempt=(\d+)/.exec(String(req.headers['amz-sdk-request'] ?? ''))?.[1] ?? 0);
  let inv = stats.invocations.get(id);
  if (!inv) stats.invocations.set(id, (inv = { request: `${req.method} ${req.url} ${String(req.headers['x-amz-target'] ?? '')}`, attempts: [], faulted: [] }));
  inv.attempts.push(attempt);
  return inv;
}

/**
 * A loopback HTTP proxy in front of the moto sandbox that answers a seeded share of AWS requests with throttling,
 * 5xx errors or a dropped connection, and forwards everything else unchanged. Requests that are not AWS calls
 * (moto's own /moto-api/) are never faulted. Only for tests: it listens on 127.0.0.1 and forwards to `target` only.
 */
export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(opts.target);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname)) throw new Error(`fault proxy forwards to loopback only, not ${target.hostname}`);
  const random = seededRandom(opts.seed ?? 1);
  const kinds = opts.kinds ?? FAULT_KINDS;
  const stats: FaultStats = { requests: 0, faulted: 0, byKind: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>, byService: {}, invocations: new Map() };

  const server = createServer((req, res) => {
    const aws = !req.url?.startsWith('/moto-api/');
    if (aws) stats.requests++;
    const fault = aws && random() < opts.rate ? kinds[Math.floor(random() * kinds.length)]! : undefined;
    const invocation = aws ? trackInvocation(stats, req) : undefined;
    if (fault && invocation) invocation.faulted.push(invocation.attempts.at(-1)!);
    if (fault) {
      const service = serviceOf(req);
      stats.faulted++;
      stats.byKind[fault]++;
      stats.byService[service] = (stats.byService[service] ?? 0) + 1;
      if (fault === 'drop') {
        req.socket.destroy();
        return;
      }
      // Read the request body first (as a server would), then answer with the fault.
      const body: Buffer[] = [];
      req.on('data', (c: Buffer) => body.push(c));
      req.on('end', () => {
        // (query-protocol calls all go to POST /: the body names the action)
        if (invocation) invocation.body ??= Buffer.concat(body).toString('utf8');
        answerFault(res, fault, protocolOf(req, service));
      });
      return;
    }
    forward(target, req, res);
  });
  // Keep-alive sockets of the SDK must not hold close() open.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
