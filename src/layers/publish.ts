import { readFileSync } from 'node:fs';
import type { Ctx } from '../context.js';
import { ensureStateBucket } from '../state/bucket.js';
import { buildLocal } from './build-local.js';
import { buildInCodeBuild } from './codebuild.js';
import { hashDescription, layerVersions, type LayerVersion } from './resolve.js';
import { shortHash, type LayerTarget } from './targets.js';

/** Zips up to this size go to PublishLayerVersion directly; larger ones through the state bucket (AWS limit 50 MB). */
const DIRECT_UPLOAD_LIMIT = 45 * 1024 * 1024;

/** A built layer zip: a local file, or an object in S3 (CodeBuild's artifact). */
export type LayerArtifact = { kind: 'file'; path: string; size: number; cached: boolean } | { kind: 's3'; bucket: string; key: string; cached: boolean; buildId?: string };

/** What happened to one target. */
export interface PublishOutcome {
  layer: string;
  runtime: string;
  hash: string;
  arn: string;
  version: number;
  /** False when a version with this content hash already existed (nothing published). */
  published: boolean;
}

/** Builds a target where its stage builds (locally or in CodeBuild); no publish. */
export async function buildTarget(ctx: Ctx, t: LayerTarget): Promise<LayerArtifact> {
  if (t.via === 'codebuild') return { kind: 's3', ...(await buildInCodeBuild(ctx, t)) };
  const a = await buildLocal(ctx, t);
  return { kind: 'file', path: a.path, size: a.size, cached: a.cached };
}

/** Publishes a built artifact as a new version carrying the content hash in its Description. */
export async function publishArtifact(ctx: Ctx, t: LayerTarget, art: LayerArtifact): Promise<LayerVersion> {
  const l = await import('@aws-sdk/client-lambda');
  const lambda = await ctx.aws.lambda();
  let content: { ZipFile: Uint8Array } | { S3Bucket: string; S3Key: string };
  if (art.kind === 's3') content = { S3Bucket: art.bucket, S3Key: art.key };
  else if (art.size <= DIRECT_UPLOAD_LIMIT) content = { ZipFile: readFileSync(art.path) };
  else {
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    await ensureStateBucket(ctx);
    const key = `layers/${t.layer}/${t.hash}/layer.zip`;
    await (await ctx.aws.s3()).send(new PutObjectCommand({ Bucket: ctx.names.stateBucket, Key: key, Body: readFileSync(art.path) }));
    content = { S3Bucket: ctx.names.stateBucket, S3Key: key };
  }
  ctx.progress(`layer ${t.layer} (${t.runtime}): publishing ${shortHash(t.hash)}`);
  const res = await lambda.send(
    new l.PublishLayerVersionCommand({
      LayerName: t.deployedName,
      Description: hashDescription(t.hash, t.runtime, t.description),
      Content: content,
      CompatibleRuntimes: [t.runtime as never],
    }),
  );
  return { arn: res.LayerVersionArn!, version: Number(res.Version), hash: t.hash, runtimes: [t.runtime] };
}

/** The newest version carrying the target's content hash, if any. */
export function versionWithHash(versions: readonly LayerVersion[], hash: string): LayerVersion | undefined {
  return versions.filter((v) => v.hash === hash).at(-1);
}

/** Publishes a target unless a version with its content hash exists (idempotent: re-reads the versions first). */
export async function ensurePublished(ctx: Ctx, t: LayerTarget): Promise<PublishOutcome> {
  const existing = versionWithHash(await layerVersions(ctx, t.layer), t.hash);
  if (existing) return { layer: t.layer, runtime: t.runtime, hash: t.hash, arn: existing.arn, version: existing.version, published: false };
  const art = await buildTarget(ctx, t);
  const v = await publishArtifact(ctx, t, art);
  return { layer: t.layer, runtime: t.runtime, hash: t.hash, arn: v.arn, version: v.version, published: true };
}

/** Deletes layer versions (restore of a release, or cleanup); a version already gone counts as deleted. */
export async function deleteLayerVersions(ctx: Ctx, versions: ReadonlyArray<{ layer: string; deployedName: string; version: number }>): Promise<string[]> {
  const l = await import('@aws-sdk/client-lambda');
  const lambda = await ctx.aws.lambda();
  const lines: string[] = [];
  for (const v of versions) {
    // DeleteLayerVersion is idempotent on AWS (no error for a missing version).
    await lambda.send(new l.DeleteLayerVersionCommand({ LayerName: v.deployedName, VersionNumber: v.version }));
    lines.push(`layer ${v.layer}: deleted version ${v.version}`);
  }
  return lines;
}
