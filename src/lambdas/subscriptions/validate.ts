import { InputError } from '../lib/errors.js';
import { earliestTodayOnEarth, isIsoDate, isUuid } from '../lib/validate.js';

/** Terms a subscription may run for, in months (the database checks the same set). */
export const ALLOWED_TERMS = [1, 3, 6, 12, 24] as const;

/** A validated `POST /subscriptions` body. */
export interface NewSubscription {
  vehicleId: string;
  termMonths: number;
  startDate: string;
}

/** Validates the body of `POST /subscriptions`; the first problem is an InputError naming its field. */
export function parseNewSubscription(body: Record<string, unknown>, now: Date = new Date()): NewSubscription {
  const { vehicleId, termMonths, startDate } = body;
  if (vehicleId === undefined) throw new InputError('vehicleId', 'is required');
  if (!isUuid(vehicleId)) throw new InputError('vehicleId', 'must be a UUID');
  if (termMonths === undefined) throw new InputError('termMonths', 'is required');
  if (typeof termMonths !== 'number' || !(ALLOWED_TERMS as readonly number[]).includes(termMonths))
    throw new InputError('termMonths', `must be one of ${ALLOWED_TERMS.join(', ')}`);
  if (startDate === undefined) throw new InputError('startDate', 'is required');
  if (!isIsoDate(startDate)) throw new InputError('startDate', 'must be a date written YYYY-MM-DD');
  // Past for every caller, wherever they are: a caller's "today" may be yesterday in UTC.
  if (startDate < earliestTodayOnEarth(now)) throw new InputError('startDate', 'must not be in the past');
  return { vehicleId: vehicleId.toLowerCase(), termMonths, startDate };
}
