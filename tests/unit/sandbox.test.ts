import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli.js';

describe('turnctl sandbox', () => {
  it('GIVEN a project WHEN the sandbox is started, queried, reset and stopped THEN status reports it in JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'turnctl-sb-'));
    writeFileSync(join(dir, 'turnctl.yaml'), 'project: sb\nstages:\n  local: { account: "123456789012", sandbox: true }\n');
    const env = { TURNCTL_SANDBOX_ENDPOINT: '' };
    const start = await spawnCli(['sandbox', 'start', '--output', 'json'], dir, env);
    expect(start.code, start.stderr).toBe(0);
    const started = JSON.parse(start.stdout);
    expect(started).toMatchObject({ running: true, endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
    try {
      const again = await spawnCli(['sandbox', 'start'], dir, env);
      expect(again.stdout).toMatch(/already running/);
      const status = await spawnCli(['sandbox', 'status', '--output', 'json'], dir, env);
      expect(JSON.parse(status.stdout)).toMatchObject({ running: true, endpoint: started.endpoint });
      // AND a sandbox holding a Lambda function is still reported running (moto's data dump fails on one)
      const { LambdaClient, CreateFunctionCommand } = await import('@aws-sdk/client-lambda');
      const { deterministicZip } = await import('../../src/build/zip.js');
      const { IAMClient, CreateRoleCommand } = await import('@aws-sdk/client-iam');
      const { LAMBDA_TRUST_POLICY } = await import('../../src/release/steps/bootstrap.js');
      const cfg = { region: 'eu-central-1', endpoint: started.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
      await new IAMClient(cfg).send(new CreateRoleCommand({ RoleName: 'sb', AssumeRolePolicyDocument: LAMBDA_TRUST_POLICY }));
      const lambda = new LambdaClient(cfg);
      const ZipFile = deterministicZip({ 'index.mjs': new TextEncoder().encode('export const handler = async () => 1;\n') });
      await lambda.send(new CreateFunctionCommand({ FunctionName: 'sb-local-probe', Runtime: 'nodejs22.x', Role: 'arn:aws:iam::123456789012:role/sb', Handler: 'index.handler', Code: { ZipFile } }));
      const withFunction = await spawnCli(['sandbox', 'status', '--output', 'json'], dir, env);
      expect(withFunction.code, withFunction.stdout).toBe(0);
      expect(JSON.parse(withFunction.stdout)).toMatchObject({ running: true, endpoint: started.endpoint });
      expect((await spawnCli(['sandbox', 'start'], dir, env)).stdout).toMatch(/already running/);
      const reset = await spawnCli(['sandbox', 'reset'], dir, env);
      expect(reset.code, reset.stderr).toBe(0);
    } finally {
      const stop = await spawnCli(['sandbox', 'stop'], dir, env);
      expect(stop.stdout).toMatch(/stopped/);
    }
    const after = await spawnCli(['sandbox', 'status', '--output', 'json'], dir, env);
    expect(after.code).toBe(1);
    expect(JSON.parse(after.stdout)).toEqual({ running: false, endpoint: null, pid: null, port: null });
  });

  it('GIVEN a port another server holds WHEN sandbox start --port names it THEN usage error 64, nothing recorded, the other server untouched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'turnctl-sb-'));
    writeFileSync(join(dir, 'turnctl.yaml'), 'project: sb\nstages:\n  local: { account: "123456789012", sandbox: true }\n');
    const env = { TURNCTL_SANDBOX_ENDPOINT: '' };
    // The test setup's sandbox answers on that port (before the fix, its answer passed for our own server's readiness,
    // and a later `sandbox reset` of this project emptied it).
    const busy = new URL(process.env.TURNCTL_SANDBOX_ENDPOINT!).port;
    const r = await spawnCli(['sandbox', 'start', '--port', busy], dir, env);
    expect(r.code, r.stdout).toBe(64);
    expect(r.stderr.trim()).toBe(`error: --port ${busy} is already in use on 127.0.0.1 (another sandbox or program); pick another port or leave --port out for a free one`);
    const status = await spawnCli(['sandbox', 'status', '--output', 'json'], dir, env);
    expect(JSON.parse(status.stdout)).toMatchObject({ running: false });
    const reset = await spawnCli(['sandbox', 'reset'], dir, env);
    expect(reset.code).toBe(1);
    expect(reset.stderr.trim()).toBe('error: the local sandbox is not running; start it with: turnctl sandbox start');
    // AND a port that is not a number is a usage error too
    const bad = await spawnCli(['sandbox', 'start', '--port', 'abc'], dir, env);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/^error: --port must be a TCP port number/);
  });

  it('GIVEN a --port that fetch refuses (22, 6000) THEN usage error 64 before anything starts (moto listened there, was never reached, and was left running)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'turnctl-sb-'));
    writeFileSync(join(dir, 'turnctl.yaml'), 'project: sb\nstages:\n  local: { account: "123456789012", sandbox: true }\n');
    for (const port of ['22', '6000']) {
      const r = await spawnCli(['sandbox', 'start', '--port', port], dir, { TURNCTL_SANDBOX_ENDPOINT: '' });
      expect(r.code, r.stderr).toBe(64);
      expect(r.stderr.trim()).toBe(`error: --port ${port} is a port Node's fetch refuses to connect to (blocked by the Fetch standard, like 22, 25 or 6000); pick another port or leave --port out for a free one`);
    }
    expect(existsSync(join(dir, '.turnctl', 'sandbox.log'))).toBe(false); // no server was spawned
  });

  it('GIVEN a server that never answers WHEN sandbox start gives up THEN that process is ended, not left running unrecorded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'turnctl-sb-'));
    // A python3 that passes the "moto installed" probe, then runs a "server" that never listens.
    const bin = join(dir, 'fake-bin');
    mkdirSync(bin);
    const pidFile = join(dir, 'server.pid');
    writeFileSync(join(bin, 'python3'), `#!/bin/sh\nif [ "$1" = "-c" ]; then exit 0; fi\necho $$ > ${pidFile}\nexec sleep 120\n`);
    chmodSync(join(bin, 'python3'), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      const { startSandbox } = await import('../../src/sandbox/sandbox.js');
      await expect(startSandbox(dir, undefined, 1500)).rejects.toThrow(/the sandbox did not start at http:\/\/127\.0\.0\.1:\d+; see \.turnctl\/sandbox\.log/);
    } finally {
      process.env.PATH = path;
    }
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 200));
    expect(() => process.kill(pid, 0)).toThrow(); // before the fix it kept running, in no sandbox.json
    expect(existsSync(join(dir, '.turnctl', 'sandbox.json'))).toBe(false);
  });

  it('GIVEN a turnctl.yaml with a mistake WHEN the sandbox is started, queried, reset and stopped THEN each works (the sandbox needs only the project directory)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'turnctl-sb-'));
    writeFileSync(join(dir, 'turnctl.yaml'), 'project: sb\nstages:\n  local: { account: "123456789012", sandbox: true }\n');
    const env = { TURNCTL_SANDBOX_ENDPOINT: '' };
    const start = await spawnCli(['sandbox', 'start', '--output', 'json'], dir, env);
    expect(start.code, start.stderr).toBe(0);
    try {
      // WHEN the file is edited into something invalid while the sandbox runs
      writeFileSync(join(dir, 'turnctl.yaml'), 'project: sb\nstages:\n  local: { account: "123456789012", sandbox: true }\nfunctons: {}\n');
      const plan = await spawnCli(['release', 'status', '--stage', 'local'], dir, env);
      expect(plan.code).toBe(65); // the commands that use the configuration still refuse it
      const status = await spawnCli(['sandbox', 'status', '--output', 'json'], dir, env);
      expect(status.code, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ running: true, endpoint: JSON.parse(start.stdout).endpoint });
      const reset = await spawnCli(['sandbox', 'reset'], dir, env);
      expect(reset.code, reset.stderr).toBe(0);
    } finally {
      const stop = await spawnCli(['sandbox', 'stop'], dir, env);
      expect(stop.code, stop.stderr).toBe(0);
      expect(stop.stdout).toBe('sandbox stopped\n');
    }
    const after = await spawnCli(['sandbox', 'status', '--output', 'json'], dir, env);
    expect(JSON.parse(after.stdout)).toMatchObject({ running: false });
  });

  it('GIVEN no running sandbox WHEN the local stage is used THEN one line says how to start it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'turnctl-sb-'));
    writeFileSync(join(dir, 'turnctl.yaml'), 'project: sb\nstages:\n  local: { account: "123456789012", sandbox: true }\n');
    const r = await spawnCli(['release', 'status', '--stage', 'local'], dir, { TURNCTL_SANDBOX_ENDPOINT: '' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('error: the local sandbox is not running; start it with: turnctl sandbox start');
  });

  it('GIVEN --help or --version THEN every command group is listed and no AWS SDK module is loaded', async () => {
    const trace = { NODE_OPTIONS: `--import ${join(process.cwd(), 'tests/fixtures/trace-imports.mjs')}` };
    const r = await spawnCli(['--help'], process.cwd(), trace);
    expect(r.code).toBe(0);
    for (const g of ['sandbox', 'release', 'build', 'invoke', 'env', 'check', 'layers', 'db', 'logs', 'users', 'legal']) expect(r.stdout).toMatch(new RegExp(`^  ${g}\\s+\\S`, 'm'));
    expect(r.stderr).toMatch(/\[import\] .*dist\/cli\.js/);
    // Packages are bundled into dist/ chunks; esbuild marks each bundled module with a `// node_modules/<path>` line.
    expect(bundledPackages(r.stderr)).toContain('commander');
    expect(bundledPackages(r.stderr).filter((p) => /^@aws-sdk|^@smithy/.test(p))).toEqual([]);
    const bare = await spawnCli([], process.cwd());
    expect(bare.code).toBe(64); // no command: the help is shown, but it is a usage error
    const v = await spawnCli(['--version'], process.cwd(), trace);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(bundledPackages(v.stderr).filter((p) => /^@aws-sdk|^@smithy/.test(p))).toEqual([]);
    // The tracer does see the SDK when a command really uses it.
    const s = await spawnCli(['sandbox', 'status'], process.cwd(), trace);
    const plan = await spawnCli(['release', 'status', '--stage', 'local'], process.cwd(), trace);
    expect(bundledPackages(`${s.stderr}${plan.stderr}`)).toContain('@aws-sdk/client-s3');
  });

  it('GIVEN the help command that --help lists WHEN turnctl help [group] runs THEN it shows that help with exit 0, the group with its commands', async () => {
    const top = await spawnCli(['help'], process.cwd());
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^  release\s+plan, apply/m);
    // Before the fix the group's module was not loaded for `help release`: its help listed no command, and exit 64.
    const group = await spawnCli(['help', 'release'], process.cwd());
    expect(group.code, group.stderr).toBe(0);
    for (const c of ['plan', 'apply', 'status', 'history', 'rollback', 'resume', 'unlock']) expect(group.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    const sub = await spawnCli(['release', 'help', 'plan'], process.cwd());
    expect(sub.code).toBe(0);
    expect(sub.stdout).toMatch(/^Usage: turnctl release plan \[options\] <manifest>/);
    // AND no command at all is still a usage error
    expect((await spawnCli(['release'], process.cwd())).code).toBe(64);
  });

  it('GIVEN a misspelt command or option THEN exit 64 with one error line that carries the suggestion', async () => {
    for (const [args, line] of [
      [['relase'], "error: unknown command 'relase'; did you mean release?"],
      [['release', 'statsu', '--stage', 'local'], "error: unknown command 'statsu'; did you mean status?"],
      [['release', 'plan', 'releases/1.0.0.yaml', '--stage', 'local', '--ouptut', 'json'], "error: unknown option '--ouptut'; did you mean --output?"],
    ] as const) {
      const r = await spawnCli([...args], process.cwd());
      expect(r.code).toBe(64);
      // Before the fix commander's "(Did you mean …?)" was a second stderr line.
      expect(r.stderr).toBe(`${line}\n`);
    }
  });
});

/** Packages inside the dist/ chunks a traced run loaded (from esbuild's `// node_modules/...` markers) and outside it. */
function bundledPackages(traced: string): string[] {
  const files = [...traced.matchAll(/\[import\] file:\/\/(\S+)/g)].map((m) => m[1]!);
  const pkgs = new Set<string>();
  const name = (path: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
  for (const f of files) {
    const direct = name(f);
    if (direct) pkgs.add(direct);
    else if (f.includes('/dist/')) for (const m of readFileSync(f, 'utf8').matchAll(/^\/\/ (node_modules\/\S+)/gm)) pkgs.add(name(m[1]!)!);
  }
  return [...pkgs].sort();
}
