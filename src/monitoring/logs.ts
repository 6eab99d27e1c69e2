import type { Ctx } from '../context.js';
import { mapLimit } from '../aws/clients.js';
import { redact } from '../secrets/known.js';
import { rememberLiveSecrets } from '../secrets/live.js';
import { isAwsError, UsageError } from '../errors.js';
import { classifyLogLine, type ErrorKind } from './classify.js';
import { logGroupOf } from './desired.js';

/** One log event of a function. */
export interface LogEntry {
  function: string;
  timestamp: number;
  stream: string;
  message: string;
  /** `<stream>/<eventId>`: unique per group (moto numbers events per stream). */
  key: string;
}

/** An error-level log entry. */
export interface ErrorEntry extends LogEntry {
  kind: ErrorKind;
}

/** Error-level entries of one function. */
export interface FunctionErrors {
  function: string;
  logGroup: string;
  count: number;
  entries: ErrorEntry[];
}

/** The declared function, or a usage error listing the declared ones. */
export function assertFunction(ctx: Ctx, fn: string): void {
  if (!ctx.stack.functions[fn]) throw new UsageError(`unknown function "${fn}"; functions in turnctl.yaml: ${Object.keys(ctx.stack.functions).join(', ') || '(none)'}`);
}

/**
 * The FilterLogEvents pattern that keeps every event containing `text`, or undefined when CloudWatch has none. A term
 * or quoted phrase matches whole terms on AWS (ERR does not match ERROR; the filter pattern syntax page gives
 * %AUTHORIZED% as the way to match UNAUTHORIZED), while --filter promises a substring: a regex pattern %…% is one,
 * but takes only letters, digits, _ # = @ / ; , - and escaped operators. Other text (a space, a quote, a colon) is
 * not sent and is matched here only. (moto matches every event to a %…% pattern.)
 */
export function substringPattern(text: string): string | undefined {
  if (!/^[A-Za-z0-9_#=@/;,.-]+$/.test(text)) return undefined;
  return `%${text.replace(/\./g, '\\.')}%`;
}

/**
 * Every log event of a function's log group from `start` (ms) on, all pages, oldest first. A missing log group
 * (the function never ran) is no events. `text` is sent as a substring pattern where CloudWatch can take it
 * (substringPattern) and applied again here: moto ignores most filter patterns (DESIGN.md).
 */
export async function functionLogEvents(ctx: Ctx, fn: string, opts: { start: number; end?: number; text?: string }): Promise<LogEntry[]> {
  const { paginateFilterLogEvents } = await import('@aws-sdk/client-cloudwatch-logs');
  const logs = await ctx.aws.logs();
  const out: LogEntry[] = [];
  // Every message turnctl prints or journals comes from here: the function's secret values are replaced first.
  await rememberLiveSecrets(ctx, fn);
  try {
    const pages = paginateFilterLogEvents(
      { client: logs },
      { logGroupName: logGroupOf(ctx, fn), startTime: opts.start, ...(opts.end !== undefined ? { endTime: opts.end } : {}), ...(opts.text && substringPattern(opts.text) ? { filterPattern: substringPattern(opts.text) } : {}) },
    );
    for await (const page of pages)
      for (const e of page.events ?? []) {
        const raw = (e.message ?? '').replace(/\n$/, '');
        if (opts.text && !raw.includes(opts.text)) continue;
        const message = redact(raw);
        out.push({ function: fn, timestamp: e.timestamp ?? 0, stream: e.logStreamName ?? '', message, key: `${e.logStreamName}/${e.eventId}` });
      }
  } catch (err) {
    if (isAwsError(err, 'ResourceNotFoundException')) return [];
    throw err;
  }
  return out.sort((a, b) => a.timestamp - b.timestamp);
}

/** Waits `ms` unless `signal` aborts first (the poll interval of --follow; not a wait for AWS state). */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** How far back each --follow poll reads again, for events CloudWatch Logs ingests after newer ones. */
export const LATE_ARRIVAL_MS = 60_000;

export interface TailOptions {
  since: Date;
  filter?: string;
  /** Keep polling for new events until `signal` aborts. */
  follow?: boolean;
  signal?: AbortSignal;
  pollMs?: number;
}

/** Streams a function's log events to `onEntry`: what is there since `since`, then (with follow) new ones as they come. */
export async function tailLogs(ctx: Ctx, fn: string, opts: TailOptions, onEntry: (e: LogEntry) => void): Promise<number> {
  assertFunction(ctx, fn);
  let start = opts.since.getTime();
  const seen = new Set<string>();
  let count = 0;
  for (;;) {
    const events = await functionLogEvents(ctx, fn, { start, text: opts.filter });
    for (const e of events) {
      if (seen.has(e.key)) continue;
      seen.add(e.key);
      count++;
      onEntry(e);
    }
    if (!opts.follow || opts.signal?.aborted) return count;
    // Next poll from a while before the newest timestamp seen: CloudWatch Logs ingests late (each Lambda container
    // flushes on its own, so an event can arrive after newer ones from another container); events already printed
    // are told apart by key, and keys older than the window are forgotten.
    if (events.length) {
      start = Math.max(start, events[events.length - 1]!.timestamp - LATE_ARRIVAL_MS);
      for (const e of events) if (e.timestamp < start) seen.delete(e.key);
    }
    await pause(opts.pollMs ?? 2000, opts.signal);
    if (opts.signal?.aborted) return count;
  }
}

/**
 * Error-level log entries (see classifyLogLine) of the given functions since `since`, grouped per function.
 * All events are read and classified here rather than through a filter pattern: the pattern language cannot say
 * "JSON level ERROR but not WARN", and moto ignores patterns anyway.
 */
export async function errorEntries(ctx: Ctx, since: Date, functions: string[]): Promise<FunctionErrors[]> {
  for (const fn of functions) assertFunction(ctx, fn);
  return mapLimit(functions, ctx.concurrency, async (fn) => {
    const events = await functionLogEvents(ctx, fn, { start: since.getTime() });
    const entries = events.flatMap((e): ErrorEntry[] => {
      const kind = classifyLogLine(e.message);
      return kind ? [{ ...e, kind }] : [];
    });
    return { function: fn, logGroup: logGroupOf(ctx, fn), count: entries.length, entries };
  });
}
