import { Option, type Command } from 'commander';
import type { CommandHost } from '../cli.js';
import { outputOption, printResult, stageOption, yesOption } from './common.js';

interface StageOpts {
  stage: string;
  output?: string;
  yes?: boolean;
  limit?: string;
}

/** What build, publish and list say when turnctl.yaml declares no layer (rather than printing nothing). */
const NO_LAYERS = 'no layers declared in turnctl.yaml';

/** `turnctl layers build|publish|attach|list|builds`. */
export function register(group: Command, host: CommandHost): void {
  const { io } = host;

  /** Opens the stage with a spinner fed by ctx.progress; `done` stops it. */
  async function open(opts: StageOpts, first: string) {
    const { openStage } = await import('../context.js');
    const spinner = io.spinner(first);
    const ctx = openStage(opts.stage, { cwd: host.cwd, progress: (t) => spinner.update(t) });
    return { ctx, spinner };
  }
  async function withSpinner<T>(opts: StageOpts, first: string, fn: (ctx: Awaited<ReturnType<typeof open>>['ctx'], spinner: Awaited<ReturnType<typeof open>>['spinner']) => Promise<T>): Promise<T> {
    const { ctx, spinner } = await open(opts, first);
    try {
      const r = await fn(ctx, spinner);
      spinner.stop();
      return r;
    } catch (err) {
      spinner.fail(first);
      throw err;
    }
  }

  group
    .command('build')
    .description('build layer zips (npm ci on local, CodeBuild on AWS stages) without publishing; cached by content hash')
    .argument('[layers...]', 'layer names (default: all declared)')
    .addOption(stageOption())
    .addOption(outputOption())
    .action(
      host.action(async (layers: string[], opts: StageOpts) => {
        const { layerTargets } = await import('../layers/targets.js');
        const { buildTarget } = await import('../layers/publish.js');
        const results = await withSpinner(opts, 'building layers', async (ctx) => {
          const out = [];
          for (const t of layerTargets(ctx, layers)) {
            const a = await buildTarget(ctx, t);
            out.push({ layer: t.layer, runtime: t.runtime, hash: t.hash, via: t.via, artifact: a.kind === 'file' ? a.path : `s3://${a.bucket}/${a.key}`, cached: a.cached });
          }
          return out;
        });
        printResult(io, opts.output, { layers: results }, () =>
          results.length ? results.map((r) => `${r.layer} (${r.runtime}) ${r.hash.slice(0, 12)}  ${r.cached ? 'cached' : 'built'}  ${r.artifact}`) : NO_LAYERS,
        );
      }),
    );

  group
    .command('publish')
    .description('build and publish a new layer version for each layer whose lock file has no published version yet')
    .argument('[layers...]', 'layer names (default: all declared)')
    .addOption(stageOption())
    .addOption(outputOption())
    .action(
      host.action(async (layers: string[], opts: StageOpts) => {
        const { layerTargets } = await import('../layers/targets.js');
        const { ensurePublished } = await import('../layers/publish.js');
        const results = await withSpinner(opts, 'publishing layers', async (ctx) => {
          const out = [];
          for (const t of layerTargets(ctx, layers)) out.push(await ensurePublished(ctx, t));
          return out;
        });
        printResult(io, opts.output, { layers: results }, () =>
          results.length
            ? results.map((r) => `${r.layer} (${r.runtime}) ${r.hash.slice(0, 12)}  ${r.published ? `published version ${r.version}` : `up to date (version ${r.version})`}  ${r.arn}`)
            : NO_LAYERS,
        );
      }),
    );

  group
    .command('attach')
    .description("attach the published version of each layer's current lock file to every function naming it (new function version, live alias moved)")
    .argument('[layers...]', 'layer names (default: all declared)')
    .addOption(stageOption())
    .addOption(outputOption())
    .addOption(yesOption())
    .action(
      host.action(async (layers: string[], opts: StageOpts) => {
        const { confirmOrRefuse } = await import('../io.js');
        const { attachLayers } = await import('../layers/attach.js');
        const results = await withSpinner(opts, 'attaching layers', (ctx, spinner) =>
          attachLayers(ctx, layers, async (fns) => {
            spinner.stop();
            await confirmOrRefuse(io, {
              yes: opts.yes,
              message: `Attach layers to ${fns.join(', ')} on stage ${ctx.stage.name} (a new version of each, live alias moved)?`,
              ...(ctx.stage.confirm ? { typed: ctx.stage.name } : {}),
            });
          }),
        );
        printResult(io, opts.output, { functions: results }, () =>
          results.length
            ? results.map((r) => `${r.function}: ${r.changed ? `live → version ${r.version}` : 'already attached'}  ${r.layers.map((a) => a.split(':').slice(-2).join(':')).join(', ')}`)
            : 'no function names these layers',
        );
      }),
    );

  group
    .command('list')
    .description('declared layers: content hash, published versions, and the version each function runs')
    .argument('[layers...]', 'layer names (default: all declared)')
    .addOption(stageOption())
    .addOption(outputOption())
    .action(
      host.action(async (layers: string[], opts: StageOpts) => {
        const { layerStatus } = await import('../layers/status.js');
        const rows = await withSpinner(opts, 'reading layers', (ctx) => layerStatus(ctx, layers));
        printResult(io, opts.output, { layers: rows }, () =>
          rows.length
            ? rows.flatMap((r) => [
                `${r.layer} (${r.runtime})  ${r.deployedName}  lock ${r.hash.slice(0, 12)}  ${r.current ? `published as version ${r.current.version}` : 'NOT PUBLISHED (run turnctl layers publish)'}  ${r.versions} version(s)`,
                ...r.functions.map((f) => `  ${f.function}: ${f.attachedVersion === null ? 'not attached' : `version ${f.attachedVersion}${f.attachedVersion === r.current?.version ? '' : ' (stale)'}`}`),
              ])
            : NO_LAYERS,
        );
      }),
    );

  group
    .command('builds')
    .description("CodeBuild build history of a layer on the stage: status, start/end time, source version")
    .argument('<layer>', 'layer name')
    .addOption(stageOption())
    .addOption(outputOption())
    .addOption(new Option('-n, --limit <n>', 'newest builds to show').default('20'))
    .action(
      host.action(async (layer: string, opts: StageOpts) => {
        const { UsageError } = await import('../errors.js');
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit "${opts.limit}" is not a positive whole number`);
        const { layerTargets } = await import('../layers/targets.js');
        const { layerBuilds } = await import('../layers/codebuild.js');
        const builds = await withSpinner(opts, `reading CodeBuild history of ${layer}`, async (ctx) => {
          const t = layerTargets(ctx, [layer])[0]!;
          if (t.via === 'local') {
            const why = ctx.stack.layers?.[layer]?.build.via === 'local' ? `layers.${layer}.build.via is local` : 'build.via auto builds locally on sandbox stages';
            io.err(`layer ${layer} builds locally on stage ${ctx.stage.name} (${why}); it has no CodeBuild history there`);
            return [];
          }
          return layerBuilds(ctx, t, limit);
        });
        printResult(io, opts.output, { layer, builds }, () =>
          builds.length
            ? builds.map((b) => `${b.status.padEnd(11)} ${b.startTime ?? '-'} → ${b.endTime ?? '-'}  ${b.runtime ?? ''} lock ${b.hash?.slice(0, 12) ?? '-'}  source ${b.sourceVersion ?? '-'}  ${b.id}`)
            : `no CodeBuild builds of layer ${layer} on this stage`,
        );
      }),
    );
}
