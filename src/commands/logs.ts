import { Argument, Option, type Command } from 'commander';
import type { CommandHost } from '../cli.js';
import { ExitCode } from '../errors.js';
import { outputOption, parseDuration, printResult, stageOption } from './common.js';

const time = (ms: number) => new Date(ms).toISOString();
/** The continuation lines of a multi-line entry (a stack trace) indented under it, so they do not read as a function's heading. */
const indentLines = (message: string) => message.replace(/\r?\n/g, '\n      ');

/** `turnctl logs tail|errors`: a function's CloudWatch log events, and the recent error-level entries of every function. */
export function register(group: Command, host: CommandHost): void {
  group
    .command('tail')
    .description("print a function's log events (CloudWatch Logs, all pages); --follow keeps polling until Ctrl-C")
    .addArgument(new Argument('<function>', 'function name from turnctl.yaml'))
    .addOption(stageOption())
    .option('--since <duration>', 'how far back to start, e.g. 90s, 15m, 1h, 2d', '15m')
    .option('--filter <text>', 'only events containing this text')
    .option('-f, --follow', 'keep printing new events until interrupted (Ctrl-C)')
    .addOption(new Option('-o, --output <format>', 'text, or json (one JSON object per event)').choices(['text', 'json']).default('text'))
    .action(
      host.action(async (fn: string, opts: { stage: string; since: string; filter?: string; follow?: boolean; output: string }) => {
        const since = new Date(Date.now() - parseDuration(opts.since));
        const { openStage } = await import('../context.js');
        const { tailLogs } = await import('../monitoring/logs.js');
        const ctx = openStage(opts.stage, { cwd: host.cwd });
        const abort = new AbortController();
        const stop = () => abort.abort();
        if (opts.follow) process.once('SIGINT', stop);
        try {
          const n = await tailLogs(ctx, fn, { since, filter: opts.filter, follow: opts.follow, signal: abort.signal }, (e) =>
            host.io.out(opts.output === 'json' ? JSON.stringify({ function: e.function, timestamp: time(e.timestamp), stream: e.stream, message: e.message }) : `${time(e.timestamp)} ${e.message}`),
          );
          if (n === 0 && !opts.follow) host.io.err(`no log events of ${fn} since ${since.toISOString()}${opts.filter ? ` containing "${opts.filter}"` : ''}`);
        } finally {
          process.removeListener('SIGINT', stop);
        }
        return ExitCode.ok;
      }),
    );

  group
    .command('errors')
    .description('error-level log entries of every function since a time, grouped per function')
    .addOption(stageOption())
    .option('--since <duration>', 'how far back, e.g. 15m, 1h, 2d', '1h')
    .addOption(outputOption())
    .action(
      host.action(async (opts: { stage: string; since: string; output: string }) => {
        const since = new Date(Date.now() - parseDuration(opts.since));
        const { openStage } = await import('../context.js');
        const { errorEntries } = await import('../monitoring/logs.js');
        const ctx = openStage(opts.stage, { cwd: host.cwd });
        const found = await errorEntries(ctx, since, Object.keys(ctx.stack.functions));
        const total = found.reduce((n, f) => n + f.count, 0);
        const data = {
          stage: ctx.stage.name,
          since: since.toISOString(),
          total,
          functions: found.map((f) => ({ function: f.function, logGroup: f.logGroup, count: f.count, entries: f.entries.map((e) => ({ timestamp: time(e.timestamp), kind: e.kind, stream: e.stream, message: e.message })) })),
        };
        printResult(host.io, opts.output, data, () => [
          `${total} error-level entr${total === 1 ? 'y' : 'ies'} on ${ctx.stage.name} since ${data.since}`,
          ...found.flatMap((f) => [`${f.function}: ${f.count === 0 ? 'no errors' : `${f.count} error${f.count === 1 ? '' : 's'}`}`, ...f.entries.map((e) => `  ${time(e.timestamp)} [${e.kind}] ${indentLines(e.message)}`)]),
        ]);
        return ExitCode.ok;
      }),
    );
}
