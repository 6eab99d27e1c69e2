import { resolve } from 'node:path';
import { Argument, Option, type Command } from 'commander';
import type { CommandHost } from '../cli.js';
import { ExitCode, failureLine, UsageError } from '../errors.js';
import { confirmOrRefuse, type Io, type Spinner } from '../io.js';
import { outputOption, printResult, stageOption, writeResultFile, yesOption } from './common.js';

/** `--force` of resume/rollback: take over a lock held from another host before its TTL. */
const forceOption = () => new Option('--force', "take over the lock of a run held from another host before its TTL (only when that apply is dead)");

interface StageOpts {
  stage: string;
  output?: string;
  yes?: boolean;
}

/** A spinner whose text follows ctx.progress; results still go to stdout. */
function progressOf(io: Io): { progress: (t: string) => void; spinner: () => Spinner; stop: () => void } {
  let spinner: Spinner | undefined;
  return {
    progress: (t) => (spinner ? spinner.update(t) : (spinner = io.spinner(t))),
    spinner: () => (spinner ??= io.spinner('working')),
    stop: () => {
      spinner?.stop();
      spinner = undefined;
    },
  };
}

async function open(host: CommandHost, stage: string, progress: (t: string) => void) {
  const { openStage } = await import('../context.js');
  return openStage(stage, { cwd: host.cwd, progress });
}

/**
 * Ctrl-C or a CI cancel (SIGTERM) while a run holds the stage leaves it locked and half applied; the journal has it.
 * Say so in one line with the two ways out, then die of the signal as before (exit 130/143).
 */
function interruptHint(io: Io, stage: string, stop: () => void): { arm: (run: string) => void; disarm: () => void } {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  let handler: ((sig: NodeJS.Signals) => void) | undefined;
  const disarm = () => {
    if (handler) for (const sig of signals) process.removeListener(sig, handler);
    handler = undefined;
  };
  return {
    arm: (run) => {
      disarm();
      handler = (sig) => {
        disarm();
        stop();
        io.err(`error: interrupted (${sig}) while run ${run} held stage ${stage}; it stays locked: finish it with turnctl release resume --stage ${stage}, or undo it with turnctl release rollback ${run} --stage ${stage}`);
        process.kill(process.pid, sig);
      };
      for (const sig of signals) process.once(sig, handler);
    },
    disarm,
  };
}

function engineEvents(io: Io, stop: () => void, onRun?: (run: string) => void) {
  return (e: import('../release/apply.js').EngineEvent) => {
    stop();
    if (e.type === 'run') onRun?.(e.run);
    if (e.type === 'check') io.err(`${e.result.ok ? '✔' : '✖'} ${e.phase}-check ${e.result.name}: ${e.result.detail}`);
    else if (e.type === 'step' && e.status !== 'start') io.err(`${e.status === 'done' ? '✔' : '✖'} ${e.section}: ${e.changes} change(s)${e.error ? ` — ${e.error}` : ''}`);
    else if (e.type === 'rollback' && e.status === 'start') io.err('↺ rolling back…');
    else if (e.type === 'rollback' && e.status === 'done') {
      for (const r of e.restored ?? []) io.err(`  restored: ${r}`);
      for (const k of e.kept ?? []) io.err(`  kept: ${k}`);
      if (e.blocked) io.err(`  not restored: ${e.blocked}`);
    }
  };
}

/** With `--output json`, a failed run still prints its outcome (status, failed checks, what was restored) to stdout. */
async function jsonOnFailure<T>(io: Io, output: string | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const details = (err as { details?: Record<string, unknown> }).details;
    if (output === 'json' && details) io.out(JSON.stringify({ ...details, error: failureLine(err) }, null, 2));
    throw err;
  }
}

/** `turnctl release …` */
export function register(group: Command, host: CommandHost): void {
  const { io } = host;

  group
    .command('plan')
    .description('plan a release against the live state of a stage and show every change (secrets masked)')
    .addArgument(new Argument('<manifest>', 'release manifest, e.g. releases/1.0.0.yaml'))
    .addOption(stageOption())
    .addOption(outputOption())
    .option('--out <file>', 'save the plan as JSON for release apply --plan')
    .option('--exit-code', 'exit 2 when there are changes (0 when none)')
    .action(
      host.action(async (manifestPath: string, opts: StageOpts & { out?: string; exitCode?: boolean }) => {
        const { loadManifest } = await import('../config/load.js');
        const { preparePlan, changeCount } = await import('../release/plan.js');
        const { renderPlan } = await import('../release/render.js');
        const p = progressOf(io);
        const ctx = await open(host, opts.stage, p.progress);
        const loaded = loadManifest(resolve(host.cwd, manifestPath));
        const { readLock, describeLock } = await import('../release/lock.js');
        // A plan of a locked stage shows what another apply is changing right now (or left half done): say so.
        const [{ plan }, lock] = await Promise.all([preparePlan(ctx, loaded), readLock(ctx)]);
        p.stop();
        if (lock) io.err(`warning: ${describeLock(ctx, lock)}`);
        if (opts.out) writeResultFile(host.cwd, opts.out, `${JSON.stringify(plan, null, 2)}\n`, '--out');
        printResult(io, opts.output, plan, () => renderPlan(plan, io.color));
        if (opts.out) io.err(`plan saved to ${opts.out}; apply it with: turnctl release apply ${manifestPath} --stage ${opts.stage} --plan ${opts.out}`);
        // Post-checks pending for a promotion are work for apply too: a CI job that skips apply on 0 would never record them.
        return opts.exitCode && (changeCount(plan) > 0 || plan.verify) ? ExitCode.changesPending : ExitCode.ok;
      }),
    );

  group
    .command('apply')
    .description('apply a release in checklist order with pre- and post-checks; rolls back on failure')
    .addArgument(new Argument('<manifest>', 'release manifest, e.g. releases/1.0.0.yaml'))
    .addOption(stageOption())
    .addOption(outputOption())
    .addOption(yesOption())
    .option('--plan <file>', 'apply exactly this saved plan (refused when stale)')
    .action(
      host.action(async (manifestPath: string, opts: StageOpts & { plan?: string }) => {
        const { loadManifest } = await import('../config/load.js');
        const { applyRelease, outcomeOf } = await import('../release/apply.js');
        const { readPlanFile } = await import('../release/plan.js');
        const { ranChecksOnly } = await import('../release/journal.js');
        const { renderPlan } = await import('../release/render.js');
        const p = progressOf(io);
        const ctx = await open(host, opts.stage, p.progress);
        const loaded = loadManifest(resolve(host.cwd, manifestPath));
        const savedPlan = opts.plan ? { plan: await readPlanFile(resolve(host.cwd, opts.plan)), file: resolve(host.cwd, opts.plan) } : undefined;
        const show = (lines: string[]) => lines.forEach((l) => (opts.output === 'json' ? io.err(l) : io.out(l)));
        const hint = interruptHint(io, ctx.stage.name, p.stop);
        const outcome = await jsonOnFailure(io, opts.output, () => applyRelease(ctx, loaded, {
          savedPlan,
          onEvent: engineEvents(io, p.stop, hint.arm),
          confirm: async (plan) => {
            p.stop();
            show(renderPlan(plan, io.color));
            await confirmOrRefuse(io, { yes: opts.yes, message: `Apply release ${plan.release} to stage ${ctx.stage.name}?`, typed: ctx.stage.confirm ? ctx.stage.name : undefined });
          },
        })).finally(hint.disarm);
        p.stop();
        if (outcome.status === 'no-changes') {
          printResult(io, opts.output, { status: 'no-changes', release: outcome.plan.release, stage: ctx.stage.name, summary: outcome.plan.summary }, () => renderPlan(outcome.plan, io.color));
          return ExitCode.ok;
        }
        const j = outcome.journal!;
        printResult(io, opts.output, outcomeOf(j), () =>
          ranChecksOnly(j)
            ? `Release ${j.release}: no changes on ${j.stage}; post-checks passed and recorded in run ${j.run}${Object.values(ctx.project.config.stages).some((s) => s.promoteFrom === j.stage) ? ` for the stages that promote from ${j.stage}` : ''}.`
            : `Release ${j.release} applied to ${j.stage} (run ${j.run}); post-checks passed.`,
        );
        return ExitCode.ok;
      }),
    );

  group
    .command('status')
    .description('the newest run of a stage and who holds its lock')
    .addOption(stageOption())
    .addOption(outputOption())
    .action(
      host.action(async (opts: StageOpts) => {
        const { findRun } = await import('../release/journal.js');
        const { readLock, describeLock } = await import('../release/lock.js');
        const { renderRun } = await import('../release/render.js');
        const ctx = await open(host, opts.stage, () => {});
        const [run, lock] = await Promise.all([findRun(ctx), readLock(ctx)]);
        printResult(io, opts.output, { stage: ctx.stage.name, lock: lock ?? null, run: run ?? null }, () => [
          lock ? describeLock(ctx, lock) : `stage ${ctx.stage.name} is not locked`,
          ...(run ? renderRun(run, lock?.run) : ['no release has been applied to this stage']),
        ]);
      }),
    );

  group
    .command('history')
    .description('every run on a stage, newest first')
    .addOption(stageOption())
    .addOption(outputOption())
    .action(
      host.action(async (opts: StageOpts) => {
        const { listRuns, ranChecksOnly, readJournal } = await import('../release/journal.js');
        const { readLock } = await import('../release/lock.js');
        const { isInterrupted } = await import('../release/render.js');
        const ctx = await open(host, opts.stage, () => {});
        const [runs, lock] = await Promise.all([listRuns(ctx), readLock(ctx)]);
        const journals = (await Promise.all(runs.map((r) => readJournal(ctx, r.key)))).filter((j) => j !== undefined);
        // `interrupted`: the journal says running but the lock was broken (release unlock): only a rollback finishes it.
        // `verification`: a run without changes that recorded a release's post-checks for a stage promoting from this one.
        const rows = journals.map((j) => ({ run: j.run, release: j.release, status: j.status, interrupted: isInterrupted(j, lock?.run), verification: ranChecksOnly(j), holder: j.holder, startedAt: j.startedAt, finishedAt: j.finishedAt ?? null, digest: j.digest, summary: j.plan.summary, postChecksPassed: j.postChecksPassed, failedCheck: j.failedCheck ?? null }));
        printResult(io, opts.output, rows, () =>
          rows.length === 0 ? ['no runs on this stage'] : rows.map((r) => `${r.run}  ${r.release.padEnd(10)} ${(r.interrupted ? 'interrupted' : r.verification && r.status === 'succeeded' ? 'verified' : r.status).padEnd(16)} ${r.startedAt}  ${r.holder}${r.failedCheck ? `  failed: ${r.failedCheck}` : ''}`),
        );
      }),
    );

  group
    .command('rollback')
    .description('restore the before-state recorded by a run (default: the newest), in reverse checklist order')
    .argument('[run]', 'run id (see release history)')
    .addOption(stageOption())
    .addOption(yesOption())
    .addOption(forceOption())
    .addOption(outputOption())
    .action(
      host.action(async (run: string | undefined, opts: StageOpts & { force?: boolean }) => {
        const { rollbackCommand } = await import('../release/rollback.js');
        const p = progressOf(io);
        const ctx = await open(host, opts.stage, p.progress);
        const j = await rollbackCommand(ctx, run, {
          onEvent: engineEvents(io, p.stop),
          force: opts.force,
          confirm: async (journal) => {
            p.stop();
            await confirmOrRefuse(io, { yes: opts.yes, message: `Roll back run ${journal.run} (release ${journal.release}) on stage ${ctx.stage.name}?`, typed: ctx.stage.confirm ? ctx.stage.name : undefined });
          },
        });
        p.stop();
        if (!j) {
          printResult(io, opts.output, { status: 'nothing-to-roll-back', stage: ctx.stage.name }, () => `no release was applied to stage ${ctx.stage.name}; nothing to roll back`);
          return ExitCode.ok;
        }
        printResult(io, opts.output, { status: j.status, run: j.run, release: j.release, rollback: j.rollback }, () =>
          j.status === 'rolled-back' ? `Run ${j.run} (release ${j.release}) rolled back on ${j.stage}.` : `Run ${j.run} rolled back except: ${j.rollback?.blocked}`,
        );
        return j.status === 'rolled-back' ? ExitCode.ok : ExitCode.failure;
      }),
    );

  group
    .command('resume')
    .description('finish an apply whose process died (the run that holds the lock)')
    .addOption(stageOption())
    .addOption(yesOption())
    .addOption(forceOption())
    .addOption(outputOption())
    .action(
      host.action(async (opts: StageOpts & { force?: boolean }) => {
        const { resumeRelease } = await import('../release/rollback.js');
        const p = progressOf(io);
        const ctx = await open(host, opts.stage, p.progress);
        const hint = interruptHint(io, ctx.stage.name, p.stop);
        const outcome = await resumeRelease(ctx, {
          force: opts.force,
          onEvent: engineEvents(io, p.stop, hint.arm),
          confirm: async (plan) => {
            p.stop();
            await confirmOrRefuse(io, { yes: opts.yes, message: `Resume release ${plan.release} on stage ${ctx.stage.name}?`, typed: ctx.stage.confirm ? ctx.stage.name : undefined });
          },
        }).finally(hint.disarm);
        p.stop();
        if (!outcome) {
          printResult(io, opts.output, { status: 'nothing-to-resume', stage: ctx.stage.name }, () => `nothing to resume on stage ${ctx.stage.name}: no apply holds its lock`);
          return;
        }
        const j = outcome.journal!;
        printResult(io, opts.output, { status: j.status, run: j.run, release: j.release, steps: j.steps.map((s) => ({ section: s.section, status: s.status })) }, () => `Run ${j.run} (release ${j.release}) resumed and finished; post-checks passed.`);
      }),
    );

  group
    .command('unlock')
    .description("break a stage's apply lock (names the holder; needs --yes)")
    .addOption(stageOption())
    .addOption(yesOption())
    .action(
      host.action(async (opts: StageOpts) => {
        const { readLock, deleteLock, describeLock } = await import('../release/lock.js');
        const ctx = await open(host, opts.stage, () => {});
        const lock = await readLock(ctx);
        if (!lock) {
          io.out(`stage ${ctx.stage.name} is not locked`);
          return;
        }
        io.err(describeLock(ctx, lock));
        if (!opts.yes) throw new UsageError(`refusing to break the lock held by ${lock.holder} without --yes`);
        await deleteLock(ctx);
        io.out(`lock of stage ${ctx.stage.name} (held by ${lock.holder}, run ${lock.run}) removed`);
      }),
    );
}
