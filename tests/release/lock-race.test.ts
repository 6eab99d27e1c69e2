import { describe, expect, it } from 'vitest';
import { openStage } from '../../src/context.js';
import { LockHeldError } from '../../src/errors.js';
import { acquireLock, lockBody, readLock } from '../../src/release/lock.js';
import { ensureStateBucket } from '../../src/state/bucket.js';
import { makeProject } from '../helpers/project.js';

/** Applies that race for the stage; more than two so a lost race cannot pass by luck. */
const RACERS = 6;

describe('lock: applies that reach the lock at the same moment', () => {
  it('GIVEN several applies taking the stage lock at once WHEN they race THEN exactly one holds it and every other is refused naming that one', async () => {
    // GIVEN one stage and its state bucket, and one context (own clients) per racing apply
    const p = makeProject();
    const ctxs = Array.from({ length: RACERS }, () => openStage('local', { cwd: p.dir }));
    await ensureStateBucket(ctxs[0]!);
    // WHEN they all take the lock at once (the conditional put, If-None-Match: *, decides)
    const bodies = ctxs.map((_, i) => ({ ...lockBody(`run-${i}`, '1.0.0'), holder: `racer-${i}` }));
    const outcomes = await Promise.allSettled(ctxs.map((ctx, i) => acquireLock(ctx, bodies[i]!)));
    // THEN exactly one got it, and the lock object names that one
    const won = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i] : []));
    expect(won).toHaveLength(1);
    const holder = await readLock(ctxs[0]!);
    expect(holder?.holder).toBe(`racer-${won[0]}`);
    // AND every other was refused as a held lock (exit 4) naming the winner
    for (const o of outcomes.filter((x) => x.status === 'rejected')) {
      const err = (o as PromiseRejectedResult).reason as Error;
      expect(err).toBeInstanceOf(LockHeldError);
      expect(err.message).toMatch(new RegExp(`^stage local is locked by racer-${won[0]} \\(run run-${won[0]},`));
    }
  });
});
