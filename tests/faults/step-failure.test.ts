import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../src/aws/clients.js';
import { spawnCli } from '../helpers/cli.js';
import { changeEverything, FULL_SECTIONS, fullProject, stackState } from './support.js';

/** Sections split over this many projects that run side by side (each section's case is sequential within one). */
const LANES = 3;

describe('a failure injected in each step is rolled back to the exact before-state', () => {
  it('GIVEN release 1.0.0 live and 1.1.0 changing every section (an empty stage for bootstrap) WHEN step X fails (for every X) THEN the stack is exactly as before and exit is 1', async () => {
    // (the bootstrap step has nothing to do in 1.1.0: it fails in a first release instead, on an empty stage, alongside)
    const bootstrap = (async () => {
      const p = await fullProject();
      const before = await stackState(p);
      const r = await spawnCli(['release', 'apply', 'releases/1.0.0.yaml', '--stage', 'local', '--yes', '--output', 'json'], p.dir, { TURNCTL_TEST_FAIL_STEP: 'bootstrap' });
      const steps = r.stdout.trim() ? (JSON.parse(r.stdout) as { steps: Array<{ section: string; status: string; changes: number }> }).steps : [];
      return { before, out: [{ section: 'bootstrap', code: r.code, stderr: r.stderr, state: await stackState(p), step: steps.find((s) => s.section === 'bootstrap') }] };
    })();
    const lanes = Array.from({ length: LANES }, (_, i) => FULL_SECTIONS.filter((_, j) => j % LANES === i));
    const results = await mapLimit(lanes, LANES, async (sections) => {
      // GIVEN a stage on release 1.0.0
      const p = await fullProject();
      const first = await spawnCli(['release', 'apply', 'releases/1.0.0.yaml', '--stage', 'local', '--yes'], p.dir);
      expect(first.code, first.stderr).toBe(0);
      const before = await stackState(p);
      // (the state read back is detailed enough to see a preflight that was not put back: its CORS headers are in it)
      expect(before.gateway.routes['OPTIONS /hello'].integrationResponses['200']).toHaveProperty(['method.response.header.Access-Control-Allow-Methods']);
      // AND release 1.1.0 that changes every section
      const manifest = changeEverything(p);
      const out: Array<{ section: string; code: number | null; stderr: string; state: unknown; step?: { status: string; changes: number } }> = [];
      for (const section of sections) {
        // WHEN the step fails right after it applied its changes
        const r = await spawnCli(['release', 'apply', manifest, '--stage', 'local', '--yes', '--output', 'json'], p.dir, { TURNCTL_TEST_FAIL_STEP: section });
        const steps = r.stdout.trim() ? (JSON.parse(r.stdout) as { steps: Array<{ section: string; status: string; changes: number }> }).steps : [];
        out.push({ section, code: r.code, stderr: r.stderr, state: await stackState(p), step: steps.find((s) => s.section === section) });
      }
      return { before, out };
    });
    results.push(await bootstrap);

    for (const { before, out } of results) {
      for (const o of out) {
        // THEN the apply fails naming the step and the rollback, and every section is back as it was
        expect(o.code, `${o.section}: ${o.stderr}`).toBe(1);
        expect(o.stderr, o.section).toMatch(new RegExp(`injected failure in step ${o.section}.*the release was rolled back`));
        expect(o.state, o.section).toEqual(before);
        // AND the step had really written something before it failed (a step with nothing to do fails the same way
        // and "restores" trivially: a section 1.1.0 stopped changing would pass unnoticed)
        expect(o.step?.changes, `${o.section}: ${o.stderr}`).toBeGreaterThan(0);
      }
    }
    expect(results.flatMap((r) => r.out.map((o) => o.section)).sort()).toEqual(['bootstrap', ...FULL_SECTIONS].sort());
  }, 300_000);
});
