import type { Knex } from 'knex';
import { ConflictError, InputError } from '../lib/errors.js';
import { sqlState } from '../lib/db.js';
import type { Caller } from '../lib/http.js';
import type { NewSubscription } from './validate.js';

/** A subscription as the API shows it. */
export interface Subscription {
  id: string;
  vehicleId: string;
  termMonths: number;
  startDate: string;
  endDate: string;
  monthlyPriceCents: number;
  currency: string;
  status: string;
  createdAt: string;
}

// Dates as text (both drivers would otherwise turn a `date` into a Date at local midnight), formatted by to_char: a
// plain ::text follows the session's DateStyle ('31.01.2099' under German), which a parameter group or ALTER DATABASE
// may set, and so would the drivers' parsing of a timestamptz.
const SELECT = [
  'id',
  'vehicle_id AS "vehicleId"',
  'term_months AS "termMonths"',
  `to_char(start_date, 'YYYY-MM-DD') AS "startDate"`,
  `to_char(end_date, 'YYYY-MM-DD') AS "endDate"`,
  'monthly_price_cents AS "monthlyPriceCents"',
  'currency',
  'status',
  `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt"`,
].join(', ');

/** SQLSTATE of an exclusion-constraint violation: the overlap rule of migration 0002. */
const EXCLUSION_VIOLATION = '23P01';

function present(row: Record<string, unknown>): Subscription {
  const createdAt = row.createdAt instanceof Date ? row.createdAt.toISOString() : String(row.createdAt);
  return { ...(row as unknown as Subscription), createdAt };
}

/**
 * Creates a subscription in one transaction: the vehicle row is share-locked (it cannot be withdrawn meanwhile) and its
 * price captured; the database's exclusion constraint refuses an overlapping period even under concurrent requests.
 */
export async function createSubscription(db: Knex, caller: Caller, input: NewSubscription): Promise<Subscription> {
  try {
    return await db.transaction(async (trx) => {
      const vehicle = await trx('vehicles').select('available', 'monthly_price_cents', 'currency').where({ id: input.vehicleId }).forShare().first();
      if (!vehicle) throw new InputError('vehicleId', 'names no vehicle');
      if (!vehicle.available) throw new ConflictError('the vehicle is not available for subscription');
      const [{ id }] = await trx('subscriptions')
        .insert({
          vehicle_id: input.vehicleId,
          owner_sub: caller.sub,
          owner_email: caller.email ?? null,
          term_months: input.termMonths,
          start_date: input.startDate,
          monthly_price_cents: vehicle.monthly_price_cents,
          currency: vehicle.currency,
        })
        .returning('id');
      return present(await trx('subscriptions').select(trx.raw(SELECT)).where({ id }).first());
    });
  } catch (err) {
    if (sqlState(err) === EXCLUSION_VIOLATION) throw new ConflictError('the vehicle is already subscribed for an overlapping period');
    throw err;
  }
}

/** The caller's subscription with this id; undefined when it does not exist or belongs to someone else. */
export async function findOwnSubscription(db: Knex, caller: Caller, id: string): Promise<Subscription | undefined> {
  const row = await db('subscriptions').select(db.raw(SELECT)).where({ id, owner_sub: caller.sub }).first();
  return row ? present(row) : undefined;
}

/** The caller's subscriptions, latest start first. */
export async function listOwnSubscriptions(db: Knex, caller: Caller, limit: number): Promise<Subscription[]> {
  const rows = await db('subscriptions')
    .select(db.raw(SELECT))
    .where({ owner_sub: caller.sub })
    .orderBy([{ column: 'start_date', order: 'desc' }, { column: 'created_at', order: 'desc' }])
    .limit(limit);
  return rows.map(present);
}
