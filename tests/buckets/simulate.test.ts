import { describe, expect, it } from 'vitest';
import { check } from '../../src/checks/permissions.js';
import { manifestSchema } from '../../src/config/schema.js';
import type { Ctx } from '../../src/context.js';
import type { Plan } from '../../src/release/types.js';
import { makeProject } from '../helpers/project.js';

/**
 * The AWS path of the permissions check (IAM SimulatePrincipalPolicy), which moto lacks: an injected IAM client answers
 * with real-shaped responses and records the requests. Not a module mock: the stage context hands it in.
 */
function awsStageCtx(ctx: Ctx, answer: (cmd: string, input: any) => unknown) {
  const calls: Array<{ cmd: string; input: any }> = [];
  const iam = {
    send: async (command: { constructor: { name: string }; input: unknown }) => {
      const cmd = command.constructor.name.replace(/Command$/, '');
      calls.push({ cmd, input: command.input });
      const out = answer(cmd, command.input);
      if (out instanceof Error) throw out;
      return out;
    },
  };
  const aws = { ...ctx.aws, iam: async () => iam } as unknown as Ctx['aws'];
  return { ctx: { ...ctx, stage: { ...ctx.stage, sandbox: false }, aws } as Ctx, calls };
}

describe('permissions check on AWS stages (IAM policy simulation)', () => {
  const p = makeProject({ config: (c) => (c.buckets = { uploads: { grants: [{ function: 'hello', access: ['write', 'list'], prefix: 'in/' }] } }) });
  const manifest = manifestSchema.parse({ version: '1.0.0' });
  const role = `${p.name}-local-hello`;
  const arn = `arn:aws:iam::123456789012:role/${role}`;
  /** A plan whose bucket policy grants the role everything on the bucket. */
  const planAllowingRole = () => {
    const bucket = `${p.name}-local-uploads`;
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: arn }, Action: 's3:*', Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`] }] };
    return { bucket, plan: { steps: [{ section: 'buckets', changes: [{ id: `s3:${bucket}:policy`, action: 'create', before: null, after: policy }], fingerprint: 'x' }] } as unknown as Plan };
  };

  it('GIVEN a role whose simulation allows every action WHEN checked THEN it passes, one simulation per action with the s3:prefix and TLS context', async () => {
    const { ctx, calls } = awsStageCtx(p.ctx(), (cmd) => (cmd === 'GetRole' ? { Role: { Arn: arn } } : { EvaluationResults: [{ EvalDecision: 'allowed' }] }));
    const r = await check.run({ ctx, manifest, digest: 'x', startedAt: new Date() });
    expect(r.ok, r.detail).toBe(true);
    expect(r.detail).toContain('IAM policy simulation');
    const sims = calls.filter((c) => c.cmd === 'SimulatePrincipalPolicy').map((c) => c.input);
    expect(sims).toEqual([
      { PolicySourceArn: arn, ActionNames: ['s3:PutObject'], ResourceArns: [`arn:aws:s3:::${p.name}-local-uploads/in/turnctl-permissions-check`], ContextEntries: [{ ContextKeyName: 'aws:SecureTransport', ContextKeyValues: ['true'], ContextKeyType: 'boolean' }] },
      { PolicySourceArn: arn, ActionNames: ['s3:DeleteObject'], ResourceArns: [`arn:aws:s3:::${p.name}-local-uploads/in/turnctl-permissions-check`], ContextEntries: [{ ContextKeyName: 'aws:SecureTransport', ContextKeyValues: ['true'], ContextKeyType: 'boolean' }] },
      { PolicySourceArn: arn, ActionNames: ['s3:ListBucket'], ResourceArns: [`arn:aws:s3:::${p.name}-local-uploads`], ContextEntries: [{ ContextKeyName: 's3:prefix', ContextKeyValues: ['in/'], ContextKeyType: 'string' }, { ContextKeyName: 'aws:SecureTransport', ContextKeyValues: ['true'], ContextKeyType: 'boolean' }] },
    ]);
  });

  it('GIVEN a simulation that denies one action WHEN checked THEN it fails naming the grant and the action', async () => {
    const { ctx } = awsStageCtx(p.ctx(), (cmd, input) =>
      cmd === 'GetRole' ? { Role: { Arn: arn } } : { EvaluationResults: [{ EvalDecision: input.ActionNames[0] === 's3:DeleteObject' ? 'explicitDeny' : 'allowed' }] },
    );
    const r = await check.run({ ctx, manifest, digest: 'x', startedAt: new Date() });
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(new RegExp(`^grant hello write\\+list s3://${p.name}-local-uploads/in/ \\(.*turnctl\\.yaml:\\d+:\\d+\\) is not in effect for role ${role}: s3:DeleteObject on .* is explicitly denied`));
  });

  it('GIVEN a plan that puts the grants policy on a role that does not exist yet WHEN checked THEN the planned policy is simulated (SimulateCustomPolicy)', async () => {
    const planned = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:*'], Resource: '*' }] };
    const plan = { steps: [{ section: 'buckets', changes: [{ id: `iam:${role}:turnctl-buckets`, action: 'create', before: null, after: planned }], fingerprint: 'x' }] } as unknown as Plan;
    const noSuchRole = Object.assign(new Error('role not found'), { name: 'NoSuchEntityException' });
    const { ctx, calls } = awsStageCtx(p.ctx(), (cmd) => (cmd === 'GetRole' ? noSuchRole : { EvaluationResults: [{ EvalDecision: 'allowed' }] }));
    const r = await check.run({ ctx, manifest, digest: 'x', startedAt: new Date(), plan });
    expect(r.ok, r.detail).toBe(true);
    expect(calls.filter((c) => c.cmd === 'SimulateCustomPolicy').map((c) => c.input.PolicyInputList)).toEqual([[JSON.stringify(planned)], [JSON.stringify(planned)], [JSON.stringify(planned)]]);
  });

  it('GIVEN a simulation that allows everything but a bucket policy the release puts denying deletes WHEN checked THEN the grant fails naming the bucket policy', async () => {
    const bucket = `${p.name}-local-uploads`;
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: { AWS: '123456789012' }, Action: 's3:DeleteObject', Resource: `arn:aws:s3:::${bucket}/*` }] };
    const plan = { steps: [{ section: 'buckets', changes: [{ id: `s3:${bucket}:policy`, action: 'create', before: null, after: policy }], fingerprint: 'x' }] } as unknown as Plan;
    const { ctx } = awsStageCtx(p.ctx(), (cmd) => (cmd === 'GetRole' ? { Role: { Arn: arn } } : { EvaluationResults: [{ EvalDecision: 'allowed' }] }));
    const r = await check.run({ ctx, manifest, digest: 'x', startedAt: new Date(), plan });
    expect(r.ok).toBe(false);
    expect(r.detail).toContain(`s3:DeleteObject on arn:aws:s3:::${bucket}/in/turnctl-permissions-check is explicitly denied by the bucket policy of ${bucket}`);
    expect(r.detail).not.toContain('s3:PutObject');
  });
  it('GIVEN a simulation that denies because of an SCP WHEN checked THEN it fails naming the SCP, even though the bucket policy allows the role', async () => {
    // GIVEN an organization SCP that does not allow deletes (AllowedByOrganizations false), and a bucket policy granting the role everything
    const { bucket, plan } = planAllowingRole();
    const { ctx } = awsStageCtx(p.ctx(), (cmd, input) =>
      cmd === 'GetRole'
        ? { Role: { Arn: arn } }
        : input.ActionNames[0] === 's3:DeleteObject'
          ? { EvaluationResults: [{ EvalDecision: 'implicitDeny', OrganizationsDecisionDetail: { AllowedByOrganizations: false } }] }
          : { EvaluationResults: [{ EvalDecision: 'allowed', OrganizationsDecisionDetail: { AllowedByOrganizations: true } }] },
    );
    // WHEN checked
    const r = await check.run({ ctx, manifest, digest: 'x', startedAt: new Date(), plan });
    // THEN it fails on the delete, naming the SCP (not "no statement", not "apply the release")
    expect(r.ok).toBe(false);
    expect(r.detail).toContain(`s3:DeleteObject on arn:aws:s3:::${bucket}/in/turnctl-permissions-check is not allowed by a service control policy of the organization`);
    expect(r.detail).toMatch(/ask the organization's administrators, or drop the grant$/);
  });

  it("GIVEN a simulation that denies because of the role's permissions boundary WHEN checked THEN it fails naming the boundary, even though the bucket policy allows the role", async () => {
    // GIVEN a boundary that does not allow listing, and a bucket policy granting the role ARN everything
    const { bucket, plan } = planAllowingRole();
    const { ctx } = awsStageCtx(p.ctx(), (cmd, input) =>
      cmd === 'GetRole'
        ? { Role: { Arn: arn } }
        : input.ActionNames[0] === 's3:ListBucket'
          ? { EvaluationResults: [{ EvalDecision: 'implicitDeny', PermissionsBoundaryDecisionDetail: { AllowedByPermissionsBoundary: false } }] }
          : { EvaluationResults: [{ EvalDecision: 'allowed', PermissionsBoundaryDecisionDetail: { AllowedByPermissionsBoundary: true } }] },
    );
    // WHEN checked
    const r = await check.run({ ctx, manifest, digest: 'x', startedAt: new Date(), plan });
    // THEN it fails on the list, naming the boundary
    expect(r.ok).toBe(false);
    expect(r.detail).toContain(`s3:ListBucket on arn:aws:s3:::${bucket} (s3:prefix=in/) is not allowed by the role's permissions boundary`);
    expect(r.detail).toMatch(/widen the role's permissions boundary \(or drop the grant\)$/);
  });

  it('GIVEN identity policies that say nothing (implicitDeny, no boundary, no SCP) and a bucket policy that allows the role WHEN checked THEN it passes (same-account: either policy may allow)', async () => {
    const { plan } = planAllowingRole();
    const { ctx } = awsStageCtx(p.ctx(), (cmd) => (cmd === 'GetRole' ? { Role: { Arn: arn } } : { EvaluationResults: [{ EvalDecision: 'implicitDeny' }] }));
    const r = await check.run({ ctx, manifest, digest: 'x', startedAt: new Date(), plan });
    expect(r.ok, r.detail).toBe(true);
  });
});
