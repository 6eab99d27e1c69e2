import { describe, expect, it } from 'vitest';
import { newRunId } from '../../src/release/journal.js';

describe('run ids', () => {
  it('GIVEN two applies started within the same second WHEN their run ids are sorted THEN the later one is newest', () => {
    // listRuns sorts ids as strings, newest first: `release status` and `resume` take the first one.
    const ids = Array.from({ length: 50 }, (_, i) => newRunId(new Date(Date.UTC(2026, 11, 3, 5, 12, 22, 900 - i * 10))));
    expect([...ids].sort((a, b) => b.localeCompare(a))).toEqual(ids);
    expect(newRunId(new Date(Date.UTC(2026, 11, 3, 5, 12, 22, 123)))).toMatch(/^20261203T051222\.123Z-[0-9a-f]{6}$/);
  });
});
