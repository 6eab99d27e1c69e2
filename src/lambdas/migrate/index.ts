import type { Context } from 'aws-lambda';
import { database } from '../lib/db.js';
import { observability } from '../lib/observability.js';
import { bundledMigrationSource } from './migrations.js';

/** Environment this function needs (read statically by turnctl's env-complete check). */
export const REQUIRED_ENV = ['STAGE', 'DATABASE_URL'] as const;

/** What the database step (`via: lambda`) asks for; `latest` when omitted. */
export interface MigrateEvent {
  action?: 'status' | 'latest' | 'rollback';
}

/** The migrations state after the action: names as in db/migrations/ and the knex_migrations table. */
export interface MigrateResult {
  action: 'status' | 'latest' | 'rollback';
  /** Batch number written (latest) or undone (rollback); 0 when nothing changed. */
  batch: number;
  /** Migrations this call applied (latest) or reverted (rollback), in the order it ran them. */
  changed: string[];
  completed: string[];
  pending: string[];
}

const ACTIONS = ['status', 'latest', 'rollback'] as const;
const obs = observability('migrate');

/**
 * Runs the same knex migrations as `turnctl db migrate` inside the VPC, from the copies bundled into this function.
 * A failure throws (the invocation fails with FunctionError), so the database step sees it.
 */
export async function handler(event: MigrateEvent | null | undefined, context?: Context): Promise<MigrateResult> {
  if (context) obs.logger.addContext(context);
  const action = event?.action ?? 'latest';
  if (!(ACTIONS as readonly string[]).includes(action)) throw new Error(`unknown action "${String(action)}"; use one of: ${ACTIONS.join(', ')}`);
  try {
    const migrator = (await database()).migrate;
    const config = { migrationSource: bundledMigrationSource };
    let batch = 0;
    let changed: string[] = [];
    if (action === 'latest') {
      [batch, changed] = await migrator.latest(config);
      obs.track('MigrationsApplied', { batch, count: changed.length, migrations: changed });
    } else if (action === 'rollback') {
      [batch, changed] = await migrator.rollback(config);
      obs.track('MigrationsRolledBack', { batch, count: changed.length, migrations: changed });
    }
    // knex reports the latest batch even when it ran nothing.
    if (changed.length === 0) batch = 0;
    const [completed, pending] = (await migrator.list(config)) as [Array<{ name: string }>, Array<readonly [string, unknown]>];
    const result: MigrateResult = {
      action,
      batch,
      changed: changed.map(String),
      completed: completed.map((m) => m.name),
      pending: pending.map((m) => bundledMigrationSource.getMigrationName(m as never)),
    };
    if (action === 'status') obs.track('MigrationStatusReported', { completed: result.completed.length, pending: result.pending.length });
    return result;
  } catch (err) {
    obs.logger.error('migration failed', err as Error);
    throw err;
  } finally {
    obs.flush();
  }
}
