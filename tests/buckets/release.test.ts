import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeProject } from '../helpers/project.js';
import { bucketSnapshot, iam, rolePolicy } from './helpers.js';
import { GetRoleCommand } from '@aws-sdk/client-iam';

const ids = (plan: { steps: Array<{ section: string; changes: Array<{ id: string; action: string }> }> }, section: string) =>
  plan.steps.filter((s) => s.section === section).flatMap((s) => s.changes.map((c) => `${c.action} ${c.id}`));

const roleExists = async (RoleName: string) =>
  iam()
    .send(new GetRoleCommand({ RoleName }))
    .then(() => true)
    .catch(() => false);

describe('buckets through release plan/apply/rollback on the sandbox', () => {
  it('GIVEN a release scoped to buckets on a stage without the function roles WHEN applied THEN the bootstrap creates the roles its grants go to (PutRolePolicy on a missing role failed mid-apply and rolled back), a re-plan is empty and rollback deletes them again', async () => {
    const p = makeProject({
      config: (c) => {
        c.buckets = { uploads: { grants: [{ function: 'health', access: ['read', 'write'], prefix: 'documents/' }] } };
      },
    });
    const manifest = p.writeRelease({ version: '1.0.0', notes: 'buckets', scope: ['buckets'], checks: { pre: ['credentials', 'permissions'], post: [] } });
    const role = `${p.name}-local-health`;
    expect(await roleExists(role)).toBe(false);

    const plan = await runCli(['release', 'plan', manifest, '--stage', 'local', '--output', 'json', '--exit-code'], p.dir);
    expect(plan.code, plan.stderr).toBe(2);
    expect(ids(JSON.parse(plan.stdout), 'bootstrap')).toContain(`create role:${role}`);

    const applied = await runCli(['release', 'apply', manifest, '--stage', 'local', '--yes'], p.dir);
    expect(applied.code, applied.stderr).toBe(0);
    expect(await rolePolicy(role)).toMatchObject({ Statement: [expect.objectContaining({ Action: ['s3:GetObject'], Resource: `arn:aws:s3:::${p.name}-local-uploads/documents/*` }), expect.anything()] });
    expect((await bucketSnapshot(`${p.name}-local-uploads`)).exists).toBe(true);
    const again = await runCli(['release', 'plan', manifest, '--stage', 'local', '--exit-code'], p.dir);
    expect(again.code, again.stdout).toBe(0);

    const rb = await runCli(['release', 'rollback', '--stage', 'local', '--yes'], p.dir);
    expect(rb.code, rb.stderr).toBe(0);
    expect(await roleExists(role)).toBe(false);
    expect((await bucketSnapshot(`${p.name}-local-uploads`)).exists).toBe(false);
  });
});
