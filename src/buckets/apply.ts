import type { S3Client } from '@aws-sdk/client-s3';
import type { Ctx } from '../context.js';
import { mapLimit } from '../aws/clients.js';
import { isAwsError } from '../errors.js';
import type { Change, RestoreResult } from '../release/types.js';
import type { CorsRule, Encryption, PublicAccessBlock } from './desired.js';
import { ASPECTS, compareBucket, compareRole, parseChangeId, type Aspect } from './diff.js';
import { readBucketsLive, type BucketsLive } from './live.js';
import { GRANTS_POLICY } from './names.js';
import type { PolicyDoc } from './policy-doc.js';

type S3 = typeof import('@aws-sdk/client-s3');

/** One writer per bucket aspect: puts the value, or removes the configuration for null. */
const WRITERS: Record<Aspect, (s3: S3Client, m: S3, Bucket: string, value: any) => Promise<unknown>> = {
  versioning: (s3, m, Bucket, v: 'Enabled' | 'Suspended') => s3.send(new m.PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: v } })),
  encryption: (s3, m, Bucket, v: Encryption | null) =>
    v === null
      ? s3.send(new m.DeleteBucketEncryptionCommand({ Bucket }))
      : s3.send(
          new m.PutBucketEncryptionCommand({
            Bucket,
            ServerSideEncryptionConfiguration: {
              Rules: [
                v.algorithm === 'AES256'
                  ? { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }
                  : { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: v.key }, BucketKeyEnabled: v.bucketKey ?? true },
              ],
            },
          }),
        ),
  publicAccessBlock: (s3, m, Bucket, v: PublicAccessBlock | null) =>
    v === null ? s3.send(new m.DeletePublicAccessBlockCommand({ Bucket })) : s3.send(new m.PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: v })),
  cors: (s3, m, Bucket, v: CorsRule[] | null) =>
    v === null
      ? s3.send(new m.DeleteBucketCorsCommand({ Bucket }))
      : s3.send(
          new m.PutBucketCorsCommand({
            Bucket,
            CORSConfiguration: {
              CORSRules: v.map((r) => ({
                AllowedOrigins: r.AllowedOrigins,
                AllowedMethods: r.AllowedMethods,
                ...(r.AllowedHeaders.length ? { AllowedHeaders: r.AllowedHeaders } : {}),
                ...(r.ExposeHeaders.length ? { ExposeHeaders: r.ExposeHeaders } : {}),
                ...(r.MaxAgeSeconds !== undefined ? { MaxAgeSeconds: r.MaxAgeSeconds } : {}),
              })),
            },
          }),
        ),
  policy: (s3, m, Bucket, v: PolicyDoc | null) =>
    v === null ? s3.send(new m.DeleteBucketPolicyCommand({ Bucket })) : s3.send(new m.PutBucketPolicyCommand({ Bucket, Policy: JSON.stringify(v) })),
};

async function createBucket(ctx: Ctx, s3: S3Client, m: S3, Bucket: string): Promise<boolean> {
  try {
    await s3.send(
      new m.CreateBucketCommand({ Bucket, ...(ctx.stage.region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: ctx.stage.region as never } }) }),
    );
  } catch (err) {
    if (isAwsError(err, 'BucketAlreadyOwnedByYou')) return false; // resumed apply
    throw err;
  }
  await m.waitUntilBucketExists({ client: s3, maxWaitTime: 60 }, { Bucket });
  return true;
}

async function putRolePolicy(ctx: Ctx, role: string, doc: PolicyDoc | null): Promise<void> {
  const iamm = await import('@aws-sdk/client-iam');
  const iam = await ctx.aws.iam();
  if (doc) {
    await iam.send(new iamm.PutRolePolicyCommand({ RoleName: role, PolicyName: GRANTS_POLICY, PolicyDocument: JSON.stringify(doc) }));
    return;
  }
  try {
    await iam.send(new iamm.DeleteRolePolicyCommand({ RoleName: role, PolicyName: GRANTS_POLICY }));
  } catch (err) {
    if (!isAwsError(err, 'NoSuchEntity', 'NoSuchEntityException')) throw err;
  }
}

/** Writes the changes (from diffBuckets or a restore comparison): buckets first, each aspect in order, then role policies. */
export async function applyBucketChanges(ctx: Ctx, changes: Change[]): Promise<{ created: string[] }> {
  const m = await import('@aws-sdk/client-s3');
  const s3 = await ctx.aws.s3();
  const byBucket = new Map<string, Change[]>();
  const roleChanges: Change[] = [];
  for (const c of changes) {
    const id = parseChangeId(c.id);
    if (id.kind === 'role') roleChanges.push(c);
    else byBucket.set(id.bucket, [...(byBucket.get(id.bucket) ?? []), c]);
  }
  const created: string[] = [];
  await mapLimit([...byBucket], ctx.concurrency, async ([bucket, list]) => {
    if (list.some((c) => c.action === 'create' && !(parseChangeId(c.id) as { aspect?: Aspect }).aspect)) {
      ctx.progress(`buckets: creating ${bucket}`);
      if (await createBucket(ctx, s3, m, bucket)) created.push(bucket);
    }
    for (const aspect of ASPECTS) {
      const c = list.find((x) => (parseChangeId(x.id) as { aspect?: Aspect }).aspect === aspect);
      if (!c) continue;
      ctx.progress(`buckets: ${bucket} ${aspect}`);
      await WRITERS[aspect](s3, m, bucket, c.after);
    }
  });
  await mapLimit(roleChanges, ctx.concurrency, async (c) => {
    const { role } = parseChangeId(c.id) as { role: string };
    ctx.progress(`buckets: grants policy of role ${role}`);
    await putRolePolicy(ctx, role, c.after as PolicyDoc | null);
  });
  return { created };
}

/** Deletes a bucket when it holds no object versions; true when deleted, false when kept because it holds data. */
async function deleteIfEmpty(ctx: Ctx, Bucket: string): Promise<boolean> {
  const m = await import('@aws-sdk/client-s3');
  const s3 = await ctx.aws.s3();
  const markers: Array<{ Key: string; VersionId?: string }> = [];
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  do {
    const page = await s3.send(new m.ListObjectVersionsCommand({ Bucket, KeyMarker, VersionIdMarker }));
    if ((page.Versions ?? []).length > 0) return false;
    for (const d of page.DeleteMarkers ?? []) markers.push({ Key: d.Key!, VersionId: d.VersionId });
    [KeyMarker, VersionIdMarker] = page.IsTruncated ? [page.NextKeyMarker, page.NextVersionIdMarker] : [undefined, undefined];
  } while (KeyMarker);
  // Only delete markers left (every object was deleted): they hold no data, but block DeleteBucket.
  for (let i = 0; i < markers.length; i += 1000) await s3.send(new m.DeleteObjectsCommand({ Bucket, Delete: { Objects: markers.slice(i, i + 1000), Quiet: true } }));
  await s3.send(new m.DeleteBucketCommand({ Bucket }));
  return true;
}

/** Puts the recorded before-state back: configuration and policies; buckets the release created go only when empty. */
export async function restoreBuckets(ctx: Ctx, before: BucketsLive): Promise<RestoreResult> {
  const current = await readBucketsLive(
    ctx,
    Object.keys(before.buckets).map((name) => ({ name })),
    Object.keys(before.roles),
  );
  const restored: string[] = [];
  const kept: string[] = [];
  const changes: Change[] = [];
  for (const [name, b] of Object.entries(before.buckets)) {
    const c = current.buckets[name]!;
    if (!b.exists) {
      if (!c.exists) continue;
      if (await deleteIfEmpty(ctx, name)) restored.push(`bucket ${name} deleted (created by the release, empty)`);
      else kept.push(`bucket ${name} (created by the release; it holds objects)`);
      continue;
    }
    const list = compareBucket(b, c);
    changes.push(...list);
    for (const ch of list) {
      const aspect = (parseChangeId(ch.id) as { aspect?: Aspect }).aspect;
      const note = aspect === 'versioning' && b.versioning === null ? ' (suspended: S3 cannot turn versioning off)' : '';
      restored.push(`bucket ${name}${aspect ? ` ${aspect}` : ''} ${ch.action === 'delete' ? 'removed' : 'put back'}${note}`);
    }
  }
  for (const [role, r] of Object.entries(before.roles)) {
    const c = current.roles[role]!;
    if (!c.roleExists) continue; // the role went away with its function; nothing to put back on
    const list = compareRole(role, r.policy, c);
    changes.push(...list);
    if (list.length) restored.push(`role ${role} ${GRANTS_POLICY} policy ${r.policy ? 'put back' : 'removed'}`);
  }
  await applyBucketChanges(ctx, changes);
  return { restored, ...(kept.length ? { kept } : {}) };
}
