import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { step } from '../../src/release/steps/gateway.js';
import type { Ctx } from '../../src/context.js';
import type { GatewayApplyResult } from '../../src/gateway/apply.js';
import { answeringProxy } from '../helpers/forward.js';
import type { TestProject } from '../helpers/project.js';
import { createPortalPool, deployFunction, gatewayProject, plan, policySids } from './support.js';

/** Lambda's ResourceConflictException (409) with the message AWS gives. moto never refuses AddPermission, so a proxy does. */
const conflict = (message: string) => ({
  status: 409,
  headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceConflictException', 'x-amzn-requestid': 'r-conflict' },
  body: JSON.stringify({ Type: 'User', message }),
});

describe('AddPermission answered ResourceConflictException (AWS: "already exists" or "an update is in progress")', () => {
  let p: TestProject;
  let proxy: { url: string; close(): Promise<void> };
  let answer: (fn: string) => ReturnType<typeof conflict> | undefined = () => undefined;
  const calls: string[] = [];

  /** A context of the local stage whose AWS calls go through the proxy. */
  const proxiedCtx = (): Ctx => {
    const saved = process.env.TURNCTL_SANDBOX_ENDPOINT;
    process.env.TURNCTL_SANDBOX_ENDPOINT = proxy.url;
    try {
      const ctx = p.ctx('local');
      void ctx.aws.target.endpoint; // resolved now, while the variable points at the proxy
      return ctx;
    } finally {
      process.env.TURNCTL_SANDBOX_ENDPOINT = saved;
    }
  };

  beforeAll(async () => {
    proxy = await answeringProxy(process.env.TURNCTL_SANDBOX_ENDPOINT!, (req) => {
      const m = req.method === 'POST' ? /^\/2015-03-31\/functions\/([^/?]+)\/policy/.exec(req.url ?? '') : null;
      if (!m) return undefined;
      const fn = decodeURIComponent(m[1]!);
      calls.push(fn);
      return answer(fn);
    });
    p = gatewayProject();
    await Promise.all([deployFunction(p, 'health'), deployFunction(p, 'hello'), createPortalPool(p)]);
  });
  afterAll(() => proxy.close());

  it('GIVEN the first AddPermission on hello refused with "An update is in progress" WHEN the gateway is applied THEN the call is made again and the permission is in place (it was skipped as "already there")', async () => {
    // GIVEN the proxy refuses hello's first AddPermission as Lambda does while the function is being updated
    const hello = `${p.name}-local-hello`;
    let refused = 0;
    answer = (fn) => (fn === hello && refused++ === 0 ? conflict(`The operation cannot be performed at this time. An update is in progress for resource: arn:aws:lambda:eu-central-1:123456789012:function:${hello}`) : undefined);
    // WHEN the gateway section is applied through it
    const ctx = proxiedCtx();
    const { desired, changes } = await plan(ctx);
    const result = (await step.apply(ctx, desired, changes)) as GatewayApplyResult | null;
    // THEN hello's AddPermission was made twice and the permission exists, read back directly from the sandbox
    expect(calls.filter((c) => c === hello)).toHaveLength(2);
    expect(result?.permissions?.sort()).toEqual(['health', 'hello']);
    expect(await policySids(p, 'hello')).toEqual([`turnctl-apigw-${result!.apiId}`]);
    // AND a second plan has nothing left to do
    expect((await plan(p.ctx('local'))).changes).toEqual([]);
  });

  it('GIVEN AddPermission answers "The statement id … already exists" WHEN applied THEN it is taken as in place: no error, not recorded as added (rollback must not remove it)', async () => {
    // GIVEN a planned permission the proxy answers as already there
    const { RemovePermissionCommand } = await import('@aws-sdk/client-lambda');
    const { lambda } = await import('./support.js');
    const health = `${p.name}-local-health`;
    const before = await plan(p.ctx('local'));
    const sid = `turnctl-apigw-${before.live.apiId}`;
    await lambda().send(new RemovePermissionCommand({ FunctionName: health, Qualifier: 'live', StatementId: sid }));
    const { desired, changes } = await plan(p.ctx('local'));
    expect(changes.map((c) => c.id)).toEqual(['permission:health']);
    answer = (fn) => (fn === health ? conflict(`The statement id (${sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`) : undefined);
    // WHEN applied
    const result = (await step.apply(proxiedCtx(), desired, changes)) as GatewayApplyResult | null;
    // THEN no error, and the permission is not counted as one this apply added
    expect(result?.permissions).toEqual([]);
  });
});
