import type { Knex } from 'knex';
// Static imports so esbuild bundles the migrations into the function. The names are the file names of
// db/migrations/, so this source and turnctl's directory migrator agree on the knex_migrations table
// (tests/lambdas/migrations.test.ts keeps the list and the directory in step).
import * as m0001 from '../../../db/migrations/0001_create_vehicles.mjs';
import * as m0002 from '../../../db/migrations/0002_create_subscriptions.mjs';

interface Migration {
  up(knex: Knex): Promise<void>;
  down?(knex: Knex): Promise<void>;
}

/** Every migration by file name, in order. */
export const MIGRATIONS: ReadonlyArray<readonly [string, Migration]> = [
  ['0001_create_vehicles.mjs', m0001],
  ['0002_create_subscriptions.mjs', m0002],
];

/** A knex migration source over the bundled migrations. */
export const bundledMigrationSource: Knex.MigrationSource<readonly [string, Migration]> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};
