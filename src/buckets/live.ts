import type { Ctx } from '../context.js';
import { mapLimit } from '../aws/clients.js';
import { readRoles } from '../aws/iam-roles.js';
import { InvalidInputError, isAwsError } from '../errors.js';
import type { CorsRule, Encryption, PublicAccessBlock } from './desired.js';
import { GRANTS_POLICY } from './names.js';
import { parsePolicyText, type PolicyDoc } from './policy-doc.js';

/** What S3 says about one bucket (JSON-safe: it is journalled as the before-state). */
export interface BucketLive {
  name: string;
  exists: boolean;
  versioning: 'Enabled' | 'Suspended' | null;
  publicAccessBlock: PublicAccessBlock | null;
  encryption: Encryption | null;
  cors: CorsRule[] | null;
  policy: PolicyDoc | null;
}

/** The turnctl-buckets inline policy of one role. */
export interface RolePolicyLive {
  role: string;
  roleExists: boolean;
  policy: PolicyDoc | null;
}

/** Live state of the buckets section, keyed by bucket and role name. */
export interface BucketsLive {
  buckets: Record<string, BucketLive>;
  roles: Record<string, RolePolicyLive>;
}

const absent = (name: string): BucketLive => ({ name, exists: false, versioning: null, publicAccessBlock: null, encryption: null, cors: null, policy: null });

/** Runs a read that answers "not configured" with one of `missing` error names; undefined then. */
async function orMissing<T>(fn: () => Promise<T>, ...missing: string[]): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    if (isAwsError(err, ...missing)) return undefined;
    throw err;
  }
}

/** Reads every aspect turnctl manages of one bucket (read-only). */
export async function readBucket(ctx: Ctx, name: string, where?: string): Promise<BucketLive> {
  const s3m = await import('@aws-sdk/client-s3');
  const s3 = await ctx.aws.s3();
  try {
    await s3.send(new s3m.HeadBucketCommand({ Bucket: name }));
  } catch (err) {
    if (isAwsError(err, 'NotFound', 'NoSuchBucket')) return absent(name);
    if (isAwsError(err, 'Forbidden', '403', 'AccessDenied'))
      throw new InvalidInputError(where, `bucket ${name} exists but is not accessible to this account (a global name taken by someone else?); choose another bucket name`);
    throw err;
  }
  const Bucket = name;
  const [ver, pab, enc, cors, pol] = await Promise.all([
    s3.send(new s3m.GetBucketVersioningCommand({ Bucket })),
    orMissing(() => s3.send(new s3m.GetPublicAccessBlockCommand({ Bucket })), 'NoSuchPublicAccessBlockConfiguration'),
    orMissing(() => s3.send(new s3m.GetBucketEncryptionCommand({ Bucket })), 'ServerSideEncryptionConfigurationNotFoundError'),
    orMissing(() => s3.send(new s3m.GetBucketCorsCommand({ Bucket })), 'NoSuchCORSConfiguration'),
    orMissing(() => s3.send(new s3m.GetBucketPolicyCommand({ Bucket })), 'NoSuchBucketPolicy'),
  ]);
  const p = pab?.PublicAccessBlockConfiguration;
  const rule = enc?.ServerSideEncryptionConfiguration?.Rules?.[0];
  const def = rule?.ApplyServerSideEncryptionByDefault;
  return {
    name,
    exists: true,
    versioning: ver.Status === 'Enabled' || ver.Status === 'Suspended' ? ver.Status : null,
    publicAccessBlock: p
      ? { BlockPublicAcls: Boolean(p.BlockPublicAcls), IgnorePublicAcls: Boolean(p.IgnorePublicAcls), BlockPublicPolicy: Boolean(p.BlockPublicPolicy), RestrictPublicBuckets: Boolean(p.RestrictPublicBuckets) }
      : null,
    encryption: def?.SSEAlgorithm
      ? def.SSEAlgorithm === 'AES256'
        ? { algorithm: 'AES256' }
        : { algorithm: 'aws:kms', key: def.KMSMasterKeyID ?? '', bucketKey: Boolean(rule?.BucketKeyEnabled) }
      : null,
    cors: cors?.CORSRules?.length
      ? cors.CORSRules.map((r) => ({
          AllowedOrigins: r.AllowedOrigins ?? [],
          AllowedMethods: r.AllowedMethods ?? [],
          AllowedHeaders: r.AllowedHeaders ?? [],
          ExposeHeaders: r.ExposeHeaders ?? [],
          ...(r.MaxAgeSeconds !== undefined ? { MaxAgeSeconds: r.MaxAgeSeconds } : {}),
        }))
      : null,
    policy: pol?.Policy ? parsePolicyText(pol.Policy) : null,
  };
}

/** Reads the given buckets and roles with bounded concurrency. */
export async function readBucketsLive(ctx: Ctx, buckets: Array<{ name: string; where?: string }>, roles: string[]): Promise<BucketsLive> {
  const b = await mapLimit(buckets, ctx.concurrency, (x) => readBucket(ctx, x.name, x.where));
  // A role is created by the engine's bootstrap before any step; one missing here is reported, not created.
  const facts = await readRoles(ctx, roles, [GRANTS_POLICY]);
  const r = roles.map((role): RolePolicyLive => {
    const f = facts.get(role)!;
    const doc = f.inline[GRANTS_POLICY];
    return { role, roleExists: f.exists, policy: doc === undefined ? null : parsePolicyText(doc) };
  });
  return { buckets: Object.fromEntries(b.map((x) => [x.name, x])), roles: Object.fromEntries(r.map((x) => [x.role, x])) };
}
