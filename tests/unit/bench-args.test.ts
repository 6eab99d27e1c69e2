import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bundles = (...args: string[]) => spawnSync(process.execPath, [join(process.cwd(), 'bench', 'bundles.mjs'), ...args], { encoding: 'utf8' });
const scratchDirs = () => (existsSync('.turnctl') ? readdirSync('.turnctl').filter((d) => d.startsWith('bench-')) : []);

describe('node bench/bundles.mjs [--runs N] [--json] [function…] (README, Bundles)', () => {
  it('GIVEN --help, a bad --runs, an unknown option or an unknown function THEN it bundles nothing: usage on stdout (0) or one error line (64)', () => {
    const before = scratchDirs();
    // Before the fix --help bundled and timed every function, --runs x silently meant 7, and an unknown function ended
    // in a stack trace with exit 1.
    const help = bundles('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: node bench\/bundles\.mjs \[--runs N\] \[--json\] \[function…\]/);
    for (const [args, line] of [
      [['--runs', 'x'], 'error: --runs must be a whole number ≥ 1, not "x"'],
      [['--runs', '0'], 'error: --runs must be a whole number ≥ 1, not "0"'],
      [['--bogus'], "error: Unknown option '--bogus'"],
      [['health', 'nosuch'], 'error: unknown function "nosuch"; functions: health, legal, migrate, subscriptions, vehicles'],
    ] as const) {
      const r = bundles(...args);
      expect(r.status, r.stderr).toBe(64);
      expect(r.stderr.split('\n')[0]).toContain(line);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(r.stdout).toBe('');
    }
    expect(scratchDirs()).toEqual(before); // nothing was bundled
  });
});
