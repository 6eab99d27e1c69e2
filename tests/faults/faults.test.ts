import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli.js';
import { makeProject } from '../helpers/project.js';
import { FAULT_KINDS, startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { fullProject, stackState, type FullProject } from './support.js';

const apply = (p: FullProject, env: Record<string, string> = {}) => spawnCli(['release', 'apply', 'releases/1.0.0.yaml', '--stage', 'local', '--yes'], p.dir, env);

describe('release apply through a fault-injecting proxy (20% of AWS calls throttled, 5xx or dropped)', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy({ target: process.env.TURNCTL_SANDBOX_ENDPOINT!, rate: 0.2, seed: 20250701 });
  });
  afterAll(() => proxy.close());

  it('GIVEN 20% of calls faulted WHEN the full release is applied THEN it succeeds by the SDK retry alone and the stack equals a clean apply', async () => {
    // GIVEN two identical projects: one applied straight against the sandbox, one through the proxy
    const [clean, faulted] = await Promise.all([fullProject(), fullProject()]);
    // WHEN both are applied (the CLI is spawned: the sandbox endpoint is read per process)
    const [c, f] = await Promise.all([apply(clean), apply(faulted, { TURNCTL_SANDBOX_ENDPOINT: proxy.url })]);
    // THEN both succeed, and the proxy really faulted a fifth of the calls, of every kind
    expect(c.code, c.stderr).toBe(0);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stderr).not.toMatch(/ThrottlingException|TooManyRequests|SlowDown|InternalFailure|ServiceUnavailable|ECONNRESET|socket hang up/);
    expect(proxy.stats.faulted / proxy.stats.requests).toBeGreaterThan(0.12);
    expect(proxy.stats.faulted / proxy.stats.requests).toBeLessThan(0.28);
    for (const kind of FAULT_KINDS) expect(proxy.stats.byKind[kind], kind).toBeGreaterThan(0);
    // AND every faulted call was tried again by the SDK itself (same invocation id, a later attempt that got through)
    const faultedCalls = [...proxy.stats.invocations.values()].filter((i) => i.faulted.length > 0);
    expect(faultedCalls.length).toBeGreaterThan(proxy.stats.faulted / 2);
    for (const call of faultedCalls) expect(Math.max(...call.attempts), call.request).toBeGreaterThan(Math.max(...call.faulted));
    // AND the final state, read through clients that talk to the sandbox directly, equals the clean apply's
    expect(await stackState(faulted, { ids: false })).toEqual(await stackState(clean, { ids: false }));

    // WHEN planned again through the faults THEN there is nothing to do
    const again = await spawnCli(['release', 'plan', 'releases/1.0.0.yaml', '--stage', 'local', '--exit-code'], faulted.dir, { TURNCTL_SANDBOX_ENDPOINT: proxy.url });
    expect(again.code, again.stderr).toBe(0);
  }, 300_000);
});

describe('who retries: the SDK, never turnctl', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy({ target: process.env.TURNCTL_SANDBOX_ENDPOINT!, rate: 1, kinds: ['http-503'] });
  });
  afterAll(() => proxy.close());

  it('GIVEN every AWS call answered 503 and TURNCTL_MAX_ATTEMPTS=3 WHEN a plan runs THEN each call is attempted 3 times by the SDK, none is sent again by turnctl, and exit 1 names the call', async () => {
    // GIVEN a project, and a sandbox that answers every call with 503
    const p = makeProject();
    // WHEN a plan runs through it
    const r = await spawnCli(['release', 'plan', 'releases/1.0.0.yaml', '--stage', 'local'], p.dir, { TURNCTL_SANDBOX_ENDPOINT: proxy.url, TURNCTL_MAX_ATTEMPTS: '3' });
    // THEN it fails in one line naming the call that kept failing
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^error: AWS \w+ \w+ failed: ServiceUnavailable \(HTTP 503\) on every one of the SDK's 3 attempts; the service is failing, run again later or raise TURNCTL_MAX_ATTEMPTS$/);
    // AND every call was attempted exactly 3 times under one SDK invocation id (attempt=1, 2, 3)
    const calls = [...proxy.stats.invocations.values()];
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) expect(call.attempts, call.request).toEqual([1, 2, 3]);
    // AND turnctl did not send any of them again as a new call (its own retry would)
    const sent = calls.map((c) => `${c.request} ${c.body}`);
    expect(new Set(sent).size).toBe(sent.length);
  });
});

