// Types of the plain-JavaScript seed files the tests import directly.
declare module '../../db/seeds/local/*' {
  import type { Knex } from 'knex';
  export const VEHICLES: Array<{ id: string; make: string; model: string; available: boolean; monthly_price_cents: number }>;
  export function seed(knex: Knex): Promise<void>;
}
