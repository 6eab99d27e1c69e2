import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import type { Ctx } from '../context.js';
import { getFunctionConfig } from '../aws/lambda.js';
import { artifactByCodeSha, codeShaToHex } from '../build/artifacts.js';
import { TurnctlError, UsageError, isAwsError } from '../errors.js';
import { RUNNER_SOURCE } from './runner-source.js';
import { redact } from '../secrets/known.js';
import { redactValue, rememberEnvSecrets, rememberLiveSecrets } from '../secrets/live.js';

/** The outcome of one invocation of a function's `live` alias. */
export interface InvokeResult {
  /** No function error (the handler returned). */
  ok: boolean;
  /** statusCode of an API Gateway proxy result, when the payload has one. */
  statusCode?: number;
  payload: unknown;
  /** Error type and message when the handler threw or timed out. */
  error?: string;
  /** What the function logged. */
  logs: string;
  /** The version the alias pointed at. */
  version?: string;
}

/** Invokes the `live` alias of a declared function: locally on the sandbox (moto runs no code), through Invoke on AWS. */
export async function invokeFunction(ctx: Ctx, fn: string, event: unknown): Promise<InvokeResult> {
  if (!ctx.stack.functions[fn]) throw new UsageError(`unknown function "${fn}"; functions in turnctl.yaml: ${Object.keys(ctx.stack.functions).join(', ')}`);
  const r = await (ctx.stage.sandbox ? invokeLocal(ctx, fn, event) : invokeAws(ctx, fn, event));
  // What the function returned or logged is printed by turnctl: its secret values never are (see secrets/live.ts).
  if (!ctx.stage.sandbox) await rememberLiveSecrets(ctx, fn); // (the sandbox path read them with the configuration)
  return { ...r, payload: redactValue(r.payload), logs: redact(r.logs), ...(r.error === undefined ? {} : { error: redact(r.error) }) };
}

function statusOf(payload: unknown): number | undefined {
  const s = (payload as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

async function invokeAws(ctx: Ctx, fn: string, event: unknown): Promise<InvokeResult> {
  const { InvokeCommand } = await import('@aws-sdk/client-lambda');
  const lambda = await ctx.aws.lambda();
  let res;
  try {
    res = await lambda.send(new InvokeCommand({ FunctionName: ctx.names.fn(fn), Qualifier: ctx.names.alias, Payload: Buffer.from(JSON.stringify(event ?? {})), LogType: 'Tail' }));
  } catch (err) {
    // "Function not found: arn:…:function:<name>:live": no function, or no alias yet (as the sandbox path says it).
    if (isAwsError(err, 'ResourceNotFoundException')) throw new TurnctlError(`function ${fn} has no ${ctx.names.alias} alias on stage ${ctx.stage.name}; apply a release first`);
    throw err;
  }
  const text = res.Payload ? Buffer.from(res.Payload).toString('utf8') : 'null';
  let payload: unknown = text;
  try {
    payload = JSON.parse(text);
  } catch {
    /* keep raw text */
  }
  const logs = res.LogResult ? Buffer.from(res.LogResult, 'base64').toString('utf8') : '';
  // A function error's payload is the runtime's {errorType, errorMessage, trace}; FunctionError itself is only
  // "Unhandled". The error names the type as the sandbox path does ("Error: boom", "Sandbox.Timedout: …"), on one line.
  const p = payload as { errorType?: unknown; errorMessage?: unknown } | null;
  const type = typeof p?.errorType === 'string' && p.errorType ? p.errorType : res.FunctionError;
  const message = typeof p?.errorMessage === 'string' ? p.errorMessage : text;
  const error = res.FunctionError ? `${type}: ${message.replace(/\s*\n\s*/g, ' ').trim()}` : undefined;
  return { ok: !error, statusCode: statusOf(payload), payload, error, logs, version: res.ExecutedVersion };
}

/**
 * moto stores the code but runs none, so on the sandbox turnctl runs the deployed artifact itself: the zip is found
 * in .turnctl/artifacts by the alias version's CodeSha256, unpacked, and run in a child `node` with the version's
 * environment. Its log lines go to the function's log group in the sandbox, as Lambda would write them.
 */
// Local invocations run one at a time: functions on the local stage share one PGlite data directory, which only one
// process may open at once (Lambda would give each container its own connection to a real server).
let localQueue: Promise<unknown> = Promise.resolve();

function invokeLocal(ctx: Ctx, fn: string, event: unknown): Promise<InvokeResult> {
  const run = localQueue.then(() => invokeLocalNow(ctx, fn, event));
  localQueue = run.catch(() => undefined);
  return run;
}

async function invokeLocalNow(ctx: Ctx, fn: string, event: unknown): Promise<InvokeResult> {
  const name = ctx.names.fn(fn);
  const cfg = await getFunctionConfig(ctx, name, ctx.names.alias);
  if (!cfg) throw new TurnctlError(`function ${fn} has no live alias on stage ${ctx.stage.name}; apply a release first`);
  rememberEnvSecrets(ctx, fn, cfg.Environment?.Variables);
  const zipPath = artifactByCodeSha(ctx.stateDir, cfg.CodeSha256!);
  if (!zipPath) throw new TurnctlError(`the artifact of ${fn} (CodeSha256 ${cfg.CodeSha256}) is not in .turnctl/artifacts; run turnctl build to rebuild it`);
  const dir = join(ctx.stateDir, 'run', codeShaToHex(cfg.CodeSha256!));
  if (!existsSync(join(dir, '.unpacked'))) {
    mkdirSync(dir, { recursive: true });
    for (const [file, bytes] of Object.entries(unzipSync(readFileSync(zipPath)))) {
      if (file.endsWith('/')) continue;
      mkdirSync(join(dir, file, '..'), { recursive: true });
      writeFileSync(join(dir, file), bytes);
    }
    writeFileSync(join(dir, '.unpacked'), '');
  }
  const runner = join(ctx.stateDir, 'run', 'runner.mjs');
  if (!existsSync(runner) || readFileSync(runner, 'utf8') !== RUNNER_SOURCE) writeFileSync(runner, RUNNER_SOURCE);
  const [file, exportName] = splitHandler(cfg.Handler ?? 'index.handler');
  const moduleFile = ['.mjs', '.js', '.cjs'].map((ext) => join(dir, `${file}${ext}`)).find(existsSync);
  if (!moduleFile) throw new TurnctlError(`handler ${cfg.Handler} of ${fn}: no ${file}.mjs or ${file}.js in the artifact`);
  const resultFile = join(ctx.stateDir, 'run', `result-${process.pid}-${randomBytes(4).toString('hex')}.json`);
  const endpoint = ctx.aws.target.endpoint;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...(cfg.Environment?.Variables ?? {}),
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_VERSION: cfg.Version ?? '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(cfg.MemorySize ?? 128),
    AWS_REGION: ctx.stage.region,
    AWS_DEFAULT_REGION: ctx.stage.region,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    ...(endpoint ? { AWS_ENDPOINT_URL: endpoint, AWS_ENDPOINT_URL_S3: endpoint } : {}),
    TZ: 'UTC',
    // The Lambda runtime is Node 22; the SDK's notice about Node 20 support would be noise from this machine only.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const timeoutMs = (cfg.Timeout ?? 3) * 1000;
  // Called through the alias, as API Gateway and the smoke check call it: <function ARN>:<alias>.
  const invokedArn = `${(cfg.FunctionArn ?? `arn:aws:lambda:${ctx.stage.region}:${ctx.stage.account}:function:${name}`).replace(/:function:([^:]+):.*$/, ':function:$1')}:${ctx.names.alias}`;
  const logs = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [runner, moduleFile, exportName, name, String(timeoutMs), resultFile, invokedArn], { env, cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', () => resolve(out));
    child.stdin.end(JSON.stringify(event ?? {}));
  });
  let outcome: { ok: boolean; result?: unknown; errorType?: string; errorMessage?: string };
  try {
    outcome = JSON.parse(readFileSync(resultFile, 'utf8'));
  } catch {
    outcome = { ok: false, errorType: 'Runtime.ExitError', errorMessage: 'the function process exited without a result' };
  } finally {
    rmSync(resultFile, { force: true });
  }
  await writeLogs(ctx, name, logs);
  const error = outcome.ok ? undefined : `${outcome.errorType}: ${outcome.errorMessage}`;
  return { ok: outcome.ok, statusCode: statusOf(outcome.result), payload: outcome.ok ? outcome.result : { errorType: outcome.errorType, errorMessage: outcome.errorMessage }, error, logs, version: cfg.Version };
}

function splitHandler(handler: string): [string, string] {
  const i = handler.lastIndexOf('.');
  return i < 0 ? [handler, 'handler'] : [handler.slice(0, i), handler.slice(i + 1)];
}

/** Writes the invocation's log lines to /aws/lambda/<function> in the sandbox (creating group and stream like Lambda does). */
async function writeLogs(ctx: Ctx, functionName: string, text: string): Promise<void> {
  const lines = text.split('\n').filter((l) => l.trim());
  if (lines.length === 0) return;
  const cw = await import('@aws-sdk/client-cloudwatch-logs');
  const logs = await ctx.aws.logs();
  const group = `/aws/lambda/${functionName}`;
  const now = new Date();
  const stream = `${now.toISOString().slice(0, 10).replace(/-/g, '/')}/[live]${randomBytes(8).toString('hex')}`;
  try {
    await logs.send(new cw.CreateLogGroupCommand({ logGroupName: group }));
  } catch (err) {
    if (!isAwsError(err, 'ResourceAlreadyExistsException')) throw err;
  }
  await logs.send(new cw.CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
  const t = now.getTime();
  await logs.send(new cw.PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: lines.map((message) => ({ timestamp: t, message })) }));
}
