import type { Knex } from 'knex';

/** A vehicle as the API shows it. */
export interface Vehicle {
  id: string;
  make: string;
  model: string;
  year: number;
  fuel: string;
  seats: number;
  monthlyPriceCents: number;
  currency: string;
  available: boolean;
}

export interface VehicleFilter {
  available?: boolean;
  make?: string;
  minPriceCents?: number;
  maxPriceCents?: number;
  page: number;
  pageSize: number;
}

export interface VehiclePage {
  items: Vehicle[];
  page: number;
  pageSize: number;
  total: number;
  /** The next page number, or null on the last page. */
  nextPage: number | null;
}

const COLUMNS = [
  'id',
  'make',
  'model',
  'year',
  'fuel',
  'seats',
  'monthly_price_cents as monthlyPriceCents',
  'currency',
  'available',
];

/** One page of vehicles matching the filter, cheapest first. */
export async function listVehicles(db: Knex, f: VehicleFilter): Promise<VehiclePage> {
  const where = (q: Knex.QueryBuilder) => {
    if (f.available !== undefined) q.where('available', f.available);
    if (f.make) q.whereRaw('lower(make) = lower(?)', [f.make]);
    if (f.minPriceCents !== undefined) q.where('monthly_price_cents', '>=', f.minPriceCents);
    if (f.maxPriceCents !== undefined) q.where('monthly_price_cents', '<=', f.maxPriceCents);
    return q;
  };
  const [rows, [{ total }]] = await Promise.all([
    where(db('vehicles').select(COLUMNS))
      .orderBy([{ column: 'monthly_price_cents' }, { column: 'id' }])
      .limit(f.pageSize)
      .offset((f.page - 1) * f.pageSize),
    where(db('vehicles').select(db.raw('count(*)::int as total'))),
  ]);
  return { items: rows as Vehicle[], page: f.page, pageSize: f.pageSize, total, nextPage: f.page * f.pageSize < total ? f.page + 1 : null };
}

/** The vehicle with this id, if any. */
export async function findVehicle(db: Knex, id: string): Promise<Vehicle | undefined> {
  return (await db('vehicles').select(COLUMNS).where({ id }).first()) as Vehicle | undefined;
}
