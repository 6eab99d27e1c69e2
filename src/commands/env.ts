import type { Command } from 'commander';
import type { CommandHost } from '../cli.js';
import { TurnctlError, UsageError } from '../errors.js';
import { outputOption, printResult, stageOption } from './common.js';

/** `turnctl env show <function> --stage S`: the live environment, keys and fingerprints only. */
export function register(group: Command, host: CommandHost): void {
  group
    .command('show')
    .description("a function's live environment (the live alias): keys, source and value fingerprints — never values")
    .argument('<function>', 'function name from turnctl.yaml')
    .addOption(stageOption())
    .addOption(outputOption())
    .action(
      host.action(async (fn: string, opts: { stage: string; output?: string }) => {
        const { openStage } = await import('../context.js');
        const { getFunctionConfig } = await import('../aws/lambda.js');
        const { maskEnv, sourceOf } = await import('../secrets/resolve.js');
        const ctx = openStage(opts.stage, { cwd: host.cwd });
        const decl = ctx.stack.functions[fn];
        if (!decl) throw new UsageError(`unknown function "${fn}"; functions in turnctl.yaml: ${Object.keys(ctx.stack.functions).join(', ')}`);
        const cfg = (await getFunctionConfig(ctx, ctx.names.fn(fn), ctx.names.alias)) ?? (await getFunctionConfig(ctx, ctx.names.fn(fn)));
        if (!cfg) throw new TurnctlError(`function ${fn} is not deployed on stage ${ctx.stage.name}; apply a release first`);
        const masked = maskEnv(cfg.Environment?.Variables);
        const rows = Object.entries(masked).map(([key, fp]) => ({ key, fingerprint: fp, source: decl.environment[key] !== undefined ? sourceOf(decl.environment[key] as never) : 'not in turnctl.yaml' }));
        printResult(host.io, opts.output, { function: fn, version: cfg.Version, variables: rows }, () => [
          `${fn} (${ctx.names.fn(fn)}, version ${cfg.Version}) — values masked`,
          ...rows.map((r) => `  ${r.key.padEnd(28)} ${r.fingerprint}  ${r.source}`),
        ]);
      }),
    );
}
