import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Knex } from 'knex';
import type { Ctx } from '../context.js';
import { InvalidInputError, TurnctlError } from '../errors.js';
import { loadPgliteExtensions, maskCredentials, migrationsDir, resolveTarget, stageDatabase, withKnex, isMissingDatabase, type DbTarget } from './connection.js';
import type { MigrateEvent, MigrateResponse } from './contract.js';
import { foldLines, listCompleted, migrationFiles, runDown, runLatest, type CompletedMigration, type MigrationFile, type MigrationRef } from './core.js';

/** Runs migrations against a stage's database, directly or through the `migrate` Lambda. */
export interface MigrationRunner {
  /** Safe description of where the database is (no URL). */
  readonly label: string;
  /** Completed migrations in run order; empty when the database or the bookkeeping table does not exist. */
  completed(): Promise<CompletedMigration[]>;
  /** The runner's migration files with whether each exports `down`. */
  files(): Promise<MigrationFile[]>;
  /** All pending migrations as one batch; refuses when the runner's files are not `expect`. */
  latest(expect: MigrationRef[]): Promise<{ batch: number | null; migrations: string[] }>;
  /** `down` of the named migrations in that order; returns those rolled back. */
  down(names: string[]): Promise<string[]>;
  /** Runs several calls over one connection (direct: opened once, closed at the end). */
  session<T>(fn: (runner: MigrationRunner) => Promise<T>): Promise<T>;
}

/**
 * turnctl connects to the database itself. Each call (or session) opens the connection and closes it at the end:
 * a PGlite directory may be open in one process at a time.
 */
export function directRunner(target: DbTarget, dir: string, open?: Knex): MigrationRunner {
  const use = <T>(fn: (k: Knex) => Promise<T>): Promise<T> => (open ? fn(open) : withKnex(target, fn));
  const runner: MigrationRunner = {
    label: target.label,
    async completed() {
      if (!open && target.kind === 'pglite' && !existsSync(join(target.dir, 'PG_VERSION'))) {
        await loadPgliteExtensions(target); // reading creates nothing, but a misspelt extension must not wait for the apply
        return [];
      }
      try {
        return await use(listCompleted);
      } catch (err) {
        if (isMissingDatabase(err) || isMissingDatabase((err as { cause?: unknown }).cause)) return [];
        throw err;
      }
    },
    files: () => migrationFiles(dir),
    latest: (expect) => use((k) => runLatest(k, dir, expect)),
    down: (names) => use((k) => runDown(k, dir, names)),
    session: (fn) => (open ? fn(runner) : withKnex(target, (k) => fn(directRunner(target, dir, k)))),
  };
  return runner;
}

/** How the lambda runner invokes the function (the engine's invoker; tests may hand in another). */
export type Invoker = (ctx: Ctx, fn: string, event: MigrateEvent) => Promise<{ ok: boolean; payload: unknown; error?: string }>;

/** The name of the shipped function that runs migrations inside the VPC. */
export const MIGRATE_FUNCTION = 'migrate';

/** turnctl invokes `<project>-<stage>-migrate` (its live alias) with a MigrateEvent; see ./contract.ts. */
export function lambdaRunner(ctx: Ctx, invoke?: Invoker): MigrationRunner {
  const fn = ctx.names.fn(MIGRATE_FUNCTION);
  if (!invoke && !ctx.stack.functions[MIGRATE_FUNCTION])
    throw new InvalidInputError(
      ctx.project.file.where(['database', 'stages', ctx.stage.name, 'via']),
      `stage ${ctx.stage.name} runs migrations via: lambda, but turnctl.yaml declares no function "${MIGRATE_FUNCTION}"; add it under functions (src/lambdas/${MIGRATE_FUNCTION}) or use via: direct`,
    );
  const call = async (event: MigrateEvent): Promise<Extract<MigrateResponse, { ok: true }>> => {
    const inv: Invoker = invoke ?? (async (c, f, e) => (await import('../invoke/invoke.js')).invokeFunction(c, f, e));
    const res = await inv(ctx, MIGRATE_FUNCTION, event);
    const payload = res.payload as MigrateResponse | undefined;
    if (!res.ok) throw new TurnctlError(`the ${fn} function failed on "${event.action}": ${maskCredentials(foldLines(res.error ?? 'no detail'), [])}; see its logs (turnctl logs tail ${MIGRATE_FUNCTION} --stage ${ctx.stage.name})`);
    if (!payload || typeof payload !== 'object' || !('ok' in payload)) throw new TurnctlError(`the ${fn} function answered "${event.action}" with something that is not a migrate response; deploy a migrate function that implements the contract in docs/database.md`);
    if (!payload.ok) throw new TurnctlError(`the ${fn} function refused "${event.action}": ${maskCredentials(foldLines(String(payload.error)), [])}`);
    return payload as Extract<MigrateResponse, { ok: true }>;
  };
  return {
    label: `the ${ctx.stage.name} database (via ${fn})`,
    async completed() {
      // On a stage where the migrate function is not deployed yet, nothing ran through it: the release deploys it
      // first (the engine's migrate-function step) and then runs every migration the database does not have.
      if (!invoke) {
        const { getFunctionConfig } = await import('../aws/lambda.js');
        if (!(await getFunctionConfig(ctx, fn, ctx.names.alias))) return [];
      }
      const r = await call({ action: 'status' });
      return r.action === 'status' ? r.completed : [];
    },
    async files() {
      const r = await call({ action: 'status' });
      return r.action === 'status' ? r.files : [];
    },
    async latest(expect) {
      const r = await call({ action: 'latest', expect });
      return r.action === 'latest' ? { batch: r.batch, migrations: r.migrations } : { batch: null, migrations: [] };
    },
    async down(names) {
      const r = await call({ action: 'rollback', names });
      return r.action === 'rollback' ? r.rolledBack : [];
    },
    session(fn) {
      return fn(this);
    },
  };
}

/** The stage's runner from turnctl.yaml (`via`), connection resolved lazily. */
export async function runnerFor(ctx: Ctx, opts: { invoke?: Invoker } = {}): Promise<MigrationRunner> {
  if (stageDatabase(ctx)?.via === 'lambda') return lambdaRunner(ctx, opts.invoke);
  return directRunner(await resolveTarget(ctx), migrationsDir(ctx));
}
