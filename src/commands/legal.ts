import type { Command } from 'commander';
import type { CommandHost } from '../cli.js';
import { ExitCode } from '../errors.js';
import { confirmOrRefuse } from '../io.js';
import { openStage } from '../context.js';
import { loadProject } from '../config/load.js';
import { oneLine, outputOption, printResult, progressLines, stageOption, table, yesOption } from './common.js';

/** `turnctl legal ...`: the legal documents of a stage. */
export function register(group: Command, host: CommandHost): void {
  const { io } = host;
  const open = (stage: string) => openStage(stage, { cwd: host.cwd, progress: progressLines(io) });
  const svc = () => import('../legal/service.js');

  group
    .command('publish [docs...]')
    .description('render legal/<doc>.md to HTML and publish both to the stage\'s legal bucket, then index.json (all changed docs when none is named); asks for confirmation')
    .addOption(stageOption())
    .addOption(yesOption())
    .addOption(outputOption())
    .action(
      host.action(async (ids: string[], o: { stage: string; yes?: boolean; output: string }) => {
        const s = await svc();
        // The sources are checked before the stage is opened (front matter errors come first, with file:line).
        const project = loadProject(host.cwd);
        s.loadDocs({ project, stack: project.config }, ids);
        const ctx = open(o.stage);
        const plan = await s.planPublish(ctx, ids);
        const todo = plan.decisions.filter((d) => d.kind === 'publish');
        const unchanged = plan.decisions.filter((d) => d.kind === 'unchanged').map((d) => d.doc.id);
        if (!todo.length) {
          printResult(io, o.output, { published: [], unchanged }, () => `nothing to publish: ${unchanged.join(', ')} ${unchanged.length === 1 ? 'is' : 'are'} up to date on stage ${ctx.stage.name}`);
          return;
        }
        for (const d of todo) io.err(`${d.doc.id}: ${d.kind === 'publish' && d.previous ? `${d.previous.version} → ` : 'new, '}${d.doc.version} (effective ${d.doc.effectiveDate}): ${oneLine(d.doc.summary)}`);
        await confirmOrRefuse(io, { yes: o.yes, message: `Publish ${todo.map((d) => `${d.doc.id} ${d.doc.version}`).join(', ')} on stage ${ctx.stage.name}?`, typed: ctx.stage.confirm ? ctx.stage.name : undefined });
        const published = await s.applyPublish(ctx, todo.map((d) => d.doc), { etag: plan.etag, via: 'cli' });
        printResult(io, o.output, { published, unchanged }, () => [
          ...published.map((p) => `published ${p.doc} ${p.version}${p.previousVersion ? ` (was ${p.previousVersion})` : ''} → ${p.key}`),
          ...(unchanged.length ? [`unchanged: ${unchanged.join(', ')}`] : []),
        ]);
      }),
    );

  group
    .command('status')
    .description('each document: local version and effective date against the live ones')
    .option('--exit-code', 'exit 2 when a document is not up to date on the stage (for CI)')
    .addOption(stageOption())
    .addOption(outputOption())
    .action(
      host.action(async (o: { stage: string; output: string; exitCode?: boolean }) => {
        const rows = await (await svc()).legalStatus(open(o.stage));
        printResult(io, o.output, rows, () =>
          rows.length
            ? [
                ...table([['DOC', 'LOCAL', 'LOCAL EFFECTIVE', 'LIVE', 'LIVE EFFECTIVE', 'STATE'], ...rows.map((r) => [r.doc, r.localVersion ?? '-', r.localEffectiveDate ?? '-', r.liveVersion ?? '-', r.liveEffectiveDate ?? '-', r.state])]),
                ...rows.filter((r) => r.problem).map((r) => `${r.doc}: ${r.problem}`),
              ]
            : 'no legal documents',
        );
        return o.exitCode && rows.some((r) => r.state !== 'up-to-date') ? ExitCode.changesPending : ExitCode.ok;
      }),
    );

  group
    .command('diff <doc>')
    .description('unified diff of the live version against legal/<doc>.md')
    .option('--exit-code', 'exit 2 when the source differs from the live version (for CI)')
    .addOption(stageOption())
    .addOption(outputOption())
    .action(
      host.action(async (id: string, o: { stage: string; output: string; exitCode?: boolean }) => {
        const res = await (await svc()).legalDiff(open(o.stage), id);
        printResult(io, o.output, res, () => (res.changed ? res.patch.trimEnd() : `${id}: no difference from the live version ${res.liveVersion}`));
        return o.exitCode && res.changed ? ExitCode.changesPending : ExitCode.ok;
      }),
    );

  group
    .command('history <doc>')
    .description('every published version and rollback of a document: who, when, summary')
    .addOption(stageOption())
    .addOption(outputOption())
    .action(
      host.action(async (id: string, o: { stage: string; output: string }) => {
        const ctx = open(o.stage);
        const { entries, unreadable } = await (await svc()).legalHistory(ctx, id);
        if (unreadable.length)
          io.err(`warning: ${unreadable.length} object${unreadable.length === 1 ? '' : 's'} under changelog/${id}/ in s3://${(await import('../legal/store.js')).legalBucket(ctx)} could not be read as a change-log record and ${unreadable.length === 1 ? 'is' : 'are'} left out: ${unreadable.join(', ')}`);
        printResult(io, o.output, entries, () =>
          entries.length
            ? table([['WHEN', 'ACTION', 'VERSION', 'WHO', 'SUMMARY'], ...entries.map((e) => [e.at, e.action, e.docVersion, e.who, e.summary])])
            : `no history for "${id}" on this stage`,
        );
      }),
    );

  group
    .command('rollback <doc>')
    .description('make an earlier published version current again in index.json; asks for confirmation')
    .requiredOption('--to <version>', 'the published version to make current')
    .option('--reason <text>', 'why (goes to the change log)')
    .addOption(stageOption())
    .addOption(yesOption())
    .addOption(outputOption())
    .action(
      host.action(async (id: string, o: { to: string; reason?: string; stage: string; yes?: boolean; output: string }) => {
        const ctx = open(o.stage);
        const s = await svc();
        const plan = await s.planRollback(ctx, id, o.to);
        await confirmOrRefuse(io, { yes: o.yes, message: `Roll ${id} back from ${plan.from.version} to ${plan.to.version} on stage ${ctx.stage.name}?`, typed: ctx.stage.confirm ? ctx.stage.name : undefined });
        const entry = await s.applyRollback(ctx, plan, { reason: o.reason });
        printResult(io, o.output, entry, () => `${id}: ${oneLine(entry.summary)}`);
      }),
    );
}
