import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import type { TestProject } from '../helpers/project.js';
import { createPortalPool, gatewayProject, policySids, snapshot } from './support.js';

const ids = (plan: { steps: Array<{ section: string; changes: Array<{ id: string; action: string }> }> }) =>
  plan.steps.filter((s) => s.section === 'gateway').flatMap((s) => s.changes.map((c) => `${c.action} ${c.id}`));

describe('gateway: removing routes through release plan/apply/rollback on the sandbox', () => {
  let p: TestProject;
  let manifest: string;
  let sid: string;
  beforeAll(async () => {
    p = gatewayProject();
    manifest = `${p.dir}/releases/1.0.0.yaml`;
    p.writeRelease({ version: '1.0.0', notes: 'gateway', checks: { pre: ['credentials'], post: [] } });
    await createPortalPool(p);
    const r = await runCli(['release', 'apply', manifest, '--stage', 'local', '--yes'], p.dir);
    expect(r.code, r.stderr).toBe(0);
    sid = `turnctl-apigw-${(await snapshot(p))!.apiId}`;
  });

  it('GIVEN every route to a function removed WHEN planned, applied and rolled back THEN its API Gateway permission is removed (plan says so, re-plan is a no-op) and rollback puts it back', async () => {
    expect(await policySids(p, 'hello')).toEqual([sid]);
    const routes = p.config.gateway.routes;
    p.config.gateway.routes = routes.filter((r: { function: string }) => r.function !== 'hello');
    p.writeConfig(p.config);

    const plan = await runCli(['release', 'plan', manifest, '--stage', 'local', '--output', 'json', '--exit-code'], p.dir);
    expect(plan.code, plan.stderr).toBe(2);
    expect(ids(JSON.parse(plan.stdout))).toContain('delete permission:hello');
    const text = await runCli(['release', 'plan', manifest, '--stage', 'local'], p.dir);
    expect(text.stdout).toMatch(/- permission:hello.*\(no route calls it any more\)/);

    const applied = await runCli(['release', 'apply', manifest, '--stage', 'local', '--yes'], p.dir);
    expect(applied.code, applied.stderr).toBe(0);
    expect(await policySids(p, 'hello')).toEqual([]);
    expect(await policySids(p, 'health')).toEqual([sid]);
    const again = await runCli(['release', 'plan', manifest, '--stage', 'local', '--output', 'json', '--exit-code'], p.dir);
    expect(again.code, again.stdout).toBe(0);

    const rb = await runCli(['release', 'rollback', '--stage', 'local', '--yes'], p.dir);
    expect(rb.code, rb.stderr).toBe(0);
    expect(await policySids(p, 'hello')).toEqual([sid]);
    expect(Object.keys((await snapshot(p))!.routes)).toContain('POST /hello');
    p.config.gateway.routes = routes;
    p.writeConfig(p.config);
  });

  it('GIVEN every route removed WHEN planned THEN the plan warns that the stage keeps serving its last deployment (API Gateway cannot deploy an API without methods), also when planned again after the apply', async () => {
    const deployed = (await snapshot(p))!.stage!.deploymentId;
    p.config.gateway.routes = [];
    p.writeConfig(p.config);
    const warning = `warning: gateway: turnctl.yaml has no routes, but API Gateway cannot deploy an API without methods: stage local of ${p.name}-local-api keeps serving its last deployment (${deployed})`;

    const plan = await runCli(['release', 'plan', manifest, '--stage', 'local', '--exit-code'], p.dir);
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stdout).toContain(warning);
    expect(plan.stdout).toContain('- permission:health');
    const applied = await runCli(['release', 'apply', manifest, '--stage', 'local', '--yes'], p.dir);
    expect(applied.code, applied.stderr).toBe(0);
    expect((await snapshot(p))!.stage!.deploymentId).toBe(deployed);

    const again = await runCli(['release', 'plan', manifest, '--stage', 'local', '--exit-code'], p.dir);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(warning);
    expect(again.stdout).toContain('No changes.');
    const json = await runCli(['release', 'plan', manifest, '--stage', 'local', '--output', 'json'], p.dir);
    expect(JSON.parse(json.stdout).warnings).toEqual([expect.stringContaining('keeps serving its last deployment')]);
  });
});
