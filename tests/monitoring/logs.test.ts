import { beforeAll, describe, expect, it } from 'vitest';
import { errorEntries, tailLogs, type LogEntry } from '../../src/monitoring/logs.js';
import { classifyLogLine } from '../../src/monitoring/classify.js';
import { check } from '../../src/checks/errors.js';
import { manifestSchema } from '../../src/config/schema.js';
import { runCli } from '../helpers/cli.js';
import { makeProject, type TestProject } from '../helpers/project.js';
import { putLogLines } from './helpers.js';

describe('error classification (pure)', () => {
  it.each([
    ['{"level":"ERROR","message":"db down","service":"turn-health"}', 'error'],
    ['{"level":"CRITICAL","message":"x"}', 'error'],
    ['{"level":"WARN","message":"retrying after ERROR"}', undefined],
    ['{"level":"INFO","message":"ok"}', undefined],
    ['2026-01-01T00:00:00.000Z\tabc-123\tERROR\tsomething failed', 'error'],
    ['2026-01-01T00:00:00.000Z\tabc-123\tERROR\tInvoke Error \t{"errorType":"TypeError","errorMessage":"x is undefined"}', 'uncaught'],
    ['2026-01-01T00:00:00.000Z\tabc-123\tINFO\tall good', undefined],
    ['2026-01-01T00:00:00.000Z abc-123 Task timed out after 3.00 seconds', 'timeout'],
    ['{"errorType":"Runtime.UnhandledPromiseRejection","errorMessage":"boom"}', 'uncaught'],
    ['{"level":"ERROR","errorType":"Error","errorMessage":"smoke failure requested"}', 'uncaught'],
    ['START RequestId: 1', undefined],
    ['an error happened (lower case is not a level)', undefined],
  ])('%s → %s', (line, kind) => {
    expect(classifyLogLine(line)).toBe(kind);
  });
});

describe('logs tail / errors and the errors post-check on the sandbox', () => {
  let p: TestProject;
  let t0: number;
  const group = (fn: string) => `/aws/lambda/${p.name}-local-${fn}`;
  beforeAll(async () => {
    p = makeProject();
    t0 = Date.now();
    await putLogLines(group('health'), [
      { message: 'START RequestId: r1' },
      { message: '{"level":"INFO","message":"health ok"}' },
      { message: '{"level":"ERROR","message":"database unreachable"}' },
      { message: '{"level":"WARN","message":"slow ERROR path"}' },
      { message: '2026-01-01T00:00:00.000Z\tr1\tERROR\tconsole error line' },
      { message: 'Task timed out after 10.00 seconds' },
    ]);
    await putLogLines(group('hello'), [{ message: 'hello world' }, { message: '{"errorType":"TypeError","errorMessage":"boom"}' }]);
  });

  it('GIVEN log events WHEN logs tail runs THEN every event of the function is printed in order; --filter keeps only matching ones', async () => {
    const r = await runCli(['logs', 'tail', 'health', '--stage', 'local', '--since', '15m'], p.dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.io.stdout).toHaveLength(6);
    expect(r.io.stdout[0]).toMatch(/^\d{4}-\d\d-\d\dT.*Z START RequestId: r1$/);
    expect(r.io.stdout[5]).toContain('Task timed out');

    const f = await runCli(['logs', 'tail', 'health', '--stage', 'local', '--filter', 'ERROR', '--output', 'json'], p.dir);
    expect(f.code).toBe(0);
    expect(f.io.stdout.map((l) => JSON.parse(l).message)).toEqual(['{"level":"ERROR","message":"database unreachable"}', '{"level":"WARN","message":"slow ERROR path"}', '2026-01-01T00:00:00.000Z\tr1\tERROR\tconsole error line']);
  });

  it('GIVEN an unknown function or a bad --since WHEN logs tail runs THEN a usage error (64)', async () => {
    const r = await runCli(['logs', 'tail', 'nope', '--stage', 'local'], p.dir);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('unknown function "nope"; functions in turnctl.yaml: health, hello');
    const s = await runCli(['logs', 'tail', 'health', '--stage', 'local', '--since', 'yesterday'], p.dir);
    expect(s.code).toBe(64);
    // AND a duration reaching back before 1970 is refused before any AWS call (it used to reach CloudWatch Logs as a
    // negative or NaN startTime and come back as 500s through every SDK retry)
    for (const since of ['99999999d', '999999999999999999999h']) {
      const far = await runCli(['logs', 'errors', '--stage', 'local', '--since', since], p.dir);
      expect(far.code, far.stderr).toBe(64);
      expect(far.stderr.trim()).toBe(`error: --since "${since}" reaches back before 1970; use e.g. 90s, 15m, 1h or 2d`);
    }
  });

  it('GIVEN --follow WHEN a new event arrives THEN it is printed, and stopping ends the tail', async () => {
    const ctx = p.ctx();
    const seen: LogEntry[] = [];
    const abort = new AbortController();
    const done = tailLogs(ctx, 'hello', { since: new Date(t0 - 1000), follow: true, signal: abort.signal, pollMs: 100 }, (e) => {
      seen.push(e);
      if (e.message === 'late line') abort.abort();
    });
    await expect.poll(() => seen.length).toBe(2);
    await putLogLines(group('hello'), [{ message: 'late line' }]);
    expect(await done).toBe(3);
    expect(seen.map((e) => e.message)).toEqual(['hello world', '{"errorType":"TypeError","errorMessage":"boom"}', 'late line']);
  });

  it('GIVEN --follow WHEN an event arrives late, stamped before events already printed (another container flushing) THEN it is printed once, and nothing is printed twice', async () => {
    // GIVEN a tail that has printed an event
    const ctx = p.ctx();
    const seen: string[] = [];
    const abort = new AbortController();
    const base = Date.now();
    await putLogLines(group('hello'), [{ message: 'zz-late newer line', at: base }]);
    const done = tailLogs(ctx, 'hello', { since: new Date(base - 120_000), filter: 'zz-late', follow: true, signal: abort.signal, pollMs: 100 }, (e) => {
      seen.push(e.message);
      if (e.message === 'zz-late older line') setTimeout(() => abort.abort(), 300); // a few more polls: no repeats
    });
    await expect.poll(() => seen.length).toBe(1);
    // WHEN an event stamped 20 s before it is ingested now
    await putLogLines(group('hello'), [{ message: 'zz-late older line', at: base - 20_000 }]);
    // THEN it is printed, once, and the first is not printed again
    expect(await done).toBe(2);
    expect(seen).toEqual(['zz-late newer line', 'zz-late older line']);
  });

  it('GIVEN error-level entries WHEN logs errors runs THEN they are grouped per function (WARN/INFO not counted)', async () => {
    const r = await runCli(['logs', 'errors', '--stage', 'local', '--since', '1h', '--output', 'json'], p.dir);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.total).toBe(4);
    expect(out.functions.map((f: { function: string; count: number; entries: Array<{ kind: string }> }) => [f.function, f.count, f.entries.map((e) => e.kind)])).toEqual([
      ['health', 3, ['error', 'error', 'timeout']],
      ['hello', 1, ['uncaught']],
    ]);
    const text = await runCli(['logs', 'errors', '--stage', 'local'], p.dir);
    expect(text.stdout).toContain('health: 3 errors');
    expect(text.stdout).toContain('[timeout] Task timed out after 10.00 seconds');
  });

  it('GIVEN errors since the apply started WHEN the errors post-check runs THEN it fails naming the function; under the threshold or before them it passes', async () => {
    const ctx = p.ctx();
    const manifest = (errors: { window: string; threshold: number }) => manifestSchema.parse({ version: '1.0.0', checks: { pre: [], post: ['errors'], errors } });
    const failed = await check.run({ ctx, manifest: manifest({ window: '0s', threshold: 0 }), digest: 'x', startedAt: new Date(t0 - 1000) });
    expect(failed.ok).toBe(false);
    expect(failed.detail).toMatch(/^\d+ error-level log entries since .*threshold 0: health: 3 \(.*database unreachable.*\); hello: \d/);
    const tolerated = await check.run({ ctx, manifest: manifest({ window: '0s', threshold: 10 }), digest: 'x', startedAt: new Date(t0 - 1000) });
    expect(tolerated.ok).toBe(true);
    const later = await check.run({ ctx, manifest: manifest({ window: '0s', threshold: 0 }), digest: 'x', startedAt: new Date(Date.now() + 1000) });
    expect(later).toMatchObject({ ok: true, items: [{ name: 'health', ok: true }, { name: 'hello', ok: true }] });
  });

  it('GIVEN an error entry holding a stack trace (console.error of an Error) WHEN the errors check fails and logs errors prints it THEN the check detail is one line and the trace stays under its entry', async () => {
    const q = makeProject();
    const startedAt = new Date(Date.now() - 1000);
    await putLogLines(`/aws/lambda/${q.name}-local-health`, [{ message: '2026-01-01T00:00:00.000Z\tr1\tERROR\tTypeError: boom\n    at handler (/var/task/index.mjs:3:9)\n    at run (/var/task/index.mjs:9:1)\n' }]);
    // WHEN the errors post-check fails on it
    const manifest = manifestSchema.parse({ version: '1.0.0', checks: { pre: [], post: ['errors'], errors: { window: '0s', threshold: 0 } } });
    const result = await check.run({ ctx: q.ctx(), manifest, digest: 'x', startedAt });
    // THEN its detail (printed by check run and release apply as "✖ errors: …") is one line: it used to carry the trace
    expect(result.ok).toBe(false);
    expect(result.detail).not.toMatch(/[\r\n]/);
    expect(result.detail).toContain('health: 1 (2026-01-01T00:00:00.000Z\tr1\tERROR\tTypeError: boom at handler (/var/task/index.mjs:3:9)');
    // WHEN logs errors prints it as text / THEN the trace lines are indented under the entry, not at the left margin
    const text = await runCli(['logs', 'errors', '--stage', 'local', '--since', '15m'], q.dir);
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines.slice(2, 6)).toEqual([
      expect.stringMatching(/^  \S+Z \[error\] 2026-01-01T00:00:00.000Z\tr1\tERROR\tTypeError: boom$/),
      '          at handler (/var/task/index.mjs:3:9)',
      '          at run (/var/task/index.mjs:9:1)',
      'hello: no errors',
    ]);
  });

  it('GIVEN a watch window WHEN an error is logged during it THEN the check fails before the window ends', async () => {
    const q = makeProject();
    const ctx = q.ctx();
    const startedAt = new Date();
    const manifest = manifestSchema.parse({ version: '1.0.0', checks: { pre: [], post: ['errors'], errors: { window: '20s', threshold: 0 } } });
    const running = check.run({ ctx, manifest, digest: 'x', startedAt });
    await new Promise((r) => setTimeout(r, 300));
    await putLogLines(`/aws/lambda/${q.name}-local-hello`, [{ message: '{"level":"ERROR","message":"after deploy"}' }]);
    const began = Date.now();
    const result = await running;
    expect(result.ok).toBe(false);
    expect(result.detail).toContain('hello: 1 ({"level":"ERROR","message":"after deploy"})');
    expect(Date.now() - began).toBeLessThan(10_000);
  });
});
