import { PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { check, plannedPolicies } from '../../src/checks/permissions.js';
import { combineWithResourcePolicy, evaluate, statementsFor } from '../../src/buckets/evaluate.js';
import { manifestSchema } from '../../src/config/schema.js';
import { step } from '../../src/release/steps/buckets.js';
import type { Plan, ReleaseInput } from '../../src/release/types.js';
import { runCli } from '../helpers/cli.js';
import { makeProject, type TestProject } from '../helpers/project.js';
import { createRole, iam, rolePolicy } from './helpers.js';

describe('policy evaluator (pure; the sandbox stand-in for SimulatePrincipalPolicy)', () => {
  const allowPrefix = { Version: '2012-10-17', Statement: [{ Effect: 'Allow' as const, Action: 's3:ListBucket', Resource: 'arn:aws:s3:::b', Condition: { StringLike: { 's3:prefix': ['in/*'] } } }] };
  it('matches actions case-insensitively with wildcards and resources case-sensitively', () => {
    const doc = { Statement: [{ Effect: 'Allow' as const, Action: 'S3:Get*', Resource: 'arn:aws:s3:::b/in/*' }] };
    expect(evaluate([doc], { action: 's3:GetObject', resource: 'arn:aws:s3:::b/in/x' })).toBe('allowed');
    expect(evaluate([doc], { action: 's3:GetObject', resource: 'arn:aws:s3:::b/IN/x' })).toBe('implicitDeny');
    expect(evaluate([doc], { action: 's3:PutObject', resource: 'arn:aws:s3:::b/in/x' })).toBe('implicitDeny');
  });
  it('an explicit Deny anywhere wins; NotAction / NotResource invert the match', () => {
    const allow = { Statement: [{ Effect: 'Allow' as const, Action: 's3:*', Resource: '*' }] };
    const deny = { Statement: [{ Effect: 'Deny' as const, NotAction: 's3:GetObject', NotResource: 'arn:aws:s3:::other/*' }] };
    expect(evaluate([allow, deny], { action: 's3:PutObject', resource: 'arn:aws:s3:::b/k' })).toBe('explicitDeny');
    expect(evaluate([allow, deny], { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' })).toBe('allowed');
    expect(evaluate([allow, deny], { action: 's3:PutObject', resource: 'arn:aws:s3:::other/k' })).toBe('allowed');
  });
  it('evaluates String conditions against the request context (missing key: no match unless IfExists)', () => {
    expect(evaluate([allowPrefix], { action: 's3:ListBucket', resource: 'arn:aws:s3:::b', context: { 's3:prefix': 'in/' } })).toBe('allowed');
    expect(evaluate([allowPrefix], { action: 's3:ListBucket', resource: 'arn:aws:s3:::b', context: { 's3:prefix': 'out/' } })).toBe('implicitDeny');
    expect(evaluate([allowPrefix], { action: 's3:ListBucket', resource: 'arn:aws:s3:::b' })).toBe('implicitDeny');
    const ifExists = { Statement: [{ ...allowPrefix.Statement[0]!, Condition: { StringLikeIfExists: { 's3:prefix': ['in/*'] } } }] };
    expect(evaluate([ifExists], { action: 's3:ListBucket', resource: 'arn:aws:s3:::b' })).toBe('allowed');
    const unknownOp = { Statement: [{ ...allowPrefix.Statement[0]!, Condition: { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8'] } } }] };
    expect(evaluate([unknownOp], { action: 's3:ListBucket', resource: 'arn:aws:s3:::b', context: { 's3:prefix': 'in/' } })).toBe('implicitDeny');
  });
});

describe('bucket policy statements that apply to an execution role (pure)', () => {
  const role = 'arn:aws:iam::123456789012:role/fn';
  const doc = {
    Statement: [
      { Sid: 'Everyone', Effect: 'Allow' as const, Principal: '*', Action: 's3:GetObject', Resource: '*' },
      { Sid: 'Account', Effect: 'Allow' as const, Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 's3:*', Resource: '*' },
      { Sid: 'AccountDeny', Effect: 'Deny' as const, Principal: { AWS: '123456789012' }, Action: 's3:DeleteObject', Resource: '*' },
      { Sid: 'Other', Effect: 'Deny' as const, Principal: { AWS: 'arn:aws:iam::123456789012:role/other' }, Action: 's3:*', Resource: '*' },
      { Sid: 'Service', Effect: 'Allow' as const, Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject', Resource: '*' },
      { Sid: 'AllButAdmin', Effect: 'Deny' as const, NotPrincipal: { AWS: 'arn:aws:iam::123456789012:role/admin' }, Action: 's3:PutBucketPolicy', Resource: '*' },
    ],
  };
  it('keeps Allow to everyone or the role, Deny to the role, its account or everyone, and NotPrincipal not naming it', () => {
    expect(statementsFor(doc, role, '123456789012').Statement.map((s) => s.Sid)).toEqual(['Everyone', 'AccountDeny', 'AllButAdmin']);
  });
  it('same account: either side allows, an explicit Deny on either side wins', () => {
    expect(combineWithResourcePolicy('implicitDeny', 'allowed')).toBe('allowed');
    expect(combineWithResourcePolicy('allowed', 'implicitDeny')).toBe('allowed');
    expect(combineWithResourcePolicy('allowed', 'explicitDeny')).toBe('explicitDeny');
    expect(combineWithResourcePolicy('explicitDeny', 'allowed')).toBe('explicitDeny');
    expect(combineWithResourcePolicy('implicitDeny', 'implicitDeny')).toBe('implicitDeny');
  });
});

describe('permissions pre-check on the sandbox', () => {
  let p: TestProject;
  const manifest = manifestSchema.parse({ version: '1.0.0' });
  beforeAll(async () => {
    p = makeProject({
      config: (c) => {
        c.buckets = {
          uploads: {
            grants: [
              { function: 'health', access: ['read', 'write'], prefix: 'in/' },
              { function: 'hello', access: ['list'], prefix: 'in/' },
            ],
          },
        };
      },
    });
    await createRole(`${p.name}-local-health`);
    await createRole(`${p.name}-local-hello`);
  });

  it('GIVEN grants not yet applied WHEN checked without a plan THEN it fails; with the plan that applies them THEN it passes', async () => {
    const ctx = p.ctx();
    const desired = await step.desired(ctx, {} as ReleaseInput);
    const changes = step.diff(desired, await step.read(ctx, desired));
    const plan = { version: 1, steps: [{ section: 'buckets', changes, fingerprint: 'x' }] } as unknown as Plan;
    expect([...plannedPolicies(plan).roles.keys()].sort()).toEqual([`${p.name}-local-health`, `${p.name}-local-hello`]);

    const without = await check.run({ ctx, manifest, digest: 'x', startedAt: new Date() });
    expect(without.ok).toBe(false);
    const withPlan = await check.run({ ctx, manifest, digest: 'x', startedAt: new Date(), plan });
    expect(withPlan.ok, withPlan.detail).toBe(true);
    expect(withPlan.detail).toContain('with the policies this release applies');

    await step.apply(ctx, desired, changes);
  });

  it('GIVEN applied grants WHEN checked THEN it passes; WHEN a statement is removed behind turnctl\'s back THEN it fails naming the grant', async () => {
    const ok = await runCli(['check', 'run', 'pre', '--checks', 'permissions', '--stage', 'local', '--output', 'json'], p.dir);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).checks[0].items.map((i: { name: string; ok: boolean }) => [i.name, i.ok])).toEqual([
      [`health read+write s3://${p.name}-local-uploads/in/`, true],
      [`hello list s3://${p.name}-local-uploads/in/`, true],
    ]);

    // Tamper: drop the write statement from the health role's grants policy.
    const role = `${p.name}-local-health`;
    const doc = await rolePolicy(role);
    doc.Statement = doc.Statement.filter((s: { Sid: string }) => !s.Sid.endsWith('Write'));
    await iam().send(new PutRolePolicyCommand({ RoleName: role, PolicyName: 'turnctl-buckets', PolicyDocument: JSON.stringify(doc) }));

    const bad = await runCli(['check', 'run', 'pre', '--checks', 'permissions', '--stage', 'local'], p.dir);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(new RegExp(`✖ permissions: grant health read\\+write s3://${p.name}-local-uploads/in/ \\(.*turnctl\\.yaml:\\d+:\\d+\\) is not in effect for role ${role}: s3:PutObject on arn:aws:s3:::${p.name}-local-uploads/in/turnctl-permissions-check is not allowed by any statement`));
    expect(bad.stdout).not.toContain('hello list');

    // A Deny in another policy on the role also makes the grant ineffective.
    await iam().send(new PutRolePolicyCommand({ RoleName: `${p.name}-local-hello`, PolicyName: 'guard', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 's3:List*', Resource: '*' }] }) }));
    const denied = await check.run({ ctx: p.ctx(), manifest, digest: 'x', startedAt: new Date() });
    expect(denied.items?.find((i) => i.name.startsWith('hello'))).toMatchObject({ ok: false, detail: expect.stringContaining('s3:ListBucket on arn:aws:s3:::') });
    expect(denied.detail).toContain('is explicitly denied');
  });

  it('GIVEN a bucket policy that denies one role the writes (and requires TLS) WHEN checked THEN that grant fails naming the bucket policy, the others pass', async () => {
    // Undo the earlier tampering: re-apply the grants, drop the guard.
    const ctx = p.ctx();
    const desired = await step.desired(ctx, {} as ReleaseInput);
    await step.apply(ctx, desired, step.diff(desired, await step.read(ctx, desired)));
    const { DeleteRolePolicyCommand } = await import('@aws-sdk/client-iam');
    await iam().send(new DeleteRolePolicyCommand({ RoleName: `${p.name}-local-hello`, PolicyName: 'guard' }));
    const bucket = `${p.name}-local-uploads`;
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'TlsOnly', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
        { Sid: 'NoWrites', Effect: 'Deny', Principal: { AWS: `arn:aws:iam::123456789012:role/${p.name}-local-health` }, Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucket}/*` },
      ],
    };
    const { PutBucketPolicyCommand, DeleteBucketPolicyCommand } = await import('@aws-sdk/client-s3');
    const { s3 } = await import('./helpers.js');
    await s3().send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));

    const r = await check.run({ ctx, manifest, digest: 'x', startedAt: new Date() });
    expect(r.items?.map((i) => [i.name.split(' ')[0], i.ok])).toEqual([
      ['health', false],
      ['hello', true],
    ]);
    expect(r.detail).toContain(`s3:PutObject on arn:aws:s3:::${bucket}/in/turnctl-permissions-check is explicitly denied by the bucket policy of ${bucket}; fix the bucket's policy`);
    expect(r.detail).not.toContain('s3:GetObject');

    // WHEN the release removes that policy THEN the check with the plan passes.
    const plan = { steps: [{ section: 'buckets', changes: [{ id: `s3:${bucket}:policy`, action: 'delete', before: policy, after: null }], fingerprint: 'x' }] } as unknown as Plan;
    const withPlan = await check.run({ ctx, manifest, digest: 'x', startedAt: new Date(), plan });
    expect(withPlan.ok, withPlan.detail).toBe(true);
    await s3().send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
  });
  it("GIVEN a permissions boundary on the role that does not allow listing and a bucket policy that allows the role WHEN checked THEN the grant fails naming the boundary (the bucket policy's Allow cannot make up for it)", async () => {
    // GIVEN hello's role bounded to object reads/writes (no s3:ListBucket), and a bucket policy granting the role everything
    const role = `${p.name}-local-hello`;
    const bucket = `${p.name}-local-uploads`;
    const { CreatePolicyCommand, PutRolePermissionsBoundaryCommand, DeleteRolePermissionsBoundaryCommand } = await import('@aws-sdk/client-iam');
    const boundary = await iam().send(
      new CreatePolicyCommand({ PolicyName: `${p.name}-boundary`, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: '*' }] }) }),
    );
    await iam().send(new PutRolePermissionsBoundaryCommand({ RoleName: role, PermissionsBoundary: boundary.Policy!.Arn! }));
    const { PutBucketPolicyCommand, DeleteBucketPolicyCommand } = await import('@aws-sdk/client-s3');
    const { s3 } = await import('./helpers.js');
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::123456789012:role/${role}` }, Action: 's3:*', Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`] }] };
    await s3().send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
    try {
      // WHEN checked
      const r = await check.run({ ctx: p.ctx(), manifest, digest: 'x', startedAt: new Date() });
      // THEN hello's list grant fails, naming the boundary; health (not bounded) passes
      expect(r.items?.map((i) => [i.name.split(' ')[0], i.ok])).toEqual([
        ['health', true],
        ['hello', false],
      ]);
      expect(r.detail).toContain(`s3:ListBucket on arn:aws:s3:::${bucket} (s3:prefix=in/) is not allowed by the role's permissions boundary; widen the role's permissions boundary (or drop the grant)`);
    } finally {
      await iam().send(new DeleteRolePermissionsBoundaryCommand({ RoleName: role }));
      await s3().send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
    }
  });
});
