import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isWriteCommand } from '../../src/aws/clients.js';
import { recordAwsCalls, runCli } from '../helpers/cli.js';
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
});
