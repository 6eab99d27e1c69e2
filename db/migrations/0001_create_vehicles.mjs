// Vehicles of the fleet that can be subscribed to. `available` is the fleet's flag (offered vs. in maintenance or
// retired); whether a car is free for given dates is the subscriptions table's business.

/** @param {import('knex').Knex} knex */
export async function up(knex) {
  await knex.raw(`
    CREATE TABLE vehicles (
      id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      make                text NOT NULL CHECK (length(make) BETWEEN 1 AND 50),
      model               text NOT NULL CHECK (length(model) BETWEEN 1 AND 80),
      year                smallint NOT NULL CHECK (year BETWEEN 1990 AND 2100),
      fuel                text NOT NULL CHECK (fuel IN ('petrol', 'diesel', 'hybrid', 'electric')),
      seats               smallint NOT NULL DEFAULT 5 CHECK (seats BETWEEN 1 AND 9),
      monthly_price_cents integer NOT NULL CHECK (monthly_price_cents > 0),
      currency            char(3) NOT NULL DEFAULT 'EUR',
      available           boolean NOT NULL DEFAULT true,
      created_at          timestamptz NOT NULL DEFAULT now(),
      updated_at          timestamptz NOT NULL DEFAULT now()
    )`);
  await knex.raw('CREATE INDEX vehicles_make_idx ON vehicles (lower(make))');
  await knex.raw('CREATE INDEX vehicles_available_price_idx ON vehicles (available, monthly_price_cents)');
}

/** @param {import('knex').Knex} knex */
export async function down(knex) {
  await knex.raw('DROP TABLE vehicles');
}
