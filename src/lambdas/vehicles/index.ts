import { database } from '../lib/db.js';
import { InputError, NotFoundError } from '../lib/errors.js';
import { httpHandler } from '../lib/handler.js';
import { boolParam, intParam, isUuid } from '../lib/validate.js';
import { findVehicle, listVehicles, type VehicleFilter } from './store.js';

/** Environment this function needs (read statically by turnctl's env-complete check). */
export const REQUIRED_ENV = ['STAGE', 'DATABASE_URL', 'ALLOWED_ORIGINS'] as const;

const MAX_PRICE_CENTS = 10_000_000;

/** `GET /vehicles` (filters: available, make, minPriceCents, maxPriceCents; page, pageSize) and `GET /vehicles/{id}`. */
export const handler = httpHandler('vehicles', [
  {
    method: 'GET',
    resource: '/vehicles',
    async handle(req, obs) {
      const filter = parseFilter(req.query);
      const page = await listVehicles(await database(), filter);
      obs.track('VehicleListed', { count: page.items.length, total: page.total, page: filter.page, filters: activeFilters(filter) });
      return { status: 200, json: page };
    },
  },
  {
    method: 'GET',
    resource: '/vehicles/{id}',
    async handle(req, obs) {
      const id = req.pathParams.id;
      if (!isUuid(id)) throw new InputError('id', 'must be a UUID');
      const vehicle = await findVehicle(await database(), id);
      if (!vehicle) throw new NotFoundError(`no vehicle ${id}`);
      obs.track('VehicleViewed', { vehicleId: vehicle.id });
      return { status: 200, json: vehicle };
    },
  },
]);

function parseFilter(query: Readonly<Record<string, string>>): VehicleFilter {
  const make = query.make?.trim();
  if (make !== undefined && make.length > 50) throw new InputError('make', 'must be at most 50 characters');
  // Postgres text cannot hold NUL (the query would fail: 500), and no make has a control character.
  if (make !== undefined && /[\u0000-\u001f\u007f]/.test(make)) throw new InputError('make', 'must not contain control characters');
  const minPriceCents = intParam(query, 'minPriceCents', { min: 0, max: MAX_PRICE_CENTS });
  const maxPriceCents = intParam(query, 'maxPriceCents', { min: 0, max: MAX_PRICE_CENTS });
  if (minPriceCents !== undefined && maxPriceCents !== undefined && maxPriceCents < minPriceCents)
    throw new InputError('maxPriceCents', 'must not be less than minPriceCents');
  return {
    available: boolParam(query, 'available'),
    make: make || undefined,
    minPriceCents,
    maxPriceCents,
    page: intParam(query, 'page', { min: 1, max: 10_000, fallback: 1 })!,
    pageSize: intParam(query, 'pageSize', { min: 1, max: 100, fallback: 20 })!,
  };
}

function activeFilters(f: VehicleFilter): string[] {
  return (['available', 'make', 'minPriceCents', 'maxPriceCents'] as const).filter((k) => f[k] !== undefined);
}
