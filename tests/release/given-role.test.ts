import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { isWriteCommand } from '../../src/aws/clients.js';
import type { Ctx } from '../../src/context.js';
import { refuseMissingGivenRoles } from '../../src/release/given-roles.js';
import { recordAwsCalls, runCli } from '../helpers/cli.js';
import { ACCOUNT, makeProject } from '../helpers/project.js';

const sandbox = { region: 'eu-central-1', endpoint: process.env.TURNCTL_SANDBOX_ENDPOINT, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

// functions.<fn>.role given as an ARN is the user's role: turnctl never creates it. A missing one failed the apply
// half-way (the function's configuration; the buckets step's inline policy); the plan refuses it at its line.
describe('an execution role given as an ARN', () => {
  it('GIVEN a role ARN of the stage account that does not exist WHEN planned or applied THEN exit 65 at its turnctl.yaml line, nothing written; once the role exists the release applies with it', async () => {
    const p = makeProject();
    const role = `${p.name}-given`;
    const arn = `arn:aws:iam::${ACCOUNT}:role/custom/${role}`;
    p.config.functions.hello.role = arn;
    p.writeConfig(p.config);
    const m = p.writeRelease({ version: '1.0.0', notes: 'given role', scope: ['env', 'functions'], checks: { pre: [], post: [] } });

    const plan = await runCli(['release', 'plan', m, '--stage', 'local'], p.dir);
    expect(plan.code, plan.stderr).toBe(65);
    expect(plan.stderr).toMatch(new RegExp(`^error: \\S*turnctl\\.yaml:\\d+:\\d+: role ${role} \\(arn:aws:iam::${ACCOUNT}:role/custom/${role}\\) does not exist in account ${ACCOUNT}; turnctl creates only the roles it names`, 'm'));
    expect(plan.stderr.split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(1);
    const { result: apply, calls } = await recordAwsCalls(() => runCli(['release', 'apply', m, '--stage', 'local', '--yes'], p.dir));
    expect(apply.code, apply.stderr).toBe(65);
    expect(calls.filter((c) => isWriteCommand(c.command))).toEqual([]);

    await new IAMClient(sandbox).send(new CreateRoleCommand({ RoleName: role, Path: '/custom/', AssumeRolePolicyDocument: trust }));
    const applied = await runCli(['release', 'apply', m, '--stage', 'local', '--yes'], p.dir);
    expect(applied.code, applied.stderr).toBe(0);
    const cfg = await new LambdaClient(sandbox).send(new GetFunctionConfigurationCommand({ FunctionName: `${p.name}-local-hello` }));
    expect(cfg.Role).toBe(arn);
  });

  it('GIVEN a bucket grant to a function whose given role does not exist WHEN a buckets-only release is planned THEN exit 65 at the role line (the turnctl-buckets policy goes on that role)', async () => {
    const p = makeProject();
    p.config.functions.hello.role = `arn:aws:iam::${ACCOUNT}:role/${p.name}-nowhere`;
    p.config.buckets = { uploads: { grants: [{ function: 'hello', access: ['read'] }] } };
    p.writeConfig(p.config);
    const m = p.writeRelease({ version: '1.0.0', notes: 'grants', scope: ['buckets'], checks: { pre: [], post: [] } });
    const plan = await runCli(['release', 'plan', m, '--stage', 'local'], p.dir);
    expect(plan.code, plan.stderr).toBe(65);
    expect(plan.stderr).toMatch(new RegExp(`^error: \\S*turnctl\\.yaml:\\d+:\\d+: role ${p.name}-nowhere .* does not exist in account ${ACCOUNT}`, 'm'));
  });

  it('GIVEN a role of another account, or a value that is not a role ARN WHEN planned THEN the other account is left to AWS and the bad ARN is exit 65 at its line', async () => {
    const p = makeProject();
    p.config.functions.hello.role = 'arn:aws:iam::210987654321:role/shared-exec';
    p.writeConfig(p.config);
    const m = p.writeRelease({ version: '1.0.0', notes: 'other account', scope: ['env', 'functions'], checks: { pre: [], post: [] } });
    const other = await runCli(['release', 'plan', m, '--stage', 'local'], p.dir);
    expect(other.code, other.stderr).toBe(0);

    p.config.functions.hello.role = `arn:aws:iam::${ACCOUNT}:user/deployer`;
    p.writeConfig(p.config);
    const bad = await runCli(['release', 'plan', m, '--stage', 'local'], p.dir);
    expect(bad.code, bad.stderr).toBe(65);
    expect(bad.stderr).toMatch(/^error: \S*turnctl\.yaml:\d+:\d+: "arn:aws:iam::\d+:user\/deployer" is not an IAM role ARN/m);
  });

  it('GIVEN a caller that may not read the given role (iam:GetRole denied; moto does not deny) WHEN checked THEN the plan goes on and leaves the role to AWS', async () => {
    const denied = Object.assign(new Error('User is not authorized to perform: iam:GetRole'), { name: 'AccessDenied' });
    const sent: string[] = [];
    const ctx = {
      stack: { functions: { hello: { role: `arn:aws:iam::${ACCOUNT}:role/someone-elses` } } },
      stage: { name: 'prod', account: ACCOUNT },
      concurrency: 1,
      aws: { iam: async () => ({ send: async (c: object) => { sent.push(c.constructor.name); throw denied; } }) },
    } as unknown as Ctx;
    await expect(refuseMissingGivenRoles(ctx, ['hello'])).resolves.toBeUndefined();
    expect(sent).toEqual(['GetRoleCommand']);
  });
});
