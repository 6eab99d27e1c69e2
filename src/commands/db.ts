import type { Command } from 'commander';
import { Option } from 'commander';
import type { CommandHost } from '../cli.js';
import { confirmOrRefuse } from '../io.js';
import { outputOption, printResult, stageOption, yesOption } from './common.js';

/** `turnctl db …`: knex migrations of a stage's database (PGlite on sandbox stages, Postgres elsewhere). */
export function register(group: Command, host: CommandHost): void {
  const { io } = host;
  const svc = () => import('../db/service.js');
  const open = async (stage: string, spinnerText?: string) => {
    const { openStage } = await import('../context.js');
    const spinner = spinnerText ? io.spinner(spinnerText) : undefined;
    const ctx = openStage(stage, { cwd: host.cwd, progress: (t) => spinner?.update(t) });
    return { ctx, spinner };
  };

  group
    .command('status')
    .description('applied and pending migrations of a stage, with destructive statements (file:line)')
    .addOption(stageOption())
    .addOption(outputOption())
    .action(
      host.action(async (opts: { stage: string; output?: string }) => {
        const { ctx } = await open(opts.stage);
        const s = await (await svc()).dbStatus(ctx);
        printResult(io, opts.output, s, () => {
          if (!s.migrations.length) return `no migrations (${s.database})`;
          const lines = s.migrations.map((m) => {
            const state = m.status === 'applied' ? `applied (batch ${m.batch})` : m.status;
            const flag = m.destructive.length ? `  destructive: ${m.destructive.map((d) => `${d.kind} at ${d.where}`).join(', ')}` : '';
            const broken = m.syntaxError ? `  syntax error at ${m.syntaxError}` : '';
            return `${state.padEnd(18)} ${m.name}${flag}${broken}`;
          });
          const pending = s.migrations.filter((m) => m.status === 'pending').length;
          return [...lines, `${pending} pending on stage ${s.stage}`];
        });
      }),
    );

  group
    .command('migrate')
    .description('run every pending migration as one batch')
    .addOption(stageOption())
    .addOption(yesOption())
    .addOption(new Option('--allow-destructive', 'run destructive migrations (drop, rename, type change, NOT NULL without default)'))
    .addOption(outputOption())
    .action(
      host.action(async (opts: { stage: string; yes?: boolean; allowDestructive?: boolean; output?: string }) => {
        const { ctx, spinner } = await open(opts.stage, `checking migrations of stage ${opts.stage}`);
        try {
          const r = await (await svc()).dbMigrate(ctx, {
            allowDestructive: opts.allowDestructive,
            confirm: async (names, db) => {
              spinner?.stop();
              for (const n of names) io.err(`  + ${n}`);
              await confirmOrRefuse(io, { yes: opts.yes, message: `Run ${names.length} migration(s) on ${db}?`, typed: ctx.stage.confirm ? ctx.stage.name : undefined });
            },
          });
          spinner?.stop();
          printResult(io, opts.output, { stage: ctx.stage.name, ...r }, () =>
            r.migrations.length ? [`batch ${r.batch}:`, ...r.migrations.map((m) => `  ${m}`)] : 'no pending migrations',
          );
        } catch (err) {
          spinner?.fail();
          throw err;
        }
      }),
    );

  group
    .command('rollback')
    .description("run down of the last batch (refused when a migration in it has no down: fix forward)")
    .addOption(stageOption())
    .addOption(yesOption())
    .addOption(outputOption())
    .action(
      host.action(async (opts: { stage: string; yes?: boolean; output?: string }) => {
        const { ctx, spinner } = await open(opts.stage, `reading the last batch of stage ${opts.stage}`);
        try {
          const r = await (await svc()).dbRollback(ctx, {
            confirm: async (names, db) => {
              spinner?.stop();
              for (const n of names) io.err(`  - ${n}`);
              await confirmOrRefuse(io, { yes: opts.yes, message: `Roll back ${names.length} migration(s) on ${db}?`, typed: ctx.stage.confirm ? ctx.stage.name : undefined });
            },
          });
          spinner?.stop();
          printResult(io, opts.output, { stage: ctx.stage.name, ...r }, () =>
            r.rolledBack.length ? [`rolled back batch ${r.batch}:`, ...r.rolledBack.map((m) => `  ${m}`)] : 'nothing to roll back',
          );
        } catch (err) {
          spinner?.fail();
          throw err;
        }
      }),
    );

  group
    .command('make')
    .description('create a timestamped migration (up/down skeleton) in the migrations directory')
    .argument('<name>', 'lower-case words joined by underscores, e.g. add_cars_table')
    .option('-s, --stage <name>', 'accepted like on every db command (a migration is the same for every stage); must name a stage')
    .action(
      host.action(async (name: string, opts: { stage?: string }) => {
        const { loadProject, resolveStage } = await import('../config/load.js');
        const project = loadProject(host.cwd);
        if (opts.stage) resolveStage(project, opts.stage);
        io.out((await svc()).dbMake(project, name));
      }),
    );

  group
    .command('seed')
    .description('run the local seeds (db/seeds/local/*.mjs) — sandbox stages only')
    .addOption(stageOption())
    .addOption(outputOption())
    .action(
      host.action(async (opts: { stage: string; output?: string }) => {
        const { ctx } = await open(opts.stage);
        const files = await (await svc()).dbSeed(ctx);
        printResult(io, opts.output, { stage: ctx.stage.name, seeds: files }, () => (files.length ? files.map((f) => `seeded ${f}`) : 'no seed files'));
      }),
    );
}
