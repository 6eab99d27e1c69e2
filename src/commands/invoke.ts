import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CommandHost } from '../cli.js';
import { ExitCode, UsageError } from '../errors.js';
import { outputOption, printResult, stageOption } from './common.js';

/** `turnctl invoke <function> --stage S [--event file.json]` */
export function register(group: Command, host: CommandHost): void {
  group
    .argument('<function>', 'function name from turnctl.yaml')
    .addOption(stageOption())
    .option('-e, --event <file>', 'event JSON file (default: {})')
    .option('--smoke', "send the function's smoke event (what the smoke post-check sends)")
    .option('--logs', 'print the function log lines to stderr')
    .addOption(outputOption())
    .action(
      host.action(async (fn: string, opts: { stage: string; event?: string; smoke?: boolean; logs?: boolean; output?: string }) => {
        const { openStage } = await import('../context.js');
        const { readEventFile, smokeEvent } = await import('../checks/smoke.js');
        const { invokeFunction } = await import('../invoke/invoke.js');
        if (opts.event && opts.smoke) throw new UsageError('--event and --smoke name two events; pass one');
        const ctx = openStage(opts.stage, { cwd: host.cwd });
        // An unknown function gets {} here and invokeFunction's usage error naming the declared ones.
        const event = opts.smoke && ctx.stack.functions[fn] ? smokeEvent(ctx, fn) : opts.event ? readEventFile(resolve(host.cwd, opts.event)) : {};
        const r = await invokeFunction(ctx, fn, event);
        if (opts.logs) for (const l of r.logs.split('\n').filter(Boolean)) host.io.err(l);
        printResult(host.io, opts.output, { function: fn, version: r.version, ok: r.ok, statusCode: r.statusCode ?? null, error: r.error ?? null, payload: r.payload }, () => JSON.stringify(r.payload, null, 2));
        if (r.error) host.io.err(`error: function ${fn} (version ${r.version ?? '?'}) on stage ${ctx.stage.name} failed: ${r.error}${opts.logs ? '' : '; see its log lines with --logs'}`);
        return r.ok ? ExitCode.ok : ExitCode.failure;
      }),
    );
}
