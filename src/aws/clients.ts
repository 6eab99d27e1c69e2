import { appendFileSync } from 'node:fs';
import { redact } from '../secrets/known.js';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { CodeBuildClient } from '@aws-sdk/client-codebuild';

/** Where and as whom the clients of one stage talk to AWS. */
export interface AwsTarget {
  region: string;
  endpoint?: string;
  profile?: string;
  /** Static credentials (the sandbox). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /**
   * Requests in flight per service (the stage's `concurrency`): every client holds at most this many HTTP attempts at
   * once, however many steps or mapLimit loops use it (backoff waits between retries hold no slot).
   */
  maxInFlight?: number;
}

/** One AWS call seen by the observer: service and command name. */
export interface AwsCall {
  service: string;
  command: string;
}

// turnctl pins its SDK version and supports Node >= 20.19; the SDK's notice about future releases needing Node 22
// would otherwise be printed on every run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

type Observer = (call: AwsCall) => void;
const observers = new Set<Observer>();

/** Registers a process-wide observer of every AWS command sent (tests count write calls with it). */
export function observeAwsCalls(fn: Observer): () => void {
  observers.add(fn);
  return () => observers.delete(fn);
}

const READ_PREFIXES = ['Get', 'List', 'Describe', 'Head', 'BatchGet', 'Simulate', 'Filter', 'Lookup', 'Test', 'Select', 'Invoke', 'AdminGet', 'AdminList'];
/** True for AWS commands that change state (everything but reads). */
export function isWriteCommand(command: string): boolean {
  const name = command.replace(/Command$/, '');
  return !READ_PREFIXES.some((p) => name.startsWith(p));
}

function notify(service: string, command: string): void {
  const call = { service, command: command.replace(/Command$/, '') };
  for (const o of observers) o(call);
  const trace = process.env.TURNCTL_AWS_TRACE;
  if (trace) appendFileSync(trace, `${call.service} ${call.command}\n`);
}

/** Lazily created, shared SDK clients for one stage; each SDK package is imported only when first used. */
export interface AwsClients {
  readonly target: AwsTarget;
  lambda(): Promise<LambdaClient>;
  s3(): Promise<S3Client>;
  sts(): Promise<STSClient>;
  ssm(): Promise<SSMClient>;
  secrets(): Promise<SecretsManagerClient>;
  iam(): Promise<IAMClient>;
  apigw(): Promise<APIGatewayClient>;
  cloudwatch(): Promise<CloudWatchClient>;
  logs(): Promise<CloudWatchLogsClient>;
  cognito(): Promise<CognitoIdentityProviderClient>;
  codebuild(): Promise<CodeBuildClient>;
  /**
   * Runs `fn` with identical read calls (same service, command and input) sent once and shared, e.g. when several
   * steps read the same function configuration while a plan is made. Writes are never shared; outside `fn` every call
   * is sent.
   */
  memoizeReads?<T>(fn: () => Promise<T>): Promise<T>;
}

/** A counting semaphore: at most `limit` holders at once, FIFO. */
function semaphore(limit: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: Array<() => void> = [];
  return async (fn) => {
    if (active >= limit) await new Promise<void>((resolve) => queue.push(resolve));
    else active++;
    try {
      return await fn();
    } finally {
      const next = queue.shift();
      if (next) next();
      else active--;
    }
  };
}

/** Maximum attempts of the SDK's own (adaptive) retry; TURNCTL_MAX_ATTEMPTS overrides. */
export function maxAttempts(): number {
  const n = Number(process.env.TURNCTL_MAX_ATTEMPTS);
  return Number.isInteger(n) && n > 0 ? n : 10;
}

/** Records on an error which AWS call failed (and where it was sent), for the one-line message the user gets. */
function tagAwsCall(err: unknown, service: string, command: string, endpoint: string | undefined): unknown {
  if (err && typeof err === 'object' && !('turnctlAwsCall' in err)) {
    Object.defineProperty(err, 'turnctlAwsCall', { value: { service, command: command.replace(/Command$/, ''), endpoint }, enumerable: false });
    // AWS may quote what it was sent (Lambda's "environment variables exceeded 4KB" quotes them): scrub secrets here,
    // before the message can reach a journal or the terminal.
    const e = err as { message?: unknown };
    if (typeof e.message === 'string') e.message = redact(e.message);
  }
  return err;
}

/** The one client factory: region, endpoint, credentials and the SDK's adaptive retry, for every service. */
export function createAwsClients(target: AwsTarget): AwsClients {
  const cache = new Map<string, Promise<unknown>>();
  let readMemo: Map<string, Promise<unknown>> | undefined;
  async function base() {
    let credentials: unknown = target.credentials;
    if (!credentials && target.profile) {
      const { fromIni } = await import('@aws-sdk/credential-providers');
      credentials = fromIni({ profile: target.profile });
    }
    return {
      region: target.region,
      ...(target.endpoint ? { endpoint: target.endpoint } : {}),
      ...(credentials ? { credentials } : {}),
      retryMode: 'adaptive',
      maxAttempts: maxAttempts(),
    };
  }
  function make<T>(service: string, load: () => Promise<new (cfg: any) => T>, extra: () => Record<string, unknown> = () => ({})): () => Promise<T> {
    return () => {
      let p = cache.get(service) as Promise<T> | undefined;
      if (!p) {
        p = (async () => {
          const Ctor = await load();
          const client = new Ctor({ ...(await base()), ...extra() }) as T & { middlewareStack: any };
          client.middlewareStack.add(
            (next: any, context: any) => async (args: any) => {
              const command = context.commandName ?? 'Unknown';
              // An error that escapes to the user names the call it came from (errors.ts: describeFailure).
              const send = () => next(args).catch((err: unknown) => Promise.reject(tagAwsCall(err, service, command, target.endpoint)));
              if (readMemo && !isWriteCommand(command)) {
                const key = `${service} ${command} ${stableKey(args.input)}`;
                let hit = readMemo.get(key);
                if (!hit) {
                  notify(service, command);
                  readMemo.set(key, (hit = send()));
                }
                return hit;
              }
              notify(service, command);
              return send();
            },
            { step: 'initialize', name: 'turnctlObserver' },
          );
          if (target.maxInFlight) {
            const limit = semaphore(target.maxInFlight);
            // Inside the retry middleware: each HTTP attempt takes a slot, the backoff between attempts does not.
            client.middlewareStack.add((next: any) => (args: any) => limit(() => next(args)), { step: 'finalizeRequest', priority: 'low', name: 'turnctlInFlight' });
          }
          return client;
        })();
        cache.set(service, p);
      }
      return p;
    };
  }
  return {
    target,
    lambda: make('lambda', async () => (await import('@aws-sdk/client-lambda')).LambdaClient),
    s3: make('s3', async () => (await import('@aws-sdk/client-s3')).S3Client, () => ({ forcePathStyle: Boolean(target.endpoint) })),
    sts: make('sts', async () => (await import('@aws-sdk/client-sts')).STSClient),
    ssm: make('ssm', async () => (await import('@aws-sdk/client-ssm')).SSMClient),
    secrets: make('secretsmanager', async () => (await import('@aws-sdk/client-secrets-manager')).SecretsManagerClient),
    iam: make('iam', async () => (await import('@aws-sdk/client-iam')).IAMClient),
    apigw: make('apigateway', async () => (await import('@aws-sdk/client-api-gateway')).APIGatewayClient),
    cloudwatch: make('cloudwatch', async () => (await import('@aws-sdk/client-cloudwatch')).CloudWatchClient),
    logs: make('logs', async () => (await import('@aws-sdk/client-cloudwatch-logs')).CloudWatchLogsClient),
    cognito: make('cognito', async () => (await import('@aws-sdk/client-cognito-identity-provider')).CognitoIdentityProviderClient),
    codebuild: make('codebuild', async () => (await import('@aws-sdk/client-codebuild')).CodeBuildClient),
    async memoizeReads(fn) {
      const outer = readMemo;
      readMemo ??= new Map();
      try {
        return await fn();
      } finally {
        readMemo = outer;
      }
    },
  };
}

/** A key for a command input: JSON with sorted object keys (byte arrays and streams are never read inputs here). */
function stableKey(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v));
}

/** Runs `fn` over `items` with at most `limit` in flight (bounded concurrency per service), keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
