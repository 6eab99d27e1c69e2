import { createHash } from 'node:crypto';
import { applyBucketChanges, restoreBuckets } from '../../buckets/apply.js';
import { desiredBuckets, type BucketsDesired } from '../../buckets/desired.js';
import { diffBuckets, stableJson } from '../../buckets/diff.js';
import { readBucketsLive, type BucketsLive } from '../../buckets/live.js';
import type { Step } from '../types.js';
import type { Ctx } from '../../context.js';
import { readRoles } from '../../aws/iam-roles.js';
import { InvalidInputError } from '../../errors.js';
import { refuseMissingGivenRoles } from '../given-roles.js';

/**
 * A bucket policy naming a role of the stage's account that does not exist is refused by PutBucketPolicy ("Invalid
 * principal in policy") in the middle of the apply; moto takes it. Function roles count: the bootstrap step creates them.
 */
async function refuseMissingPrincipals(ctx: Ctx, desired: BucketsDesired): Promise<void> {
  const own = new Set(desired.roles.map((r) => r.role));
  const wanted = (desired.principalRoles ?? []).filter((p) => !own.has(p.role));
  if (wanted.length === 0) return;
  const facts = await readRoles(ctx, wanted.map((p) => p.role), []);
  const missing = wanted.find((p) => !facts.get(p.role)?.exists);
  if (missing)
    throw new InvalidInputError(missing.where, `bucket "${missing.bucketKey}" policy: principal ${missing.arn} names role ${missing.role}, which does not exist in account ${ctx.stage.account}; S3 refuses a policy with an unknown principal — create the role or fix the principal`);
}

/**
 * S3 buckets and permissions: versioning, public-access block, default encryption, CORS, bucket policy, and the
 * `turnctl-buckets` inline policy on each function role that carries the declared grants. Restore puts the recorded
 * configuration and policies back; a bucket the release created is deleted only when empty, otherwise kept.
 */
export const step: Step<BucketsDesired, BucketsLive> = {
  section: 'buckets',

  async desired(ctx) {
    return desiredBuckets(ctx);
  },

  digest(desired) {
    return createHash('sha256').update(stableJson(desired.source)).digest('hex');
  },

  async read(ctx, desired) {
    // The turnctl-buckets policy goes on each function's role: one given as an ARN that does not exist fails the put.
    await refuseMissingGivenRoles(ctx, desired.roles.flatMap((r) => r.functions));
    await refuseMissingPrincipals(ctx, desired);
    return readBucketsLive(
      ctx,
      desired.buckets.map((b) => ({ name: b.name, where: ctx.project.file.where(['buckets', b.key]) })),
      desired.roles.map((r) => r.role),
    );
  },

  diff(desired, live) {
    return diffBuckets(desired, live).map((c) => (c.action === 'create' && /^s3:[^:]+$/.test(c.id) ? { ...c, note: 'deleted on rollback only while empty' } : c));
  },

  async apply(ctx, _desired, changes) {
    return applyBucketChanges(ctx, changes);
  },

  async restore(ctx, before: BucketsLive) {
    return restoreBuckets(ctx, before);
  },
};
