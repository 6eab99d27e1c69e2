// The event contract of the shipped `migrate` Lambda (`database.stages.<stage>.via: lambda`).
// turnctl invokes `<project>-<stage>-migrate` (alias `live`) with a MigrateEvent and expects a MigrateResponse.
// The function bundles db/migrations/*.mjs and can implement itself as:
//   export const handler = (event) => withKnex(..., (knex) => handleMigrateEvent(knex, MIGRATIONS_DIR, event));
// Error messages must never contain the connection URL.
import type { Knex } from 'knex';
import { lastBatch, listCompleted, migrationFiles, runDown, runLatest, type CompletedMigration, type MigrationFile, type MigrationRef } from './core.js';

/** What turnctl sends to the `migrate` function. */
export type MigrateEvent =
  /** Completed migrations and the bundled files (with whether each exports `down`). Read-only. */
  | { action: 'status' }
  /** Run every pending migration as one batch; refuse (ok: false) when the bundled files differ from `expect`. */
  | { action: 'latest'; expect: MigrationRef[] }
  /** Run `down` of the named completed migrations in the given order; without `names`, the last batch. */
  | { action: 'rollback'; names?: string[] };

/** What the `migrate` function answers. */
export type MigrateResponse =
  | { ok: true; action: 'status'; completed: CompletedMigration[]; files: MigrationFile[] }
  | { ok: true; action: 'latest'; batch: number | null; migrations: string[] }
  | { ok: true; action: 'rollback'; rolledBack: string[] }
  | { ok: false; error: string };

/** Handles one MigrateEvent with a knex instance over the bundled migrations directory. */
export async function handleMigrateEvent(knex: Knex, dir: string, event: MigrateEvent): Promise<MigrateResponse> {
  try {
    switch (event?.action) {
      case 'status':
        return { ok: true, action: 'status', completed: await listCompleted(knex), files: await migrationFiles(dir) };
      case 'latest': {
        if (!Array.isArray(event.expect)) return { ok: false, error: 'latest needs "expect": the planned [{name, sha256}]' };
        return { ok: true, action: 'latest', ...(await runLatest(knex, dir, event.expect)) };
      }
      case 'rollback': {
        const names = event.names ?? lastBatch(await listCompleted(knex)).names;
        return { ok: true, action: 'rollback', rolledBack: await runDown(knex, dir, names) };
      }
      default:
        return { ok: false, error: `unknown action ${JSON.stringify((event as { action?: unknown })?.action)}; use status, latest or rollback` };
    }
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
