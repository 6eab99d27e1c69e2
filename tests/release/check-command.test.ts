import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordAwsCalls, runCli } from '../helpers/cli.js';
import { handlerSource, makeProject } from '../helpers/project.js';
import { putLogLines } from '../monitoring/helpers.js';

describe('turnctl check run (outside a release)', () => {
  it('GIVEN no release and no saved plan WHEN the pre-checks run THEN plan-fresh is left out of the default list and the others decide the exit code', async () => {
    const p = makeProject();
    const r = await runCli(['check', 'run', 'pre', '--stage', 'local', '--output', 'json'], p.dir);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const names = JSON.parse(r.stdout).checks.map((c: { name: string }) => c.name);
    expect(names).toContain('credentials');
    expect(names).not.toContain('plan-fresh');
  });

  it('GIVEN plan-fresh named explicitly without a plan WHEN run THEN it fails saying what it needs (exit 1)', async () => {
    const p = makeProject();
    const r = await runCli(['check', 'run', 'pre', '--stage', 'local', '--checks', 'plan-fresh'], p.dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✖ plan-fresh: no plan to compare; run with a release/);
  });

  it('GIVEN a saved plan and no --release WHEN the pre-checks run with --plan THEN plan-fresh compares it with a fresh plan of the release it names', async () => {
    const p = makeProject();
    const saved = await runCli(['release', 'plan', 'releases/1.0.0.yaml', '--stage', 'local', '--out', 'plan.json'], p.dir);
    expect(saved.code, saved.stderr).toBe(0);
    const r = await runCli(['check', 'run', 'pre', '--stage', 'local', '--plan', 'plan.json', '--checks', 'plan-fresh'], p.dir);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/✔ plan-fresh: plan of .* still matches live state/);
    // AND a plan made for another stage is invalid input, as on apply
    const other = JSON.parse(readFileSync(join(p.dir, 'plan.json'), 'utf8'));
    writeFileSync(join(p.dir, 'plan.json'), JSON.stringify({ ...other, stage: 'staging' }));
    const wrong = await runCli(['check', 'run', 'pre', '--stage', 'local', '--plan', 'plan.json', '--release', 'releases/1.0.0.yaml'], p.dir);
    expect(wrong.code).toBe(65);
    expect(wrong.stderr).toMatch(/^error: \S*plan\.json:\d+:\d+: plan is for stage staging, not local/);
  });

  it('GIVEN a bad --since WHEN run with a release THEN it is a usage error (64) before the release is planned (no AWS call)', async () => {
    const p = makeProject();
    const { result: r, calls } = await recordAwsCalls(() => runCli(['check', 'run', 'post', '--stage', 'local', '--release', 'releases/1.0.0.yaml', '--since', 'yesterday'], p.dir));
    expect(r.code).toBe(64);
    expect(r.stderr.trim()).toBe('error: --since "yesterday" is not a duration; use e.g. 90s, 15m, 1h or 2d');
    expect(calls).toEqual([]);
  });

  it('GIVEN an unknown check in --checks WHEN run THEN it is a usage error (exit 64) listing the known checks', async () => {
    const p = makeProject();
    const r = await runCli(['check', 'run', 'pre', '--stage', 'local', '--checks', 'credentials,nope'], p.dir);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/^error: unknown check "nope" in --checks; known checks: .*credentials/);
  });

  it('GIVEN --checks naming a check of the other phase WHEN run THEN it is a usage error (64) naming the phase to run it in', async () => {
    const p = makeProject();
    const r = await runCli(['check', 'run', 'pre', '--stage', 'local', '--checks', 'credentials,smoke'], p.dir);
    expect([r.code, r.stdout, r.stderr.trim()]).toEqual([64, '', 'error: check "smoke" is a post-check, not a pre-check; run it with: turnctl check run post --checks smoke']);
  });

  it('GIVEN --checks that names no check WHEN run THEN it is a usage error (64), not a pass with nothing run', async () => {
    const p = makeProject();
    for (const list of [',', '', ' , ']) {
      const r = await runCli(['check', 'run', 'pre', '--stage', 'local', '--checks', list], p.dir);
      expect(r.code, r.stdout + r.stderr).toBe(64);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^error: --checks ".*" names no check; pass names like credentials,smoke/);
    }
  });

  it('GIVEN an unknown check in the manifest WHEN run with --release THEN it is invalid input at the manifest\'s file:line (exit 65)', async () => {
    const p = makeProject();
    const manifest = p.writeRelease({ version: '1.0.0', checks: { pre: ['credentials', 'nope'] } });
    const r = await runCli(['check', 'run', 'pre', '--stage', 'local', '--release', manifest], p.dir);
    expect(r.code).toBe(65);
    expect(r.stderr).toMatch(/1\.0\.0\.yaml:\d+:\d+: unknown check "nope"/);
  });
});

describe('the tracking-plan post-check reads the logs of the smoke events', () => {
  // health tracks HealthChecked (a smoke: true event of the tracking plan) on every call, as the shipped functions do.
  const health = `const track = (event: string) => console.log(JSON.stringify({ level: 'INFO', message: event, event }));
export const REQUIRED_ENV = [] as const;
export const handler = async () => {
  track('HealthChecked');
  return { statusCode: 200, body: JSON.stringify({ status: 'healthy' }) };
};
`;
  const trackedProject = () => {
    const p = makeProject({ functions: { health, hello: handlerSource('hello-v1') } });
    p.write('tracking-plan.yaml', 'version: 1\nevents:\n  HealthChecked: { function: health, smoke: true }\n');
    return p;
  };

  it('GIVEN a manifest listing tracking-plan before smoke WHEN applied THEN smoke runs first and the release passes (tracking-plan ran on no logs, failed and rolled it back)', async () => {
    const p = trackedProject();
    const manifest = p.writeRelease({ version: '1.0.0', notes: 'x', scope: ['functions'], checks: { pre: ['credentials'], post: ['tracking-plan', 'smoke'] } });
    const r = await runCli(['release', 'apply', manifest, '--stage', 'local', '--yes', '--output', 'json'], p.dir);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).postChecks.map((c: { name: string; ok: boolean }) => `${c.name}:${c.ok}`)).toEqual(['smoke:true', 'tracking-plan:true']);
    // AND check run orders an explicit --checks list the same way
    const c = await runCli(['check', 'run', 'post', '--stage', 'local', '--checks', 'tracking-plan,smoke'], p.dir);
    expect(c.code, c.stdout + c.stderr).toBe(0);
    expect(c.io.stdout.map((l) => l.split(':')[0])).toEqual(['✔ smoke', '✔ tracking-plan']);
  });

  it('GIVEN a manifest listing tracking-plan without smoke while the plan has smoke: true events WHEN planned THEN exit 65 at the check (it would fail and roll back every release)', async () => {
    const p = trackedProject();
    const manifest = p.writeRelease({ version: '1.0.0', notes: 'x', checks: { pre: ['credentials'], post: ['tracking-plan'] } });
    const r = await runCli(['release', 'plan', manifest, '--stage', 'local'], p.dir);
    expect(r.code, r.stderr).toBe(65);
    const line = readFileSync(manifest, 'utf8').split('\n').findIndex((l) => l.includes('tracking-plan')) + 1;
    expect(r.stderr.trim()).toMatch(new RegExp(`^error: \\S*1\\.0\\.0\\.yaml:${line}:\\d+: the tracking-plan post-check looks for the events the smoke post-check makes the functions log \\(HealthChecked\\): without smoke in checks\\.post it always fails; add smoke to checks\\.post or remove the check$`));
  });
});

describe('check run without --release: the default list', () => {
  it('GIVEN a project without a gateway WHEN the post-checks run THEN health and cors, which cannot pass without one, are left out with a note (they failed every run)', async () => {
    const p = makeProject();
    // an error entry makes the errors check answer at once instead of watching its 1 min window
    await putLogLines(`/aws/lambda/${p.name}-local-hello`, [{ message: '{"level":"ERROR","message":"boom"}' }]);
    const r = await runCli(['check', 'run', 'post', '--stage', 'local', '--since', '15m', '--output', 'json'], p.dir);
    const out = JSON.parse(r.stdout);
    expect(out.checks.map((c: { name: string }) => c.name)).toEqual(['smoke', 'tracking-plan', 'errors']);
    expect(out.skipped.map((c: { name: string }) => c.name)).toEqual(['health', 'cors']);
    expect(r.io.stderr.filter((l) => l.startsWith('skipped'))).toEqual([
      expect.stringMatching(/^skipped health: the health post-check needs a health route in gateway\.routes/),
      expect.stringMatching(/^skipped cors: the cors post-check needs gateway\.cors\.origins in turnctl\.yaml/),
    ]);
    // AND named with --checks, health still runs and says why it fails
    const named = await runCli(['check', 'run', 'post', '--stage', 'local', '--checks', 'health'], p.dir);
    expect(named.code).toBe(1);
    expect(named.stdout).toMatch(/^✖ health: no health route in gateway\.routes/);
  });
});
