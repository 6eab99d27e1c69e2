import type { Knex } from 'knex';
import type { MigrationFile, MigrationRef } from '../../db/core.js';
// Static imports so esbuild bundles the migrations into the function (its zip holds index.mjs only). Names are the
// file names of db/migrations/ and sha256 the hex sha256 of each file's bytes, exactly as turnctl's directory runner
// computes them, so both runners agree on knex_migrations and on the `latest` guard. Adding a migration means adding
// its import and line here; tests/lambdas/migrate.test.ts fails, naming the right sha256, until they match.
import * as m0001 from '../../../db/migrations/0001_create_vehicles.mjs';
import * as m0002 from '../../../db/migrations/0002_create_subscriptions.mjs';

interface MigrationModule {
  up(knex: Knex): Promise<void>;
  down?(knex: Knex): Promise<void>;
}

/** A migration bundled into the function. */
export interface BundledMigration extends MigrationRef {
  module: MigrationModule;
}

/** Every migration of db/migrations/, in the order knex runs them. */
export const MIGRATIONS: readonly BundledMigration[] = [
  { name: '0001_create_vehicles.mjs', sha256: '17047f4a202de4650cb767b8cfd8bfdf3f89d9bba0ba40362e8ed96415193b00', module: m0001 },
  { name: '0002_create_subscriptions.mjs', sha256: '527fe9ffa181f768922b569425cd15ffef997f1fc4b126e7750223e330ea2495', module: m0002 },
];

/** The bundled files as turnctl's status reports them. */
export function bundledFiles(): MigrationFile[] {
  return MIGRATIONS.map(({ name, sha256, module }) => ({ name, sha256, hasDown: typeof module.down === 'function' }));
}

/**
 * knex's migration source over the bundled migrations. A migration without `down` gets one that refuses, like turnctl's
 * directory source, so `up` still runs and rollback asks for a fix forward.
 */
export const bundledMigrationSource: Knex.MigrationSource<BundledMigration> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: (m) => m.name,
  getMigration: async ({ name, module }) => ({
    up: module.up,
    down:
      module.down ??
      (async () => {
        throw new Error(`migration ${name} has no down; fix forward with a new migration`);
      }),
  }),
};
