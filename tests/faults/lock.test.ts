import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { isWriteCommand } from '../../src/aws/clients.js';
import { BIN, runCli, spawnCli } from '../helpers/cli.js';
import { handlerSource, makeProject } from '../helpers/project.js';
import { direct } from './support.js';

/** Resolves once the stage's lock object exists (the other apply holds it), bounded in time. */
async function lockTaken(bucket: string, deadline = Date.now() + 60_000): Promise<void> {
  while (Date.now() < deadline) {
    try {
      await direct.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'locks/apply' }));
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw new Error('the first apply never took the lock');
}

/** A project whose hello answers its smoke event after 4 s, so an apply holds the lock through its post-check. */
function slowSmokeProject(notes: string) {
  const p = makeProject({
    functions: {
      health: handlerSource('v1', ['STAGE']),
      hello: "export const handler = async () => { await new Promise((r) => setTimeout(r, 4000)); return { statusCode: 200, body: 'slow' }; };\n",
    },
  });
  return { p, manifest: p.writeRelease({ version: '1.0.0', notes, scope: ['env', 'functions'], checks: { pre: ['credentials'], post: ['smoke'] } }) };
}

describe('lock: a second apply while the first holds the stage', () => {
  it('GIVEN apply A holding the lock WHEN apply B starts THEN B exits 4 naming A, A finishes, and the stage has exactly one run', async () => {
    // (hello's smoke answer takes 4 s, so A holds the lock through its post-check while B starts)
    const { p, manifest } = slowSmokeProject('lock');
    // GIVEN apply A started and holding the lock (it is not finished: the lock is deleted at its end)
    const a = spawn(process.execPath, [BIN, 'release', 'apply', manifest, '--stage', 'local', '--yes'], { cwd: p.dir, env: { ...process.env, NO_COLOR: '1', TURNCTL_HOLDER: 'alice@ci' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let aErr = '';
    a.stderr.on('data', (d) => (aErr += d));
    const aDone = new Promise<number | null>((resolve) => a.on('close', (code) => resolve(code)));
    const lockSeen = lockTaken(`${p.name}-local-turnctl`);
    const winner = await Promise.race([lockSeen.then(() => 'lock' as const), aDone.then(() => 'done' as const)]);
    expect(winner, `A finished before its lock was seen: ${aErr}`).toBe('lock');

    // WHEN B starts while A holds the stage
    const trace = join(p.dir, 'b-calls.txt');
    const b = await spawnCli(['release', 'apply', manifest, '--stage', 'local', '--yes'], p.dir, { TURNCTL_HOLDER: 'bob@laptop', TURNCTL_AWS_TRACE: trace });

    // THEN B is refused with the lock's holder and the way out, and wrote nothing; A succeeds
    expect(b.code, b.stderr).toBe(4);
    expect(b.stderr.trim().split('\n').at(-1)).toMatch(/^error: stage local is locked by alice@ci \(run \S+, release 1\.0\.0, since \S+\); wait for it/);
    const bCalls = readFileSync(trace, 'utf8').trim().split('\n');
    expect(bCalls.length).toBeGreaterThan(0);
    expect(bCalls.filter((line) => isWriteCommand(line.split(' ')[1]!))).toEqual([]);
    expect(await aDone, aErr).toBe(0);
    const history = await runCli(['release', 'history', '--stage', 'local', '--output', 'json'], p.dir);
    const runs = JSON.parse(history.stdout);
    expect((Array.isArray(runs) ? runs : runs.runs).map((r: { status: string }) => r.status)).toEqual(['succeeded']);
  });

  it('GIVEN an apply holding the lock WHEN it gets Ctrl-C (SIGINT) THEN it dies of the signal with one line naming the run, resume and rollback; resume finishes it', async () => {
    const { p, manifest } = slowSmokeProject('interrupt');
    const a = spawn(process.execPath, [BIN, 'release', 'apply', manifest, '--stage', 'local', '--yes'], { cwd: p.dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let aErr = '';
    a.stderr.on('data', (d) => (aErr += d));
    const aDone = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => a.on('close', (code, signal) => resolve({ code, signal })));
    await lockTaken(`${p.name}-local-turnctl`);
    // (the lock is taken a moment before the run is announced to the command; the post-check takes 4 s)
    await new Promise((r) => setTimeout(r, 1500));
    a.kill('SIGINT');
    const done = await aDone;
    expect(done.signal, aErr).toBe('SIGINT');
    const last = aErr.trim().split('\n').at(-1)!;
    expect(last).toMatch(/^error: interrupted \(SIGINT\) while run (\S+) held stage local; it stays locked: finish it with turnctl release resume --stage local, or undo it with turnctl release rollback \1 --stage local$/);
    const resumed = await spawnCli(['release', 'resume', '--stage', 'local', '--yes'], p.dir);
    expect(resumed.code, resumed.stderr).toBe(0);
  });
});
