import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../helpers/cli.js';
import { makeProject, type TestProject } from '../helpers/project.js';

const endpoint = process.env.TURNCTL_SANDBOX_ENDPOINT;
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const lambda = new LambdaClient({ region: 'eu-central-1', endpoint, credentials });
const s3 = new S3Client({ region: 'eu-central-1', endpoint, credentials, forcePathStyle: true });

/** The state of the stack with the project name taken out, so two projects can be compared. */
async function normalized(p: TestProject) {
  const out: Record<string, unknown> = {};
  for (const fn of ['health', 'hello']) {
    const c = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: `${p.name}-local-${fn}`, Qualifier: 'live' }));
    out[fn] = { code: c.CodeSha256, env: c.Environment?.Variables, memory: c.MemorySize, timeout: c.Timeout, version: c.Version, role: c.Role?.replace(p.name, 'P') };
  }
  return out;
}

function scoped(p: TestProject): string {
  return p.writeRelease({ version: '1.0.0', notes: 'engine sections', scope: ['env', 'functions'], checks: { pre: ['credentials'], post: ['smoke'] } });
}

/** A state-bucket object read back as JSON through the second client. */
async function stateJson(bucket: string, key: string) {
  return JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString());
}

/** Applies the scoped release, SIGKILLed after step boundary 2; the state bucket and the lock the dead apply left. */
async function killedAfterStep2(p: TestProject, m: string) {
  const killed = await spawnCli(['release', 'apply', m, '--stage', 'local', '--yes'], p.dir, { TURNCTL_TEST_KILL_AT: '2' });
  expect(killed.signal).toBe('SIGKILL');
  const bucket = `${p.name}-local-turnctl`;
  return { bucket, lock: await stateJson(bucket, 'locks/apply') };
}

describe('lock, crash and resume', () => {
  it('GIVEN two applies started together THEN exactly one proceeds and the other exits 4 naming the holder', async () => {
    const p = makeProject();
    const m = scoped(p);
    const [a, b] = await Promise.all([
      spawnCli(['release', 'apply', m, '--stage', 'local', '--yes'], p.dir, { TURNCTL_HOLDER: 'alice' }),
      spawnCli(['release', 'apply', m, '--stage', 'local', '--yes'], p.dir, { TURNCTL_HOLDER: 'bob' }),
    ]);
    const codes = [a.code, b.code].sort();
    if (codes[0] === 0 && codes[1] === 0) {
      // They did not overlap (one finished before the other planned): the second must then have been a no-op.
      expect([a.stdout, b.stdout].join('\n')).toMatch(/No changes/);
    } else {
      expect(codes).toEqual([0, 4]);
      const loser = a.code === 4 ? a : b;
      const winner = a.code === 4 ? 'bob' : 'alice';
      expect(loser.stderr).toMatch(new RegExp(`locked by ${winner}`));
    }
  });

  it('GIVEN a lock held by someone else WHEN applying THEN exit 4 names the holder; unlock needs --yes and names the holder', async () => {
    const p = makeProject();
    const m = scoped(p);
    const first = await runCli(['release', 'apply', m, '--stage', 'local', '--yes'], p.dir);
    expect(first.code, first.stderr).toBe(0);
    const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await s3.send(new PutObjectCommand({
      Bucket: `${p.name}-local-turnctl`, Key: 'locks/apply',
      Body: JSON.stringify({ holder: 'carol@ci (pid 1)', run: 'r-carol', release: '0.9.0', host: 'elsewhere', pid: 1, acquiredAt: old.toISOString(), expiresAt: new Date(old.getTime() + 1800e3).toISOString() }),
    }));
    p.config.functions.hello.memory = 160;
    p.writeConfig(p.config);
    const r = await runCli(['release', 'apply', m, '--stage', 'local', '--yes'], p.dir);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/locked by carol@ci \(pid 1\).*older than its TTL/);
    const refused = await runCli(['release', 'unlock', '--stage', 'local'], p.dir);
    expect(refused.code).toBe(64);
    expect(refused.stderr).toMatch(/carol@ci/);
    const unlocked = await runCli(['release', 'unlock', '--stage', 'local', '--yes'], p.dir);
    expect(unlocked.code).toBe(0);
    await expect(s3.send(new GetObjectCommand({ Bucket: `${p.name}-local-turnctl`, Key: 'locks/apply' }))).rejects.toThrow();
    const ok = await runCli(['release', 'apply', m, '--stage', 'local', '--yes'], p.dir);
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('GIVEN an apply SIGKILLed at each step boundary WHEN resumed THEN the final state equals an uninterrupted apply', async () => {
    const clean = makeProject();
    const cm = scoped(clean);
    expect((await runCli(['release', 'apply', cm, '--stage', 'local', '--yes'], clean.dir)).code).toBe(0);
    const expected = await normalized(clean);
    // Steps: bootstrap, env, functions → boundaries after each of them.
    for (const k of [1, 2, 3]) {
      const p = makeProject();
      const m = scoped(p);
      const killed = await spawnCli(['release', 'apply', m, '--stage', 'local', '--yes'], p.dir, { TURNCTL_TEST_KILL_AT: String(k) });
      expect(killed.signal, `boundary ${k}: code ${killed.code} ${killed.stdout} ${killed.stderr}`).toBe('SIGKILL');
      const blocked = await spawnCli(['release', 'apply', m, '--stage', 'local', '--yes'], p.dir);
      expect(blocked.code, `boundary ${k}`).toBe(4);
      const resumed = await spawnCli(['release', 'resume', '--stage', 'local', '--yes'], p.dir);
      expect(resumed.code, `boundary ${k}: ${resumed.stderr}`).toBe(0);
      expect(await normalized(p), `boundary ${k}`).toEqual(expected);
      const plan = await runCli(['release', 'plan', m, '--stage', 'local', '--exit-code'], p.dir);
      expect(plan.code, `boundary ${k}`).toBe(0);
    }
  }, 180_000); // sixteen CLI runs one after another

  it('GIVEN an interrupted run whose lock names another host and has not expired WHEN resumed or rolled back THEN exit 4 asks for --force; with --force it finishes', async () => {
    const clean = makeProject();
    expect((await runCli(['release', 'apply', scoped(clean), '--stage', 'local', '--yes'], clean.dir)).code).toBe(0);
    const expected = await normalized(clean);
    const p = makeProject();
    const m = scoped(p);
    const { bucket, lock } = await killedAfterStep2(p, m);
    // GIVEN the lock says the apply runs on a CI runner (this machine cannot see whether it is alive)
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'locks/apply', Body: JSON.stringify({ ...lock, holder: 'ci@runner-7 (pid 42)', host: 'runner-7', pid: 42 }) }));

    // WHEN resumed or rolled back without --force THEN both are refused as a held lock, naming the holder and --force
    // AND a plan meanwhile warns that the stage is locked (what it shows is in flight)
    const planned = await spawnCli(['release', 'plan', m, '--stage', 'local', '--exit-code'], p.dir);
    expect(planned.code).toBe(2);
    expect(planned.stderr.trim()).toMatch(/^warning: stage local is locked by ci@runner-7 \(pid 42\)/);
    const resumed = await spawnCli(['release', 'resume', '--stage', 'local', '--yes'], p.dir);
    expect(resumed.code, resumed.stderr).toBe(4);
    expect(resumed.stderr.trim()).toMatch(/^error: run \S+ is held by ci@runner-7 \(pid 42\) on host runner-7 since \S+, and turnctl cannot see from here whether that apply is still running; .*pass --force/);
    const rolled = await spawnCli(['release', 'rollback', lock.run, '--stage', 'local', '--yes'], p.dir);
    expect(rolled.code, rolled.stderr).toBe(4);

    // WHEN the user says it died THEN resume finishes it to the state of an uninterrupted apply
    const forced = await spawnCli(['release', 'resume', '--stage', 'local', '--yes', '--force'], p.dir);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await normalized(p)).toEqual(expected);
  });

  it('GIVEN a run that died while rolling back WHEN resumed THEN the one line points at release rollback of that run, which finishes it', async () => {
    const p = makeProject();
    const m = scoped(p);
    const { bucket, lock } = await killedAfterStep2(p, m);
    const key = `journal/1.0.0/${lock.run}.json`;
    const journal = await stateJson(bucket, key);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify({ ...journal, status: 'rolling-back' }) }));

    const resumed = await spawnCli(['release', 'resume', '--stage', 'local', '--yes'], p.dir);
    expect(resumed.code).toBe(1);
    expect(resumed.stderr.trim()).toBe(`error: run ${lock.run} died while rolling back; finish the rollback: turnctl release rollback ${lock.run} --stage local`);
    const rolled = await spawnCli(['release', 'rollback', lock.run, '--stage', 'local', '--yes'], p.dir);
    expect(rolled.code, rolled.stderr).toBe(0);
    await expect(lambda.send(new GetFunctionConfigurationCommand({ FunctionName: `${p.name}-local-health` }))).rejects.toThrow();
    await expect(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'locks/apply' }))).rejects.toThrow();
  });

  it('GIVEN a killed apply whose lock was broken with unlock WHEN history and status are read THEN the run shows as interrupted with the way out, not as running for good; its rollback finishes it', async () => {
    const p = makeProject();
    const m = scoped(p);
    const { lock } = await killedAfterStep2(p, m);
    // While the lock names the run, it is running (or waiting for resume).
    const held = JSON.parse((await spawnCli(['release', 'history', '--stage', 'local', '--output', 'json'], p.dir)).stdout);
    expect(held.map((r: { run: string; status: string; interrupted: boolean }) => [r.run, r.status, r.interrupted])).toEqual([[lock.run, 'running', false]]);
    expect((await spawnCli(['release', 'unlock', '--stage', 'local', '--yes'], p.dir)).code).toBe(0);

    const history = await spawnCli(['release', 'history', '--stage', 'local', '--output', 'json'], p.dir);
    expect(JSON.parse(history.stdout)).toMatchObject([{ run: lock.run, status: 'running', interrupted: true }]);
    expect((await spawnCli(['release', 'history', '--stage', 'local'], p.dir)).stdout).toMatch(new RegExp(`^${lock.run.replace('.', '\\.')}  1\\.0\\.0 +interrupted `));
    const status = await spawnCli(['release', 'status', '--stage', 'local'], p.dir);
    expect(status.stdout).toContain(`interrupted — its process died and its lock was broken; roll back what it changed: turnctl release rollback ${lock.run} --stage local`);

    const rolled = await spawnCli(['release', 'rollback', lock.run, '--stage', 'local', '--yes'], p.dir);
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(JSON.parse((await spawnCli(['release', 'history', '--stage', 'local', '--output', 'json'], p.dir)).stdout)).toMatchObject([{ run: lock.run, status: 'rolled-back', interrupted: false }]);
    await expect(lambda.send(new GetFunctionConfigurationCommand({ FunctionName: `${p.name}-local-health` }))).rejects.toThrow();
  });

  it('GIVEN a damaged lock object or journal in the state bucket WHEN status, apply, history run THEN one line names the object and the way out (no internal error); unlock --yes removes the lock', async () => {
    const p = makeProject();
    const m = scoped(p);
    expect((await runCli(['release', 'apply', m, '--stage', 'local', '--yes'], p.dir)).code).toBe(0);
    const bucket = `${p.name}-local-turnctl`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'locks/apply', Body: 'garbage{' }));
    p.config.functions.hello.memory = 160;
    p.writeConfig(p.config);
    const applied = await spawnCli(['release', 'apply', m, '--stage', 'local', '--yes'], p.dir);
    expect(applied.code).toBe(4);
    expect(applied.stderr.trim()).toBe(`error: stage local is locked by an unreadable lock object (s3://${bucket}/locks/apply); no apply can take the stage while it exists: remove it with turnctl release unlock --stage local --yes`);
    expect((await spawnCli(['release', 'unlock', '--stage', 'local', '--yes'], p.dir)).code).toBe(0);

    // AND a damaged journal, or one of a newer turnctl, is named with the fix
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'journal/9.0.0/29991231T000000Z-aaaaaa.json', Body: 'garbage{' }));
    const history = await spawnCli(['release', 'history', '--stage', 'local'], p.dir);
    expect(history.code).toBe(1);
    expect(history.stderr.trim()).toMatch(new RegExp(`^error: s3://${bucket}/journal/9\\.0\\.0/29991231T000000Z-aaaaaa\\.json is not valid JSON \\(.*\\); the journal is damaged: restore it from the bucket's versions, or delete it$`));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'journal/9.0.0/29991231T000000Z-aaaaaa.json', Body: JSON.stringify({ version: 2 }) }));
    const status = await spawnCli(['release', 'status', '--stage', 'local'], p.dir);
    expect(status.code).toBe(1);
    expect(status.stderr.trim()).toBe(`error: s3://${bucket}/journal/9.0.0/29991231T000000Z-aaaaaa.json has journal version 2; this turnctl reads version 1 — upgrade turnctl`);
  });

  it('GIVEN a failure injected in a step WHEN applied THEN the before-state is restored exactly and exit is 1', async () => {
    const p = makeProject();
    const m = scoped(p);
    expect((await runCli(['release', 'apply', m, '--stage', 'local', '--yes'], p.dir)).code).toBe(0);
    const before = await normalized(p);
    p.config.functions.health.environment.LOG_LEVEL = 'warn';
    p.config.functions.hello.timeout = 9;
    p.writeConfig(p.config);
    const r = await spawnCli(['release', 'apply', m, '--stage', 'local', '--yes'], p.dir, { TURNCTL_TEST_FAIL_STEP: 'functions' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/injected failure in step functions.*rolled back/);
    expect(await normalized(p)).toEqual(before);
  });
});
