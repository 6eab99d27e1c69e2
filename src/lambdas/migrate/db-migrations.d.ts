// Types of the plain-JavaScript migrations in db/migrations/ (kept JS so turnctl's CLI runs them with plain node).
declare module '../../../db/migrations/*' {
  import type { Knex } from 'knex';
  export function up(knex: Knex): Promise<void>;
  export function down(knex: Knex): Promise<void>;
}
