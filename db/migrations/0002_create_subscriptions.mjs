// Subscriptions of a vehicle for a term of whole months. No two active subscriptions of one vehicle may overlap:
// the exclusion constraint enforces it in the database, so two concurrent requests cannot both win (the loser gets
// SQLSTATE 23P01, which the subscriptions function answers with 409). btree_gist gives uuid equality to the GiST index;
// it is a trusted extension (Postgres 13+), and PGlite ships it as @electric-sql/pglite/contrib/btree_gist.

/** @param {import('knex').Knex} knex */
export async function up(knex) {
  await knex.raw('CREATE EXTENSION IF NOT EXISTS btree_gist');
  await knex.raw(`
    CREATE TABLE subscriptions (
      id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      vehicle_id          uuid NOT NULL REFERENCES vehicles (id) ON DELETE RESTRICT,
      owner_sub           text NOT NULL,
      owner_email         text,
      term_months         smallint NOT NULL CHECK (term_months IN (1, 3, 6, 12, 24)),
      start_date          date NOT NULL,
      end_date            date GENERATED ALWAYS AS ((start_date + make_interval(months => term_months::int))::date) STORED,
      monthly_price_cents integer NOT NULL CHECK (monthly_price_cents > 0),
      currency            char(3) NOT NULL DEFAULT 'EUR',
      status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled')),
      created_at          timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT subscriptions_no_overlap EXCLUDE USING gist (
        vehicle_id WITH =,
        daterange(start_date, end_date, '[)') WITH &&
      ) WHERE (status = 'active')
    )`);
  await knex.raw('CREATE INDEX subscriptions_owner_idx ON subscriptions (owner_sub, created_at DESC)');
}

/** @param {import('knex').Knex} knex */
export async function down(knex) {
  await knex.raw('DROP TABLE subscriptions');
}
