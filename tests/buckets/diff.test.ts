import { describe, expect, it } from 'vitest';
import { bucketTarget, compareBucket, compareRole } from '../../src/buckets/diff.js';
import type { BucketSpec } from '../../src/buckets/desired.js';
import type { BucketLive } from '../../src/buckets/live.js';
import { bucketNameProblem } from '../../src/buckets/names.js';
import { samePolicy } from '../../src/buckets/policy-doc.js';

const PAB = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
const spec = (over: Partial<BucketSpec> = {}): BucketSpec => ({ key: 'b', name: 'b-bucket', versioning: false, publicAccessBlock: PAB, encryption: { algorithm: 'AES256' }, cors: null, policy: null, ...over });
const live = (over: Partial<BucketLive> = {}): BucketLive => ({ name: 'b-bucket', exists: true, versioning: null, publicAccessBlock: PAB, encryption: { algorithm: 'AES256' }, cors: null, policy: null, ...over });

describe('buckets diff (pure)', () => {
  it('GIVEN versioning false WHEN the bucket was never versioned THEN no change; WHEN Enabled THEN Suspended (S3 cannot unversion)', () => {
    expect(compareBucket(bucketTarget(spec(), live()), live())).toEqual([]);
    const l = live({ versioning: 'Enabled' });
    expect(compareBucket(bucketTarget(spec(), l), l)).toEqual([{ id: 's3:b-bucket:versioning', action: 'update', before: 'Enabled', after: 'Suspended' }]);
  });

  it('GIVEN policies that differ only in form (single vs list, key and set order) THEN they are the same', () => {
    const a = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::b/*', Principal: { AWS: 'arn:aws:iam::1:root' } }] };
    const b = { Statement: { Principal: { AWS: ['arn:aws:iam::1:root'] }, Resource: ['arn:aws:s3:::b/*'], Action: ['s3:PutObject', 's3:GetObject'], Effect: 'Allow' }, Version: '2012-10-17' };
    expect(samePolicy(a, b)).toBe(true);
    expect(samePolicy(a, { ...b, Statement: { ...b.Statement, Effect: 'Deny' } })).toBe(false);
    const l = live({ policy: a as never });
    expect(compareBucket(bucketTarget(spec({ policy: b as never }), l), l)).toEqual([]);
  });

  it('GIVEN a configuration removed from the config THEN a delete change; a missing role policy THEN create', () => {
    const l = live({ cors: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET'], AllowedHeaders: [], ExposeHeaders: [] }] });
    expect(compareBucket(bucketTarget(spec(), l), l).map((c) => `${c.action} ${c.id}`)).toEqual(['delete s3:b-bucket:cors']);
    const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow' as const, Action: 's3:GetObject', Resource: '*' }] };
    expect(compareRole('r', doc, { role: 'r', roleExists: true, policy: null })).toEqual([{ id: 'iam:r:turnctl-buckets', action: 'create', before: null, after: doc }]);
    expect(compareRole('r', null, { role: 'r', roleExists: true, policy: doc })[0]!.action).toBe('delete');
  });

  it.each([
    ['ab', 'must be 3 to 63'],
    ['Uploads', 'lower-case'],
    ['a..b', 'two dots'],
    ['192.168.1.1', 'IP address'],
    ['xn--abc', 'must not start with "xn--"'],
    ['data-s3alias', 'must not end with "-s3alias"'],
  ])('bucket name %s is refused (%s)', (name, problem) => {
    expect(bucketNameProblem(name)).toContain(problem);
  });
  it('a valid bucket name passes', () => expect(bucketNameProblem('turn-prod-uploads')).toBeUndefined());
});
