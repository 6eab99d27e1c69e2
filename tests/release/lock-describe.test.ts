import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { Ctx } from '../../src/context.js';
import { describeLock, lockBody } from '../../src/release/lock.js';

const ctx = { stage: { name: 'local' } } as unknown as Ctx;

describe('describing a held lock', () => {
  it('GIVEN a lock whose holder process on this host has exited THEN the line says so and names resume and rollback, not "wait for it"', () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const lock = { ...lockBody('20261203T000000.000Z-abcdef', '1.0.0'), pid: dead, holder: 'root@vm (pid ' + dead + ')' };
    expect(describeLock(ctx, lock)).toBe(
      `stage local is locked by ${lock.holder} (run 20261203T000000.000Z-abcdef, release 1.0.0, since ${lock.acquiredAt}) — its process (pid ${dead}) is no longer running on this host; finish it: turnctl release resume --stage local, or undo it: turnctl release rollback 20261203T000000.000Z-abcdef --stage local`,
    );
  });

  it('GIVEN a live holder, or one on another host THEN the line asks to wait for it', () => {
    const live = lockBody('20261203T000000.000Z-abcdef', '1.0.0');
    expect(describeLock(ctx, live)).toMatch(/\); wait for it, or if it died run: turnctl release resume --stage local/);
    const remote = { ...live, host: `${hostname()}-other`, pid: 1 };
    expect(describeLock(ctx, remote)).toMatch(/\); wait for it, or if it died/);
  });
});
