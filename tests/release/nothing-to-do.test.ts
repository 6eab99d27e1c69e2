import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeProject } from '../helpers/project.js';

describe('rollback and resume on a stage with nothing to do', () => {
  it('GIVEN a stage no release was applied to WHEN rolling back or resuming THEN exit 0 saying so (no prompt); a named run that does not exist is exit 64', async () => {
    const p = makeProject();
    // No --yes and no TTY: a confirmation would be refused (64), so exit 0 also proves nothing was asked.
    const rollback = await runCli(['release', 'rollback', '--stage', 'local'], p.dir);
    expect([rollback.code, rollback.stdout.trim(), rollback.stderr]).toEqual([0, 'no release was applied to stage local; nothing to roll back', '']);
    const rollbackJson = await runCli(['release', 'rollback', '--stage', 'local', '--output', 'json'], p.dir);
    expect([rollbackJson.code, JSON.parse(rollbackJson.stdout)]).toEqual([0, { status: 'nothing-to-roll-back', stage: 'local' }]);
    const resume = await runCli(['release', 'resume', '--stage', 'local'], p.dir);
    expect([resume.code, resume.stdout.trim(), resume.stderr]).toEqual([0, 'nothing to resume on stage local: no apply holds its lock', '']);
    const resumeJson = await runCli(['release', 'resume', '--stage', 'local', '--output', 'json'], p.dir);
    expect([resumeJson.code, JSON.parse(resumeJson.stdout)]).toEqual([0, { status: 'nothing-to-resume', stage: 'local' }]);
    const named = await runCli(['release', 'rollback', '20260101T000000000Z-abcd', '--stage', 'local', '--yes'], p.dir);
    expect([named.code, named.stderr.trim()]).toEqual([64, 'error: no run 20260101T000000000Z-abcd on stage local; see turnctl release history --stage local']);
  });
});
