import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isWriteCommand } from '../../src/aws/clients.js';
import { recordAwsCalls, runCli, spawnCli } from '../helpers/cli.js';
import { makeProject } from '../helpers/project.js';

// prod promotes from staging (tests/helpers/project.ts): prod's staging-verified check wants the release digest to have
// passed its post-checks on staging. The digest covers turnctl.yaml's text, so an edit that changes nothing on staging
// (a value for prod only, a comment) gives a new digest whose staging plan has no changes.
describe('promotion after an edit that changes nothing on the stage promoted from', () => {
  it('GIVEN a release applied to staging and turnctl.yaml then edited for prod only WHEN staging is planned and applied THEN apply runs the post-checks and records them (state bucket writes only), and prod promotes', async () => {
    const p = makeProject();
    const m = p.writeRelease({ version: '1.0.0', notes: 'promote', scope: ['env', 'functions'], checks: { pre: [], post: ['smoke'] } });
    const first = await runCli(['release', 'apply', m, '--stage', 'staging', '--yes', '--output', 'json'], p.dir);
    expect(first.code, first.stderr).toBe(0);
    const realRun = JSON.parse(first.stdout).run as string;

    appendFileSync(join(p.dir, 'turnctl.yaml'), '# prod: raise the alarm thresholds next week\n');
    const plan = await runCli(['release', 'plan', m, '--stage', 'staging', '--exit-code'], p.dir);
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stdout).toContain('No changes. The stage matches the release.');
    expect(plan.stdout).toMatch(/Post-checks pending: release digest sha256:\S+ has not passed its post-checks on staging, which stage prod promotes from: apply runs them and records the run \(nothing else is changed\)\./);
    // Before the fix, prod was refused here for good: staging said "No changes" and recorded nothing.
    const refused = await runCli(['release', 'apply', m, '--stage', 'prod', '--yes'], p.dir);
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringMatching(/pre-check staging-verified failed/)]);

    const { result: verify, calls } = await recordAwsCalls(() => runCli(['release', 'apply', m, '--stage', 'staging', '--yes'], p.dir));
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/Release 1\.0\.0: no changes on staging; post-checks passed and recorded in run \S+ for the stages that promote from staging\./);
    const writes = calls.filter((c) => isWriteCommand(c.command));
    expect(writes.length).toBeGreaterThan(0);
    // The journal and the lock; and on a sandbox stage the local invoker writes the smoke call's log lines, as Lambda would.
    expect(writes.filter((c) => c.service !== 's3' && c.service !== 'logs')).toEqual([]);
    expect(writes.filter((c) => c.service === 's3').map((c) => c.command)).toContain('PutObject');
    const status = JSON.parse((await runCli(['release', 'status', '--stage', 'staging', '--output', 'json'], p.dir)).stdout).run;
    expect(status).toMatchObject({ status: 'succeeded', postChecksPassed: true, postChecks: [expect.objectContaining({ name: 'smoke', ok: true })] });
    expect(status.plan.summary).toEqual({ create: 0, update: 0, delete: 0 });
    // The text says what history says (it said "succeeded", like a run that changed the stage).
    expect((await runCli(['release', 'status', '--stage', 'staging'], p.dir)).stdout).toMatch(/^run \S+  release 1\.0\.0  stage staging  verified \(no changes; it ran the post-checks, which passed\)$/m);

    // Verified now: a second apply is a plain no-op again, without a write call.
    const { result: again, calls: againCalls } = await recordAwsCalls(() => runCli(['release', 'plan', m, '--stage', 'staging', '--exit-code'], p.dir));
    expect(again.code).toBe(0);
    expect(againCalls.filter((c) => isWriteCommand(c.command))).toEqual([]);
    const promoted = await runCli(['release', 'apply', m, '--stage', 'prod', '--yes'], p.dir);
    expect(promoted.code, promoted.stderr).toBe(0);

    // The verification run is in the history, and is never the staging change a rollback undoes.
    const history = await runCli(['release', 'history', '--stage', 'staging', '--output', 'json'], p.dir);
    expect((JSON.parse(history.stdout) as Array<{ run: string; verification: boolean; status: string }>).map((h) => [h.verification, h.status])).toEqual([[true, 'succeeded'], [false, 'succeeded']]);
    expect((await runCli(['release', 'history', '--stage', 'staging'], p.dir)).stdout).toMatch(/ verified /);
    const rollback = await runCli(['release', 'rollback', '--stage', 'staging', '--yes'], p.dir);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.stdout).toContain(`Run ${realRun} (release 1.0.0) rolled back on staging.`);
  });

  it('GIVEN a plan with post-checks pending whose smoke check fails on staging WHEN applied THEN exit 1 says nothing was changed or rolled back, the run is failed, and the digest stays unverified', async () => {
    const p = makeProject();
    const m = p.writeRelease({ version: '1.0.0', notes: 'promote', scope: ['env', 'functions'], checks: { pre: [], post: ['smoke'] } });
    const first = await runCli(['release', 'apply', m, '--stage', 'staging', '--yes', '--output', 'json'], p.dir);
    expect(first.code, first.stderr).toBe(0);
    appendFileSync(join(p.dir, 'turnctl.yaml'), '# prod only\n');
    // The smoke event is not part of the release digest: the stage itself now fails its smoke check.
    writeFileSync(join(p.dir, 'src/lambdas/hello/smoke.json'), JSON.stringify({ fail: true }));

    const r = await runCli(['release', 'apply', m, '--stage', 'staging', '--yes'], p.dir);
    // Before the fix: exit 3 "the release was rolled back", although the run had changed nothing.
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/error: post-check failed: smoke \(.*\); nothing was changed on staging \(run \S+ only ran the post-checks\), and release 1\.0\.0 stays unverified there$/m);
    expect(r.stderr).not.toMatch(/rolling back|rolled back/);
    const status = JSON.parse((await runCli(['release', 'status', '--stage', 'staging', '--output', 'json'], p.dir)).stdout);
    expect(status.lock).toBeNull();
    expect(status.run).toMatchObject({ status: 'failed', postChecksPassed: false, failedCheck: 'smoke' });
    expect(status.run.rollback).toBeUndefined();
    const plan = await runCli(['release', 'plan', m, '--stage', 'staging', '--exit-code'], p.dir);
    expect([plan.code, plan.stdout]).toEqual([2, expect.stringContaining('Post-checks pending')]);
    const prod = await runCli(['release', 'apply', m, '--stage', 'prod', '--yes'], p.dir);
    expect([prod.code, prod.stderr]).toEqual([1, expect.stringMatching(/pre-check staging-verified failed/)]);
  });

  it('GIVEN a saved plan with post-checks pending WHEN its apply dies before the post-checks THEN the stage stays locked, resume runs them and records the run, and prod promotes', async () => {
    const p = makeProject();
    const m = p.writeRelease({ version: '1.0.0', notes: 'promote', scope: ['env', 'functions'], checks: { pre: [], post: ['smoke'] } });
    expect((await runCli(['release', 'apply', m, '--stage', 'staging', '--yes'], p.dir)).code).toBe(0);
    appendFileSync(join(p.dir, 'turnctl.yaml'), '# prod only\n');
    const out = join(p.dir, 'plan.json');
    const planned = await runCli(['release', 'plan', m, '--stage', 'staging', '--out', out, '--exit-code'], p.dir);
    expect(planned.code, planned.stderr).toBe(2);
    const saved = JSON.parse(readFileSync(out, 'utf8'));
    expect(saved.verify).toMatch(/has not passed its post-checks on staging/);

    // Every step of a run without changes is done from the start: the last boundary is the one before the post-checks.
    const killed = await spawnCli(['release', 'apply', m, '--stage', 'staging', '--yes', '--plan', out], p.dir, { TURNCTL_TEST_KILL_AT: String(saved.steps.length) });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const blocked = await runCli(['release', 'apply', m, '--stage', 'prod', '--yes'], p.dir);
    expect(blocked.code, blocked.stderr).toBe(1);
    const status = JSON.parse((await runCli(['release', 'status', '--stage', 'staging', '--output', 'json'], p.dir)).stdout);
    expect(status.run).toMatchObject({ status: 'running', postChecksPassed: false });
    expect(status.lock.run).toBe(status.run.run);

    const resumed = await runCli(['release', 'resume', '--stage', 'staging', '--yes'], p.dir);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/✔ post-check smoke/);
    const after = JSON.parse((await runCli(['release', 'status', '--stage', 'staging', '--output', 'json'], p.dir)).stdout);
    expect(after).toMatchObject({ lock: null, run: { run: status.run.run, status: 'succeeded', postChecksPassed: true } });
    const promoted = await runCli(['release', 'apply', m, '--stage', 'prod', '--yes'], p.dir);
    expect(promoted.code, promoted.stderr).toBe(0);
  });
});
