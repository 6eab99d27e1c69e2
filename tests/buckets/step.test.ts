import { PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { step } from '../../src/release/steps/buckets.js';
import type { BucketsLive } from '../../src/buckets/live.js';
import type { Ctx } from '../../src/context.js';
import type { ReleaseInput } from '../../src/release/types.js';
import { makeProject, type TestProject } from '../helpers/project.js';
import { bucketSnapshot, createRole, rolePolicy, s3 } from './helpers.js';

const release = {} as ReleaseInput;

/** desired → read → diff, as the engine plans. */
async function plan(ctx: Ctx) {
  const desired = await step.desired(ctx, release);
  const live = await step.read(ctx, desired);
  return { desired, live, changes: step.diff(desired, live) };
}

/** Plans and applies; returns the before-state the engine would journal. */
async function applyAll(ctx: Ctx) {
  const { desired, live, changes } = await plan(ctx);
  const before = JSON.parse(JSON.stringify(step.record ? step.record(live) : live)) as BucketsLive;
  const result = await step.apply(ctx, desired, changes);
  return { before, result, changes };
}

describe('buckets step on the sandbox', () => {
  let p: TestProject;
  let uploads: string;
  beforeAll(async () => {
    p = makeProject({
      config: (c) => {
        c.stages.local.vars = { webOrigins: 'http://localhost:5173,https://app.example' };
        c.buckets = {
          uploads: {
            name: '${project}-${stage}-uploads',
            versioning: true,
            cors: [{ origins: '${var.webOrigins}', methods: ['GET', 'PUT'], headers: ['*'], maxAge: 300 }],
            policy: {
              Version: '2012-10-17',
              Statement: [{ Sid: 'TlsOnly', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: ['arn:aws:s3:::${project}-${stage}-uploads/*'], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }],
            },
            grants: [
              { function: 'health', access: ['read', 'write'], prefix: 'uploads/' },
              { function: 'hello', access: ['list'] },
            ],
          },
        };
      },
    });
    uploads = `${p.name}-local-uploads`;
    await createRole(`${p.name}-local-health`);
    await createRole(`${p.name}-local-hello`);
  });

  it('GIVEN a declared bucket WHEN applied from nothing THEN every aspect reads back through a second client and a re-plan is empty', async () => {
    const ctx = p.ctx();
    const { changes, result } = await applyAll(ctx);
    expect(changes.map((c) => `${c.action} ${c.id}`)).toEqual([
      `create s3:${uploads}`,
      `create s3:${uploads}:versioning`,
      `create s3:${uploads}:encryption`,
      `create s3:${uploads}:publicAccessBlock`,
      `create s3:${uploads}:cors`,
      `create s3:${uploads}:policy`,
      `create iam:${p.name}-local-health:turnctl-buckets`,
      `create iam:${p.name}-local-hello:turnctl-buckets`,
    ]);
    expect(result).toEqual({ created: [uploads] });

    const snap = await bucketSnapshot(uploads);
    expect(snap).toEqual({
      exists: true,
      versioning: 'Enabled',
      publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
      encryption: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }],
      cors: [{ AllowedOrigins: ['http://localhost:5173', 'https://app.example'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['*'], MaxAgeSeconds: 300 }],
      policy: expect.objectContaining({ Statement: [expect.objectContaining({ Sid: 'TlsOnly', Effect: 'Deny', Resource: [`arn:aws:s3:::${uploads}/*`] })] }),
    });
    expect(await rolePolicy(`${p.name}-local-health`)).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'TurnctlUploads0Read', Effect: 'Allow', Action: ['s3:GetObject'], Resource: `arn:aws:s3:::${uploads}/uploads/*` },
        { Sid: 'TurnctlUploads0Write', Effect: 'Allow', Action: ['s3:PutObject', 's3:DeleteObject'], Resource: `arn:aws:s3:::${uploads}/uploads/*` },
      ],
    });
    expect(await rolePolicy(`${p.name}-local-hello`)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'TurnctlUploads0List', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: `arn:aws:s3:::${uploads}` }],
    });
    expect((await plan(p.ctx())).changes).toEqual([]);
  });

  it('GIVEN an applied bucket WHEN policy, CORS and a grant change THEN exactly those are planned, applied, and restore puts the before-state back exactly', async () => {
    const snapBefore = await bucketSnapshot(uploads);
    const helloBefore = await rolePolicy(`${p.name}-local-hello`);
    const healthBefore = await rolePolicy(`${p.name}-local-health`);
    p.write('policies/uploads.json', JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'TlsOnly', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: ['arn:aws:s3:::${bucket}', 'arn:aws:s3:::${bucket}/*'], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] }, null, 2));
    p.config.buckets.uploads.policy = 'policies/uploads.json';
    p.config.buckets.uploads.cors[0].methods = ['GET', 'PUT', 'POST'];
    p.config.buckets.uploads.grants.push({ function: 'hello', access: ['read'], prefix: 'public/' });
    p.writeConfig(p.config);

    const ctx = p.ctx();
    const { before, changes, result } = await applyAll(ctx);
    expect(changes.map((c) => `${c.action} ${c.id}`)).toEqual([`update s3:${uploads}:cors`, `update s3:${uploads}:policy`, `update iam:${p.name}-local-hello:turnctl-buckets`]);
    const applied = await bucketSnapshot(uploads);
    expect((applied as { cors: Array<{ AllowedMethods: string[] }> }).cors[0]!.AllowedMethods).toEqual(['GET', 'PUT', 'POST']);
    expect((applied as { policy: { Statement: Array<{ Resource: string[] }> } }).policy.Statement[0]!.Resource).toEqual([`arn:aws:s3:::${uploads}`, `arn:aws:s3:::${uploads}/*`]);
    expect((await rolePolicy(`${p.name}-local-hello`)).Statement.map((s: { Sid: string }) => s.Sid)).toEqual(['TurnctlUploads0List', 'TurnctlUploads1Read']);
    expect((await plan(p.ctx())).changes).toEqual([]);

    const restored = await step.restore(ctx, before, result);
    expect(restored.restored).toEqual([`bucket ${uploads} cors put back`, `bucket ${uploads} policy put back`, `role ${p.name}-local-hello turnctl-buckets policy put back`]);
    expect(await bucketSnapshot(uploads)).toEqual(snapBefore);
    expect(await rolePolicy(`${p.name}-local-hello`)).toEqual(helloBefore);
    expect(await rolePolicy(`${p.name}-local-health`)).toEqual(healthBefore);
  });

  it("GIVEN applied grants of two roles WHEN one role's grant is removed THEN only that role's policy is planned (the other's statements keep their ids)", async () => {
    await applyAll(p.ctx()); // the previous test restored the stage, not the config
    const grants = p.config.buckets.uploads.grants;
    p.config.buckets.uploads.grants = grants.filter((g: { function: string }) => g.function !== 'health');
    p.writeConfig(p.config);
    try {
      const { changes } = await plan(p.ctx());
      expect(changes.map((c) => `${c.action} ${c.id}`)).toEqual([`delete iam:${p.name}-local-health:turnctl-buckets`]);
    } finally {
      p.config.buckets.uploads.grants = grants;
      p.writeConfig(p.config);
    }
  });

  it('GIVEN two buckets created by a release WHEN restored THEN the empty one is deleted and the one holding objects is kept and reported', async () => {
    p.config.buckets.empty = { versioning: true };
    p.config.buckets.data = {};
    p.writeConfig(p.config);
    const ctx = p.ctx();
    const { before, result } = await applyAll(ctx);
    const data = `${p.name}-local-data`;
    const empty = `${p.name}-local-empty`;
    expect(result).toEqual({ created: expect.arrayContaining([data, empty]) });
    await s3().send(new PutObjectCommand({ Bucket: data, Key: 'a.txt', Body: 'keep me' }));

    const restored = await step.restore(ctx, before, result);
    expect(restored.kept).toEqual([`bucket ${data} (created by the release; it holds objects)`]);
    expect(restored.restored).toContain(`bucket ${empty} deleted (created by the release, empty)`);
    expect(await bucketSnapshot(empty)).toEqual({ exists: false });
    expect((await bucketSnapshot(data)).exists).toBe(true);
  });
});
