import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../helpers/cli.js';
import { makeProject } from '../helpers/project.js';

// rollback: manual leaves a release whose post-check failed in place. Live then matches the release, so a re-run of
// apply (a CI retry, or after fixing what the check found) had nothing to change: "No changes", exit 0, and the
// post-checks were never run again. Such a plan now says its post-checks are pending, and apply runs and records them.
describe('post-checks pending after a failed run that was not rolled back', () => {
  it('GIVEN a release whose smoke check failed under rollback: manual WHEN planned and applied again THEN post-checks are pending (exit 2), apply runs them (exit 1 while failing, 0 once passing), and rollback still undoes the failed run', async () => {
    const p = makeProject();
    const m = p.writeRelease({ version: '1.0.0', notes: 'manual', scope: ['env', 'functions'], checks: { pre: [], post: ['smoke'] }, rollback: 'manual' });
    const smoke = join(p.dir, 'src/lambdas/hello/smoke.json');
    writeFileSync(smoke, JSON.stringify({ fail: true }));
    const failed = await runCli(['release', 'apply', m, '--stage', 'local', '--yes', '--output', 'json'], p.dir);
    expect(failed.code, failed.stderr).toBe(1);
    const failedRun = JSON.parse(failed.stdout).run as string;

    // An edit that changes nothing live gives a new digest; the failed run's post-checks are still owed.
    appendFileSync(join(p.dir, 'turnctl.yaml'), '# a comment\n');
    const plan = await runCli(['release', 'plan', m, '--stage', 'local', '--exit-code'], p.dir);
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stdout).toContain('No changes. The stage matches the release.');
    expect(plan.stdout).toContain(`Post-checks pending: the stage's newest change, run ${failedRun} (release 1.0.0), failed and was not rolled back (post-check smoke), and no run has passed the post-checks since`);
    // Still failing: checked again, exit 1, nothing changed or rolled back.
    const again = await runCli(['release', 'apply', m, '--stage', 'local', '--yes'], p.dir);
    expect(again.code, again.stderr).toBe(1);
    expect(again.stderr).toMatch(/✖ post-check smoke/);
    expect(again.stderr).toMatch(/nothing was changed on local \(run \S+ only ran the post-checks\)/);

    // Still owed after a run that only checked and failed (above), or died and was unlocked.
    const killed = await spawnCli(['release', 'apply', m, '--stage', 'local', '--yes'], p.dir, { TURNCTL_TEST_KILL_AT: String(JSON.parse((await runCli(['release', 'plan', m, '--stage', 'local', '--output', 'json'], p.dir)).stdout).steps.length) });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect((await runCli(['release', 'unlock', '--stage', 'local', '--yes'], p.dir)).code).toBe(0);
    expect((await runCli(['release', 'status', '--stage', 'local'], p.dir)).stdout).toContain('interrupted — its process died and its lock was broken; it only ran the post-checks and changed nothing: run release apply again to run them');
    expect((await runCli(['release', 'plan', m, '--stage', 'local', '--exit-code'], p.dir)).code).toBe(2);

    writeFileSync(smoke, JSON.stringify({}));
    const passed = await runCli(['release', 'apply', m, '--stage', 'local', '--yes'], p.dir);
    expect(passed.code, passed.stderr).toBe(0);
    expect(passed.stdout).toMatch(/^Release 1\.0\.0: no changes on local; post-checks passed and recorded in run \S+\.$/m);
    expect((await runCli(['release', 'plan', m, '--stage', 'local', '--exit-code'], p.dir)).code).toBe(0);
    const history = JSON.parse((await runCli(['release', 'history', '--stage', 'local', '--output', 'json'], p.dir)).stdout) as Array<{ run: string; status: string; verification: boolean }>;
    expect(history.map((h) => [h.status, h.verification])).toEqual([['succeeded', true], ['running', true], ['failed', true], ['failed', false]]);

    // The runs that only checked are never the change rollback undoes: the failed run is.
    const rollback = await runCli(['release', 'rollback', '--stage', 'local', '--yes'], p.dir);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.stdout).toContain(`Run ${failedRun} (release 1.0.0) rolled back on local.`);
  });
});
