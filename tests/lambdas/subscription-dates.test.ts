import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/lambdas/lib/errors.js';
import { parseNewSubscription } from '../../src/lambdas/subscriptions/validate.js';

const VEHICLE = '6f1c2a4e-0001-4c2b-9a51-7d2f3e9b1a01';
const body = (startDate: string) => ({ vehicleId: VEHICLE, termMonths: 3, startDate });
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof InputError ? `${err.field} ${err.reason}` : err;
  }
  return undefined;
};

// The API cannot know the caller's time zone, so "not in the past" must hold for a caller anywhere on Earth.
describe('POST /subscriptions start date across time zones', () => {
  it('GIVEN 19:00 on 4 March in California (03:00 UTC on the 5th) WHEN a Californian starts today, the 4th THEN it is accepted', () => {
    const now = new Date('2026-03-05T03:00:00Z');
    expect(parseNewSubscription(body('2026-03-04'), now).startDate).toBe('2026-03-04');
  });

  it('GIVEN 11:59 UTC on 5 March (still the 4th at UTC−12) WHEN the start is the 4th THEN it is accepted', () => {
    expect(parseNewSubscription(body('2026-03-04'), new Date('2026-03-05T11:59:00Z')).startDate).toBe('2026-03-04');
  });

  it('GIVEN 12:00 UTC on 5 March (the 5th everywhere) WHEN the start is the 4th THEN it is refused as past', () => {
    expect(refusal(() => parseNewSubscription(body('2026-03-04'), new Date('2026-03-05T12:00:00Z')))).toBe('startDate must not be in the past');
  });

  it('GIVEN 00:30 on 5 March in Berlin (23:30 UTC on the 4th) WHEN a Berliner starts today, the 5th THEN it is accepted', () => {
    expect(parseNewSubscription(body('2026-03-05'), new Date('2026-03-04T23:30:00Z')).startDate).toBe('2026-03-05');
  });

  it('GIVEN any time WHEN the start is two days back in UTC THEN it is refused', () => {
    expect(refusal(() => parseNewSubscription(body('2026-03-03'), new Date('2026-03-05T00:00:00Z')))).toBe('startDate must not be in the past');
  });
});
