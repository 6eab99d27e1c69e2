// A handful of vehicles for the `local` stage (applied by `turnctl db seed --stage local` only). Fixed ids so smoke
// events and manual tests can name them; re-running updates them in place.

export const VEHICLES = [
  { id: '6f1c2a4e-0001-4c2b-9a51-7d2f3e9b1a01', make: 'Volkswagen', model: 'ID.3 Pro', year: 2024, fuel: 'electric', seats: 5, monthly_price_cents: 49900, available: true },
  { id: '6f1c2a4e-0002-4c2b-9a51-7d2f3e9b1a02', make: 'Tesla', model: 'Model 3', year: 2023, fuel: 'electric', seats: 5, monthly_price_cents: 69900, available: true },
  { id: '6f1c2a4e-0003-4c2b-9a51-7d2f3e9b1a03', make: 'BMW', model: '320d Touring', year: 2022, fuel: 'diesel', seats: 5, monthly_price_cents: 59900, available: true },
  { id: '6f1c2a4e-0004-4c2b-9a51-7d2f3e9b1a04', make: 'Toyota', model: 'Yaris Hybrid', year: 2023, fuel: 'hybrid', seats: 5, monthly_price_cents: 34900, available: true },
  { id: '6f1c2a4e-0005-4c2b-9a51-7d2f3e9b1a05', make: 'Skoda', model: 'Enyaq iV 80', year: 2024, fuel: 'electric', seats: 5, monthly_price_cents: 55900, available: true },
  { id: '6f1c2a4e-0006-4c2b-9a51-7d2f3e9b1a06', make: 'Fiat', model: '500', year: 2021, fuel: 'petrol', seats: 4, monthly_price_cents: 27900, available: false },
];

/** @param {import('knex').Knex} knex */
export async function seed(knex) {
  await knex('vehicles')
    .insert(VEHICLES.map((v) => ({ ...v, currency: 'EUR' })))
    .onConflict('id')
    .merge(['make', 'model', 'year', 'fuel', 'seats', 'monthly_price_cents', 'available', 'currency']);
}
