import { InputError } from './errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `s` is a UUID (any version) in canonical text form. */
export function isUuid(s: unknown): s is string {
  return typeof s === 'string' && UUID.test(s);
}

/** An optional integer query parameter within [min, max]; absent → `fallback`. */
export function intParam(query: Readonly<Record<string, string>>, name: string, opts: { min: number; max: number; fallback?: number }): number | undefined {
  const raw = query[name];
  if (raw === undefined || raw === '') return opts.fallback;
  if (!/^-?\d+$/.test(raw)) throw new InputError(name, 'must be a whole number');
  const n = Number(raw);
  if (n < opts.min || n > opts.max) throw new InputError(name, `must be between ${opts.min} and ${opts.max}`);
  return n;
}

/** An optional boolean query parameter (`true` / `false`). */
export function boolParam(query: Readonly<Record<string, string>>, name: string): boolean | undefined {
  const raw = query[name];
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new InputError(name, 'must be true or false');
}

/**
 * The earliest calendar date that is still today somewhere on Earth (UTC−12, "anywhere on Earth"), YYYY-MM-DD.
 * The API does not know the caller's time zone: a date before this one is past for everyone, while a date before
 * today in UTC may still be today for a caller west of Greenwich (19:00 in California is already tomorrow in UTC).
 */
export function earliestTodayOnEarth(now: Date = new Date()): string {
  return new Date(now.getTime() - 12 * 3_600_000).toISOString().slice(0, 10);
}

/** Whether `s` is a real calendar date written YYYY-MM-DD. */
export function isIsoDate(s: unknown): s is string {
  if (typeof s !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}
