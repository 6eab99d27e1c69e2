import type { Ctx } from '../context.js';
import { isAwsError } from '../errors.js';
import { redact } from '../secrets/known.js';

/** True when the stage's state bucket exists (read-only). */
export async function stateBucketExists(ctx: Ctx): Promise<boolean> {
  const { HeadBucketCommand } = await import('@aws-sdk/client-s3');
  const s3 = await ctx.aws.s3();
  try {
    await s3.send(new HeadBucketCommand({ Bucket: ctx.names.stateBucket }));
    return true;
  } catch (err) {
    if (isAwsError(err, 'NotFound', 'NoSuchBucket', '404')) return false;
    throw err;
  }
}

/** Creates the stage's state bucket (journal, lock, audit) when missing: versioned, private, encrypted. */
export async function ensureStateBucket(ctx: Ctx): Promise<boolean> {
  if (await stateBucketExists(ctx)) return false;
  const s3m = await import('@aws-sdk/client-s3');
  const s3 = await ctx.aws.s3();
  const Bucket = ctx.names.stateBucket;
  try {
    await s3.send(
      new s3m.CreateBucketCommand({
        Bucket,
        ...(ctx.stage.region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: ctx.stage.region as never } }),
      }),
    );
  } catch (err) {
    if (!isAwsError(err, 'BucketAlreadyOwnedByYou')) throw err;
  }
  await s3.send(new s3m.PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } }));
  await s3.send(new s3m.PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  await s3.send(new s3m.PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } }));
  return true;
}

/** Reads a JSON object from the state bucket; undefined when missing. */
export async function readStateJson<T>(ctx: Ctx, key: string): Promise<T | undefined> {
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  const s3 = await ctx.aws.s3();
  try {
    const res = await s3.send(new GetObjectCommand({ Bucket: ctx.names.stateBucket, Key: key }));
    return JSON.parse(await res.Body!.transformToString()) as T;
  } catch (err) {
    if (isAwsError(err, 'NoSuchKey', 'NoSuchBucket', 'NotFound')) return undefined;
    throw err;
  }
}

/**
 * Writes a JSON object to the state bucket. Every string in it is redacted on the way (the one point every journal,
 * lock and audit entry passes): a secret this process resolved or read never reaches the bucket, whichever message,
 * check detail or step result carried it there.
 */
export async function writeStateJson(ctx: Ctx, key: string, value: unknown, extra: { IfNoneMatch?: string; IfMatch?: string } = {}): Promise<void> {
  const { PutObjectCommand } = await import('@aws-sdk/client-s3');
  const s3 = await ctx.aws.s3();
  const body = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? redact(v) : v), 2);
  await s3.send(new PutObjectCommand({ Bucket: ctx.names.stateBucket, Key: key, Body: `${body}\n`, ContentType: 'application/json', ...extra }));
}

/** Lists keys under a prefix of the state bucket (all pages). */
export async function listStateKeys(ctx: Ctx, prefix: string): Promise<Array<{ key: string; lastModified?: Date }>> {
  const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  const s3 = await ctx.aws.s3();
  const out: Array<{ key: string; lastModified?: Date }> = [];
  let token: string | undefined;
  try {
    do {
      const res = await s3.send(new ListObjectsV2Command({ Bucket: ctx.names.stateBucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of res.Contents ?? []) out.push({ key: o.Key!, lastModified: o.LastModified });
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
  } catch (err) {
    if (isAwsError(err, 'NoSuchBucket')) return [];
    throw err;
  }
  return out;
}
