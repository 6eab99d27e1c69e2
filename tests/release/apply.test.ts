import { rmSync } from 'node:fs';
import { GetAliasCommand, GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWriteCommand } from '../../src/aws/clients.js';
import { recordAwsCalls, runCli } from '../helpers/cli.js';
import { handlerSource, makeProject, type TestProject } from '../helpers/project.js';

/** A second client, independent of turnctl's, to read state back. */
const lambda = new LambdaClient({ region: 'eu-central-1', endpoint: process.env.TURNCTL_SANDBOX_ENDPOINT, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

async function snapshot(p: TestProject, fn: string) {
  const name = `${p.name}-local-${fn}`;
  const alias = await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }));
  const live = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name, Qualifier: 'live' }));
  const latest = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
  const pick = (c: typeof live) => ({ code: c.CodeSha256, env: c.Environment?.Variables, memory: c.MemorySize, timeout: c.Timeout, handler: c.Handler, runtime: c.Runtime });
  return { aliasVersion: alias.FunctionVersion, live: pick(live), latest: pick(latest) };
}

describe('release apply on the sandbox (functions and env)', () => {
  let p: TestProject;
  let manifest: string;
  beforeAll(() => {
    p = makeProject();
    manifest = `${p.dir}/releases/1.0.0.yaml`;
  });

  it('GIVEN a fresh stage WHEN the release is applied THEN everything is created and post-checks pass', async () => {
    const r = await runCli(['release', 'apply', manifest, '--stage', 'local', '--yes', '--output', 'json'], p.dir);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe('succeeded');
    expect(out.postChecks).toEqual([expect.objectContaining({ name: 'smoke', ok: true })]);
    const s = await snapshot(p, 'health');
    expect(s.aliasVersion).toBe('1');
    expect(s.live.env).toEqual({ STAGE: 'local', LOG_LEVEL: 'info' });
  });

  it('GIVEN an applied release WHEN planned again THEN no changes and --exit-code exits 0', async () => {
    const r = await runCli(['release', 'plan', manifest, '--stage', 'local', '--output', 'json', '--exit-code'], p.dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).summary).toEqual({ create: 0, update: 0, delete: 0 });
  });

  it('GIVEN an applied release WHEN applied again THEN no AWS write call is made', async () => {
    const { result: r, calls } = await recordAwsCalls(() => runCli(['release', 'apply', manifest, '--stage', 'local', '--yes'], p.dir));
    expect(r.code, r.stderr).toBe(0);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((c) => isWriteCommand(c.command))).toEqual([]);
  });

  it('GIVEN one env value and one code line changed WHEN planned THEN exactly those changes, masked; apply and rollback restore exactly', async () => {
    const before = await snapshot(p, 'health');
    p.config.functions.health.environment.LOG_LEVEL = 'debug';
    p.writeConfig(p.config);
    p.write('src/lambdas/health/index.ts', handlerSource('v2', ['STAGE']));

    const plan = await runCli(['release', 'plan', manifest, '--stage', 'local', '--output', 'json', '--exit-code'], p.dir);
    expect(plan.code).toBe(2);
    const json = JSON.parse(plan.stdout);
    const changes = json.steps.flatMap((s: { section: string; changes: Array<{ id: string; action: string }> }) => s.changes.map((c) => ({ section: s.section, id: c.id, action: c.action })));
    expect(changes).toEqual([
      { section: 'env', id: 'env:health:LOG_LEVEL', action: 'update' },
      { section: 'functions', id: 'function:health', action: 'update' },
    ]);
    expect(plan.stdout).not.toContain('debug');
    expect(json.summary).toEqual({ create: 0, update: 2, delete: 0 });
    const fnChange = json.steps.find((s: { section: string }) => s.section === 'functions').changes[0];
    expect(Object.keys(fnChange.after).sort()).toEqual(['codeSha256', 'env', 'version']);

    const applied = await runCli(['release', 'apply', manifest, '--stage', 'local', '--yes'], p.dir);
    expect(applied.code, applied.stderr).toBe(0);
    const after = await snapshot(p, 'health');
    expect(after.aliasVersion).toBe('2');
    expect(after.live.env?.LOG_LEVEL).toBe('debug');
    expect(after.live.code).not.toBe(before.live.code);
    const invoked = await runCli(['invoke', 'health', '--stage', 'local', '--output', 'json'], p.dir);
    expect(JSON.parse(JSON.parse(invoked.stdout).payload.body).marker).toBe('v2');

    const helloBefore = await snapshot(p, 'hello');
    const { result: rb, calls } = await recordAwsCalls(() => runCli(['release', 'rollback', '--stage', 'local', '--yes', '--output', 'json'], p.dir));
    expect(rb.code, rb.stderr).toBe(0);
    expect(await snapshot(p, 'health')).toEqual(before);
    // AND the function the release did not change gets no write call and is not reported as restored
    expect(JSON.parse(rb.stdout).rollback.restored).toEqual(['health: live alias back on version 1']);
    expect(calls.filter((c) => c.command === 'UpdateAlias')).toHaveLength(1);
    expect(await snapshot(p, 'hello')).toEqual(helloBefore);
    const again = await runCli(['invoke', 'health', '--stage', 'local', '--output', 'json'], p.dir);
    expect(JSON.parse(JSON.parse(again.stdout).payload.body).marker).toBe('v1');
  });

  it('GIVEN a smoke event that fails WHEN applied THEN the release is rolled back with exit 3 and the journal names the check', async () => {
    const before = await snapshot(p, 'hello');
    p.config.functions.hello.environment.FAIL_SMOKE = 'yes';
    p.writeConfig(p.config);
    const r = await runCli(['release', 'apply', manifest, '--stage', 'local', '--yes', '--output', 'json'], p.dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/post-check failed: smoke/);
    // CI gets the outcome as JSON on stdout too.
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ status: 'rolled-back', failedCheck: 'smoke', postChecks: [expect.objectContaining({ name: 'smoke', ok: false })] });
    expect(out.rollback.restored.join('\n')).toMatch(/hello: live alias back on version 1/);
    expect(await snapshot(p, 'hello')).toEqual(before);
    const status = await runCli(['release', 'status', '--stage', 'local', '--output', 'json'], p.dir);
    const run = JSON.parse(status.stdout).run;
    expect(run.status).toBe('rolled-back');
    expect(run.failedCheck).toBe('smoke');
    expect(run.rollback.restored.join('\n')).toMatch(/hello: live alias back on version 1/);
    // AND `release rollback` without a run names the run that is now the stage's newest change
    const again = await runCli(['release', 'rollback', '--stage', 'local', '--yes'], p.dir);
    expect(again.code).toBe(1);
    const history = JSON.parse((await runCli(['release', 'history', '--stage', 'local', '--output', 'json'], p.dir)).stdout) as Array<{ run: string; status: string }>;
    const previous = history.find((h) => h.status === 'succeeded')!;
    expect(again.stderr.trim()).toBe(
      `error: run ${run.run} (release ${run.release}) is already rolled back; the newest change to stage local now is run ${previous.run} (release 1.0.0): turnctl release rollback ${previous.run} --stage local`,
    );
    delete p.config.functions.hello.environment.FAIL_SMOKE;
    p.writeConfig(p.config);
  });

  it('GIVEN a deployed function WHEN invoked with an event it throws on THEN exit 1, the error payload on stdout and one line naming the function', async () => {
    p.write('fail.json', JSON.stringify({ fail: true }));
    const r = await runCli(['invoke', 'hello', '--stage', 'local', '--event', 'fail.json'], p.dir);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ errorType: 'Error', errorMessage: 'smoke failure requested' });
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^error: function hello \(version \d+\) on stage local failed: Error: smoke failure requested; see its log lines with --logs$/);
  });

  it('GIVEN a deployed function WHEN invoked on the sandbox THEN its context is the live alias of the stage, with its version and memory', async () => {
    p.write('context.json', JSON.stringify({ context: true }));
    const r = await runCli(['invoke', 'health', '--stage', 'local', '--event', 'context.json', '--output', 'json'], p.dir);
    expect(r.code, r.stderr).toBe(0);
    const alias = await lambda.send(new GetAliasCommand({ FunctionName: `${p.name}-local-health`, Name: 'live' }));
    expect(JSON.parse(JSON.parse(r.stdout).payload.body)).toEqual({ arn: `arn:aws:lambda:eu-central-1:123456789012:function:${p.name}-local-health:live`, version: alias.FunctionVersion, memory: '256' });
  });

  it('GIVEN a smoke event in src/lambdas/<fn>/smoke.json WHEN invoked with --smoke THEN that event is sent; with --event too THEN 64', async () => {
    p.write('src/lambdas/hello/smoke.json', JSON.stringify({ fail: true }));
    try {
      const r = await runCli(['invoke', 'hello', '--stage', 'local', '--smoke', '--output', 'json'], p.dir);
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout)).toMatchObject({ function: 'hello', ok: false, payload: { errorMessage: 'smoke failure requested' } });
      const both = await runCli(['invoke', 'hello', '--stage', 'local', '--smoke', '--event', 'fail.json'], p.dir);
      expect(both.code).toBe(64);
      expect(both.stderr).toContain('--event and --smoke name two events; pass one');
      const unknown = await runCli(['invoke', 'nope', '--stage', 'local', '--smoke'], p.dir);
      expect(unknown.code).toBe(64);
    } finally {
      rmSync(`${p.dir}/src/lambdas/hello/smoke.json`);
    }
  });

  it('GIVEN a saved plan WHEN live state changes before apply --plan THEN the stale plan is refused', async () => {
    p.config.functions.hello.memory = 192;
    p.writeConfig(p.config);
    const saved = await runCli(['release', 'plan', manifest, '--stage', 'local', '--out', `${p.dir}/plan.json`], p.dir);
    expect(saved.code).toBe(0);
    p.config.functions.hello.memory = 256;
    p.writeConfig(p.config);
    const r = await runCli(['release', 'apply', manifest, '--stage', 'local', '--yes', '--plan', `${p.dir}/plan.json`], p.dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/stale plan/);
    p.config.functions.hello.memory = 192;
    p.writeConfig(p.config);
    const ok = await runCli(['release', 'apply', manifest, '--stage', 'local', '--yes', '--plan', `${p.dir}/plan.json`], p.dir);
    expect(ok.code, ok.stderr).toBe(0);
    expect((await snapshot(p, 'hello')).live.memory).toBe(192);
  });

  it('GIVEN no TTY WHEN apply runs without --yes THEN it refuses with a usage error naming --yes', async () => {
    p.config.functions.hello.memory = 320;
    p.writeConfig(p.config);
    const r = await runCli(['release', 'apply', manifest, '--stage', 'local'], p.dir);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/--yes/);
  });

  it('GIVEN prod on a TTY WHEN the typed stage name is wrong THEN nothing is applied', async () => {
    const r = await runCli(['release', 'apply', manifest, '--stage', 'prod'], p.dir, { interactive: true, answers: ['nope'] });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Type "prod" to confirm/);
    expect(r.stderr).toMatch(/aborted: you typed "nope"/);
    const typed = await runCli(['release', 'apply', manifest, '--stage', 'staging'], p.dir, { interactive: true, answers: [false] });
    expect(typed.code).toBe(1);
    expect(typed.stderr).toMatch(/aborted/);
  });

  it('GIVEN credentials of another account WHEN applying (even with no pre-checks listed) THEN it stops before any write', async () => {
    const other = makeProject({ config: (c) => (c.stages.staging.account = '999999999999') });
    const m = other.writeRelease({ version: '1.0.0', notes: 'no checks listed', checks: { pre: [], post: [] } });
    const { result: r, calls } = await recordAwsCalls(() => runCli(['release', 'apply', m, '--stage', 'staging', '--yes'], other.dir));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/pre-check credentials failed: credentials are for account 123456789012, but stage staging is account 999999999999/);
    expect(calls.filter((c) => isWriteCommand(c.command))).toEqual([]);
  });

  it('GIVEN a release never applied to staging WHEN applied to prod (promoteFrom: staging), even by a manifest that lists no pre-check THEN refused before any write; after staging passes, prod applies', async () => {
    const q = makeProject();
    const m = q.writeRelease({ version: '1.0.0', notes: 'promote', scope: ['env', 'functions'], checks: { pre: [], post: ['smoke'] } });
    const { result: refused, calls } = await recordAwsCalls(() => runCli(['release', 'apply', m, '--stage', 'prod', '--yes'], q.dir));
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n').at(-1)).toMatch(/^error: pre-check staging-verified failed: release digest sha256:\S+ has not passed its post-checks on staging; apply the same release .* to staging first; nothing was changed$/);
    expect(calls.filter((c) => isWriteCommand(c.command))).toEqual([]);

    expect((await runCli(['release', 'apply', m, '--stage', 'staging', '--yes'], q.dir)).code).toBe(0);
    const promoted = await runCli(['release', 'apply', m, '--stage', 'prod', '--yes', '--output', 'json'], q.dir);
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(JSON.parse(promoted.stdout).preChecks.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual([['credentials', true], ['staging-verified', true]]);
  });
});
