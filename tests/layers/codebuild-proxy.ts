import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { deterministicZip } from '../../src/build/zip.js';

/**
 * Plays the CodeBuild build container in front of the sandbox. moto (with sandbox/patches/codebuild_builds.py) answers
 * AWS-shaped builds but runs nothing; this proxy forwards every request to moto unchanged and, for StartBuild, does
 * what the container would: writes the build's log lines to its CloudWatch stream and, when the build succeeds,
 * uploads the artifact zip where the build's artifacts point. For BatchGetBuilds it reports the build IN_PROGRESS for
 * the first `inProgressPolls` looks, then as the container ended (SUCCEEDED, or FAILED in phase BUILD).
 */
export interface BuildContainer {
  outcome: 'succeed' | 'fail';
  logLines: string[];
  inProgressPolls: number;
  /** Files of the artifact zip (under nodejs/). */
  files?: Record<string, string>;
  /** A failed build: the phase that failed (default BUILD) and CodeBuild's context for it ({statusCode, message}). */
  failedPhase?: string;
  failedContext?: { statusCode: string; message: string };
  /**
   * GetLogEvents answers this many empty pages, each with a new forward token, before the events (AWS documents that
   * it "can return empty results while there are more log events available through the token").
   */
  emptyLogPages?: number;
  /** The project writes no CloudWatch Logs (logsConfig.cloudWatchLogs DISABLED, S3 logs instead): builds name no stream. */
  cloudWatchLogsDisabled?: boolean;
}

const creds = { accessKeyId: 'test', secretAccessKey: 'test' };
const HOP_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'expect', 'keep-alive']);

function forwardHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined && !HOP_HEADERS.has(k)) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

export async function startCodeBuildProxy(target: string, container: BuildContainer): Promise<{ url: string; startedBuilds: string[]; close(): Promise<void> }> {
  const logs = new CloudWatchLogsClient({ endpoint: target, region: 'eu-central-1', credentials: creds });
  const s3 = new S3Client({ endpoint: target, region: 'eu-central-1', credentials: creds, forcePathStyle: true });
  const polls = new Map<string, number>();
  const startedBuilds: string[] = [];
  const emptyPagesServed = new Map<string, number>();

  async function runContainer(build: any): Promise<void> {
    if (container.cloudWatchLogsDisabled) return;
    const group = build.logs.groupName as string;
    const stream = build.logs.streamName as string;
    await logs.send(new CreateLogGroupCommand({ logGroupName: group })).catch((e) => {
      if (e.name !== 'ResourceAlreadyExistsException') throw e;
    });
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
    const t = Date.now();
    await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: container.logLines.map((message, i) => ({ message, timestamp: t + i })) }));
    if (container.outcome === 'succeed') {
      const a = build.artifacts;
      const files = container.files ?? { 'nodejs/node_modules/fake-dep/index.js': 'module.exports = 42;\n' };
      const zip = deterministicZip(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, new TextEncoder().encode(v)])));
      await s3.send(new PutObjectCommand({ Bucket: a.location, Key: `${a.path}/${a.name}`, Body: zip }));
    }
  }

  function asContainerSees(original: any): any {
    const seen = polls.get(original.id);
    if (seen === undefined) return original; // not started through this proxy
    const build = container.cloudWatchLogsDisabled
      ? { ...original, logs: { cloudWatchLogs: { status: 'DISABLED' }, s3Logs: { status: 'ENABLED', location: 'build-logs/layers' }, s3DeepLink: `https://s3.console.aws.amazon.com/s3/object/build-logs/layers/${original.id.split(':').pop()}.gz` } }
      : original;
    polls.set(build.id, seen + 1);
    if (seen < container.inProgressPolls) return { ...build, buildStatus: 'IN_PROGRESS', currentPhase: 'BUILD', buildComplete: false, endTime: undefined };
    if (container.outcome === 'fail') {
      const order = ['SUBMITTED', 'QUEUED', 'PROVISIONING', 'DOWNLOAD_SOURCE', 'INSTALL', 'PRE_BUILD', 'BUILD'];
      const upTo = order.slice(0, order.indexOf(container.failedPhase ?? 'BUILD') + 1);
      const phases = (build.phases ?? []).filter((p: any) => upTo.includes(p.phaseType));
      const last = phases.at(-1);
      if (last) {
        last.phaseStatus = 'FAILED';
        if (container.failedContext) last.contexts = [container.failedContext];
      }
      return { ...build, buildStatus: 'FAILED', currentPhase: 'COMPLETED', phases };
    }
    return build;
  }

  /**
   * StartBuild's idempotencyToken as CodeBuild applies it (moto ignores it; within its 5 minutes, as a test is): a
   * repeat with the same token and parameters answers the first build again, starting none; one with other
   * parameters is refused ("parameter mismatch").
   */
  const tokens = new Map<string, { params: string; response: Buffer }>();
  function idempotency(body: Buffer): { status: number; body: Buffer } | undefined {
    const { idempotencyToken, ...params } = JSON.parse(body.toString('utf8') || '{}');
    const seen = idempotencyToken ? tokens.get(idempotencyToken) : undefined;
    if (!seen) return undefined;
    if (seen.params === JSON.stringify(params)) return { status: 200, body: seen.response };
    const message = `Idempotency token ${idempotencyToken} was already used with different parameters (parameter mismatch)`;
    return { status: 400, body: Buffer.from(JSON.stringify({ __type: 'InvalidInputException', message })) };
  }
  function remember(body: Buffer, response: Buffer): void {
    const { idempotencyToken, ...params } = JSON.parse(body.toString('utf8') || '{}');
    if (idempotencyToken) tokens.set(idempotencyToken, { params: JSON.stringify(params), response });
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      try {
        const body = Buffer.concat(chunks);
        const op = String(req.headers['x-amz-target'] ?? '');
        const answered = op === 'CodeBuild_20161006.StartBuild' ? idempotency(body) : undefined; // CodeBuild's answer, not moto's
        if (answered) {
          res.writeHead(answered.status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': String(answered.body.length) });
          res.end(answered.body);
          return;
        }
        let sent: Buffer = body;
        if (op === 'Logs_20140328.GetLogEvents') {
          const input = JSON.parse(body.toString('utf8') || '{}');
          const served = emptyPagesServed.get(input.logStreamName) ?? 0;
          const ours = typeof input.nextToken === 'string' && input.nextToken.startsWith('f/turnctl-empty-');
          if ((input.nextToken === undefined || ours) && served < (container.emptyLogPages ?? 0)) {
            emptyPagesServed.set(input.logStreamName, served + 1);
            const page = Buffer.from(JSON.stringify({ events: [], nextForwardToken: `f/turnctl-empty-${served + 1}`, nextBackwardToken: 'b/turnctl-empty' }));
            res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'content-length': String(page.length) });
            res.end(page);
            return;
          }
          if (ours) {
            // The last empty page's token leads to the events: moto knows none of these tokens, so read from the head.
            delete input.nextToken;
            sent = Buffer.from(JSON.stringify(input));
          }
        }
        const upstream = await fetch(`${target}${req.url}`, { method: req.method, headers: forwardHeaders(req.headers), body: ['GET', 'HEAD'].includes(req.method!) ? undefined : sent });
        let out = Buffer.from(await upstream.arrayBuffer());
        if (upstream.ok && op === 'CodeBuild_20161006.StartBuild') {
          const parsed = JSON.parse(out.toString('utf8'));
          remember(body, out);
          polls.set(parsed.build.id, 0);
          startedBuilds.push(parsed.build.id);
          await runContainer(parsed.build);
        } else if (upstream.ok && op === 'CodeBuild_20161006.BatchGetBuilds') {
          const parsed = JSON.parse(out.toString('utf8'));
          parsed.builds = parsed.builds.map(asContainerSees);
          out = Buffer.from(JSON.stringify(parsed));
        }
        const headers: Record<string, string> = {};
        upstream.headers.forEach((v, k) => {
          if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(k)) headers[k] = v;
        });
        res.writeHead(upstream.status, { ...headers, 'content-length': String(out.length) });
        res.end(req.method === 'HEAD' ? undefined : out);
      } catch (err) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(String(err));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    startedBuilds,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
