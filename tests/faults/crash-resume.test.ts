import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../src/aws/clients.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { direct, FULL_SECTIONS, fullProject, stackState } from './support.js';

const MANIFEST = 'releases/1.0.0.yaml';
/**
 * The journal's steps of a fullProject's first release: bootstrap, then every section in checklist order, except
 * that the gateway goes after the functions its routes name (the release creates them).
 */
const STEPS = ['bootstrap', 'layers', 'env', 'buckets', 'database', 'functions', 'gateway', 'monitoring', 'legal'];

/** The sections and statuses of the one run journalled in a state bucket (read directly, not through turnctl). */
async function journalSteps(bucket: string): Promise<Array<[string, string]>> {
  const keys = (await direct.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'journal/' }))).Contents ?? [];
  expect(keys).toHaveLength(1);
  const journal = JSON.parse(await (await direct.s3.send(new GetObjectCommand({ Bucket: bucket, Key: keys[0]!.Key! }))).Body!.transformToString());
  return journal.steps.map((s: { section: string; status: string }) => [s.section, s.status]);
}

describe('crash at every step boundary of a release with every section, then resume', () => {
  it('GIVEN an apply SIGKILLed after step k (for every k, and before the first) WHEN resumed THEN the stack equals an uninterrupted apply and re-plans empty', async () => {
    // GIVEN the stack an uninterrupted apply produces (made alongside the interrupted ones)
    const uninterrupted = (async () => {
      const clean = await fullProject();
      const cleanRun = await spawnCli(['release', 'apply', MANIFEST, '--stage', 'local', '--yes', '--output', 'json'], clean.dir);
      expect(cleanRun.code, cleanRun.stderr).toBe(0);
      expect(JSON.parse(cleanRun.stdout).steps.map((s: { section: string }) => s.section)).toEqual(STEPS);
      return stackState(clean, { ids: false });
    })();
    expect([...STEPS].sort()).toEqual(['bootstrap', ...FULL_SECTIONS].sort());

    // WHEN, for every boundary k, an apply is killed right after its k-th step was journalled (k = 0: the lock and the
    // journal are written, no step has started), then resumed
    const boundaries = [0, ...STEPS.map((_, i) => i + 1)];
    const outcomes = await mapLimit(boundaries, 3, async (k) => {
      const p = await fullProject();
      const killed = await spawnCli(['release', 'apply', MANIFEST, '--stage', 'local', '--yes'], p.dir, { TURNCTL_TEST_KILL_AT: String(k) });
      const atKill = await journalSteps(`${p.name}-local-turnctl`);
      // (the lock refusal after a crash is checked at one boundary; tests/release/lock-resume.test.ts covers it too)
      const blocked = k === 4 ? await runCli(['release', 'apply', MANIFEST, '--stage', 'local', '--yes'], p.dir) : undefined;
      const resumed = await spawnCli(['release', 'resume', '--stage', 'local', '--yes'], p.dir);
      const replan = await runCli(['release', 'plan', MANIFEST, '--stage', 'local', '--exit-code'], p.dir);
      return { k, killed, atKill, blocked, resumed, replan, state: resumed.code === 0 ? await stackState(p, { ids: false }) : null };
    });

    // THEN each was really killed there, a second apply was refused by the lock, resume finished the release,
    // and the stack equals the uninterrupted one with nothing left to plan
    const expected = await uninterrupted;
    for (const o of outcomes) {
      expect(o.killed.signal, `boundary ${o.k}: ${o.killed.stderr}`).toBe('SIGKILL');
      // (at that boundary: the journal shows exactly the first k steps done and the rest not started)
      expect(o.atKill, `boundary ${o.k}`).toEqual(STEPS.map((section, i) => [section, i < o.k ? 'done' : 'pending']));
      if (o.blocked) expect(o.blocked.code, `boundary ${o.k}: ${o.blocked.stderr}`).toBe(4);
      expect(o.resumed.code, `boundary ${o.k}: ${o.resumed.stderr}`).toBe(0);
      expect(o.state, `boundary ${o.k}`).toEqual(expected);
      expect(o.replan.code, `boundary ${o.k}: ${o.replan.stdout}`).toBe(0);
    }
  }, 300_000);
});
