import { describe, expect, it } from 'vitest';
import { parseKinds, parseSince } from '../../src/commands/audit.js';
import { keyTime } from '../../src/audit/service.js';
import { UsageError } from '../../src/errors.js';

const NOW = Date.parse('2025-09-10T12:00:00.000Z');

describe('audit --since / --kind parsing (pure)', () => {
  it.each([
    ['7d', '2025-09-03T12:00:00.000Z'],
    ['12h', '2025-09-10T00:00:00.000Z'],
    ['30m', '2025-09-10T11:30:00.000Z'],
    ['2025-09-01', '2025-09-01T00:00:00.000Z'],
    ['2025-09-01T08:00', '2025-09-01T08:00:00.000Z'],
    ['2025-09-01T08:00:00Z', '2025-09-01T08:00:00.000Z'],
    ['2025-09-01T08:00:00.250+02:00', '2025-09-01T06:00:00.250Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
  ])('GIVEN --since %s THEN it starts at %s', (value, iso) => {
    expect(parseSince(value, NOW).toISOString()).toBe(iso);
  });

  it.each(['2025-02-29', '2025-09-31', '2025-9-1', '09/01/2025', '1w', '-7d', '2025-09-01T24:00Z'])('GIVEN --since %s THEN a usage error', (value) => {
    expect(() => parseSince(value, NOW)).toThrow(UsageError);
  });

  it('kinds: comma-separated and repeated, deduplicated; unknown ones refused', () => {
    expect(parseKinds(undefined)).toBeUndefined();
    expect(parseKinds(['users,legal', 'users'])).toEqual(['users', 'legal']);
    expect(() => parseKinds(['users,release'])).toThrow(/--kind "release" is not a kind/);
    expect(() => parseKinds([','])).toThrow(UsageError);
  });

  it('the time in an entry key is read back (and a key of another shape has none)', () => {
    expect(keyTime('audit/users/2025-09-01T08-00-00-123Z-a1b2c3.json')).toBe(Date.parse('2025-09-01T08:00:00.123Z'));
    expect(keyTime('audit/users/notes.json')).toBeUndefined();
  });
});
