import type { Context } from 'aws-lambda';
// The database owner's contract and its knex-only helpers: the same comparison and bookkeeping as `via: direct`.
import type { MigrateEvent, MigrateResponse } from '../../db/contract.js';
import { compareMigrationSet, lastBatch, listCompleted, MIGRATIONS_TABLE } from '../../db/core.js';
import { configureDatabase, database } from '../lib/db.js';
import { invocationEnded } from '../lib/invocation-hooks.js';
import { observability } from '../lib/observability.js';
import { bundledFiles, bundledMigrationSource, MIGRATIONS } from './migrations.js';

/** Environment this function needs (read statically by turnctl's env-complete check). */
export const REQUIRED_ENV = ['STAGE', 'DATABASE_URL'] as const;

export type { MigrateEvent, MigrateResponse };

const obs = observability('migrate');
// A migration may run for minutes (the function's timeout is 5 min): no per-statement limits here, unlike the API.
configureDatabase({ statementTimeoutMs: 0, lockTimeoutMs: 0 });
const migratorConfig = { migrationSource: bundledMigrationSource, tableName: MIGRATIONS_TABLE };

/**
 * Runs the knex migrations bundled into this function against DATABASE_URL, for turnctl's database step with
 * `via: lambda` (databases in private subnets). Contract: docs/database.md; failures answer `{ok: false, error}`.
 */
export async function handler(event: MigrateEvent | null | undefined, context?: Context): Promise<MigrateResponse> {
  if (context) obs.logger.addContext(context);
  try {
    return await run(event);
  } catch (err) {
    obs.logger.error('migrate failed', err as Error);
    return { ok: false, error: oneLine(err) };
  } finally {
    obs.flush();
    invocationEnded();
  }
}

async function run(event: MigrateEvent | null | undefined): Promise<MigrateResponse> {
  switch (event?.action) {
    case 'status': {
      const completed = await listCompleted(await database());
      const files = bundledFiles();
      obs.track('MigrationStatusReported', { completed: completed.length, pending: files.filter((f) => !completed.some((c) => c.name === f.name)).length });
      return { ok: true, action: 'status', completed, files };
    }
    case 'latest': {
      if (!Array.isArray(event.expect)) return { ok: false, error: 'latest needs "expect": the planned [{name, sha256}]' };
      const problem = compareMigrationSet([...MIGRATIONS], event.expect);
      if (problem) return { ok: false, error: `the runner's migrations differ from the planned ones: ${problem}` };
      const [batch, log] = (await (await database()).migrate.latest(migratorConfig)) as [number, string[]];
      obs.track('MigrationsApplied', { batch, count: log.length, migrations: log });
      return { ok: true, action: 'latest', batch: log.length ? batch : null, migrations: log };
    }
    case 'rollback': {
      const knex = await database();
      const names = event.names ?? lastBatch(await listCompleted(knex)).names;
      const rolledBack: string[] = [];
      for (const name of names) {
        if (!(await listCompleted(knex)).some((c) => c.name === name)) continue;
        await knex.migrate.down({ ...migratorConfig, name });
        rolledBack.push(name);
      }
      obs.track('MigrationsRolledBack', { count: rolledBack.length, migrations: rolledBack });
      return { ok: true, action: 'rollback', rolledBack };
    }
    default:
      return { ok: false, error: `unknown action ${JSON.stringify((event as { action?: unknown } | null)?.action)}; use status, latest or rollback` };
  }
}

/** The first line of an error's message; driver messages name hosts and users at most, never the URL. */
function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}
