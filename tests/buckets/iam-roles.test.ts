import * as iamm from '@aws-sdk/client-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { readRoles } from '../../src/aws/iam-roles.js';
import { recordAwsCalls, runCli } from '../helpers/cli.js';
import { makeProject, type TestProject } from '../helpers/project.js';
import { createRole, iam } from './helpers.js';

describe('reading many roles at once', () => {
  let p: TestProject;
  let roles: string[];
  beforeAll(async () => {
    p = makeProject();
    roles = Array.from({ length: 10 }, (_, i) => `${p.name}-local-r${i}`);
    // GIVEN nine roles, four of them with the grants policy (one more with an unrelated inline policy), and one missing
    for (const r of roles.slice(0, 9)) await createRole(r);
    const doc = (i: number) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::b${i}/*` }] });
    for (const i of [0, 2, 4, 6]) await iam().send(new iamm.PutRolePolicyCommand({ RoleName: roles[i], PolicyName: 'turnctl-buckets', PolicyDocument: doc(i) }));
    await iam().send(new iamm.PutRolePolicyCommand({ RoleName: roles[1], PolicyName: 'someone-elses', PolicyDocument: doc(1) }));
  });

  it('GIVEN ten roles WHEN read account-wide and role by role THEN both answers are the same', async () => {
    const ctx = p.ctx();
    const bulk = await recordAwsCalls(() => readRoles(ctx, roles, ['turnctl-buckets'], { bulkFrom: 1 }));
    const single = await recordAwsCalls(() => readRoles(ctx, roles, ['turnctl-buckets'], { bulkFrom: Infinity }));

    const decoded = (m: Map<string, { exists: boolean; inline: Record<string, string> }>) =>
      Object.fromEntries([...m].map(([r, f]) => [r, { exists: f.exists, inline: Object.fromEntries(Object.entries(f.inline).map(([k, v]) => [k, JSON.parse(v.startsWith('{') ? v : decodeURIComponent(v))])) }]));
    expect(decoded(bulk.result)).toEqual(decoded(single.result));
    expect(bulk.result.get(roles[9]!)).toEqual({ exists: false, inline: {} });
    expect(Object.keys(bulk.result.get(roles[1]!)!.inline)).toEqual([]); // only the asked-for policy names
    expect(decoded(bulk.result)[roles[4]!]!.inline['turnctl-buckets'].Statement[0].Resource).toBe('arn:aws:s3:::b4/*');

    expect(bulk.calls.map((c) => c.command)).toEqual(['GetAccountAuthorizationDetails']);
    expect(single.calls.filter((c) => c.command === 'GetRolePolicy')).toHaveLength(10);
  });

  it('GIVEN a project with ten functions WHEN planned THEN IAM is asked once for all roles, not per role', async () => {
    const q = makeProject({
      functions: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`fn${i}`, `export const handler = async () => ({ statusCode: 200, body: '${i}' });\n`])),
      config: (c) => {
        c.functions = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`fn${i}`, { memory: 128 }]));
      },
    });
    const r = await recordAwsCalls(() => runCli(['release', 'plan', `${q.dir}/releases/1.0.0.yaml`, '--stage', 'local'], q.dir));
    expect(r.result.code).toBe(0);
    const iamCalls = r.calls.filter((c) => c.service === 'iam').map((c) => c.command);
    expect(iamCalls).toEqual(['GetAccountAuthorizationDetails']);
  });
});
