import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Argument, type Command } from 'commander';
import type { CommandHost } from '../cli.js';
import { ExitCode, UsageError } from '../errors.js';
import { outputOption, parseDuration, printResult, stageOption } from './common.js';

/** `turnctl check run pre|post --stage S`: run checks outside a release. */
export function register(group: Command, host: CommandHost): void {
  group
    .command('run')
    .description('run the pre- or post-checks of a stage (those of --release, else all of that phase)')
    .addArgument(new Argument('<phase>', 'which checks').choices(['pre', 'post']))
    .addOption(stageOption())
    .option('-r, --release <manifest>', 'take the check list (and options) from this release manifest')
    .option('-c, --checks <names>', 'comma-separated check names')
    .option('--plan <file>', 'a saved plan (release plan --out) for the plan-fresh check')
    .option('--since <duration>', 'log-based checks (errors, tracking-plan) look back this far (default: from now on)')
    .addOption(outputOption())
    .action(
      host.action(async (phase: 'pre' | 'post', opts: { stage: string; release?: string; checks?: string; plan?: string; since?: string; output?: string }) => {
        // A bad --since is a usage error before anything is planned or read (it was found after --release was planned).
        const lookBack = opts.since ? parseDuration(opts.since) : 0;
        const { openStage } = await import('../context.js');
        const { loadManifest } = await import('../config/load.js');
        const { manifestSchema } = await import('../config/schema.js');
        const { checkNames, loadCheck } = await import('../checks/index.js');
        const { runChecks } = await import('../release/apply.js');
        const { assertPlanFor, preparePlan, readPlanFile, validateManifest } = await import('../release/plan.js');
        const ctx = openStage(opts.stage, { cwd: host.cwd });
        const loaded = opts.release ? loadManifest(resolve(host.cwd, opts.release)) : undefined;
        if (loaded) await validateManifest(loaded); // an unknown check in the manifest is reported at its file:line
        const manifest = loaded?.manifest ?? manifestSchema.parse({ version: '0.0.0' });
        let names: string[];
        const skipped: Array<{ name: string; reason: string }> = [];
        if (opts.checks !== undefined) {
          names = opts.checks.split(',').map((s) => s.trim()).filter(Boolean);
          // Running no check would pass: a CI job whose list came out empty must not go green on nothing.
          if (!names.length) throw new UsageError(`--checks "${opts.checks}" names no check; pass names like credentials,smoke (known checks: ${checkNames().join(', ')})`);
        }
        else if (loaded) names = manifest.checks[phase];
        else {
          names = (await Promise.all(checkNames().map(async (n) => ((await loadCheck(n))?.phase === phase ? n : undefined))))
            .filter((n): n is string => Boolean(n))
            // plan-fresh compares a plan with live state: without a release or a saved plan there is none, so the
            // default list leaves it out instead of always failing (naming it with --checks still reports why).
            .filter((n) => n !== 'plan-fresh' || Boolean(opts.plan));
          // Likewise a check turnctl.yaml makes fail whatever live is (health without a health route, cors without
          // origins): left out of the default list with a note, so a project without a gateway can pass.
          const all = names;
          names = [];
          for (const n of all) {
            const problem = await (await loadCheck(n))?.configProblem?.(ctx, all);
            if (problem) {
              skipped.push({ name: n, reason: problem });
              host.io.err(`skipped ${n}: ${problem}`);
            } else names.push(n);
          }
        }
        for (const n of names) {
          const c = await loadCheck(n);
          if (!c) throw new UsageError(`unknown check "${n}" in --checks; known checks: ${checkNames().join(', ')}`);
          // As in a manifest, where a check listed under the other phase is refused: its result there would mean nothing.
          if (c.phase !== phase) throw new UsageError(`check "${n}" is a ${c.phase}-check, not a ${phase}-check; run it with: turnctl check run ${c.phase} --checks ${n}`);
        }
        const saved = opts.plan ? await readPlanFile(resolve(host.cwd, opts.plan)) : undefined;
        // plan-fresh compares the saved plan with a fresh plan of its release: without --release, the manifest of the
        // release the plan names (releases/<version>.yaml, where a manifest's version must match its file name).
        let planned = loaded;
        if (saved && !planned && names.includes('plan-fresh')) {
          const file = join(ctx.project.dir, 'releases', `${saved.release}.yaml`);
          if (!existsSync(file)) throw new UsageError(`--plan is for release ${saved.release}, but releases/${saved.release}.yaml does not exist; pass its manifest with --release`);
          planned = loadManifest(file);
          await validateManifest(planned);
        }
        const fresh = planned ? (await preparePlan(ctx, planned)).plan : undefined;
        if (saved && fresh) assertPlanFor(saved, fresh.stage, fresh.release, resolve(host.cwd, opts.plan!));
        const plan = saved ?? fresh;
        const results = await runChecks(ctx, names, phase, { manifest, digest: fresh?.digest ?? '', plan, freshPlan: fresh, startedAt: new Date(Date.now() - lookBack) });
        const ok = results.every((r) => r.ok);
        printResult(host.io, opts.output, { phase, stage: ctx.stage.name, ok, checks: results, ...(skipped.length ? { skipped } : {}) }, () => results.map((r) => `${r.ok ? '✔' : '✖'} ${r.name}: ${r.detail}`));
        return ok ? ExitCode.ok : ExitCode.failure;
      }),
    );
}
