import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Build, CodeBuildClient } from '@aws-sdk/client-codebuild';
import type { Ctx } from '../context.js';
import { deterministicZip } from '../build/zip.js';
import { ensureStateBucket } from '../state/bucket.js';
import { isAwsError, TurnctlError } from '../errors.js';
import { LOCK_FILE } from './resolve.js';
import { shortHash, type LayerTarget } from './targets.js';

/*
 * Layers on AWS stages are built in the stage's CodeBuild project (a Linux container like Lambda's, so install
 * scripts and native modules build for the right platform):
 *   1. package.json + lock go to the state bucket as a deterministic source zip (layers/<layer>/<hash>/source.zip);
 *   2. StartBuild overrides source (S3, that object and its version), buildspec (npm ci --omit=dev into nodejs/),
 *      artifacts (ZIP to layers/<layer>/<hash>/layer.zip) and tags the build with TURNCTL_LAYER* variables;
 *   3. the build is followed with the SDK's waiter machinery (BatchGetBuilds), its CloudWatch log stream is read on
 *      every poll (GetLogEvents) and shown as progress; a failed build ends with the tail of its log;
 *   4. PublishLayerVersion takes the artifact from S3.
 * The project itself (role, image, log group) is infrastructure: it must exist (docs/layers.md shows one).
 *
 * moto gap: moto's CodeBuild runs nothing and answers timestamps as ISO strings, which SDK v3 (JSON protocol, epoch
 * seconds) cannot deserialize. sandbox/patches/codebuild_builds.py makes moto answer AWS-shaped builds (epoch
 * timestamps, the overrides reflected, the log group/stream AWS would use). The build container's own effects (log
 * lines, artifact upload, a failed build) are played in tests by a proxy in front of moto (tests/layers/codebuild-proxy.ts).
 */

/** Where the artifact of a CodeBuild layer build lives. */
export interface S3LayerArtifact {
  bucket: string;
  key: string;
  /** True when the artifact of this content hash was already in S3 (no build started). */
  cached: boolean;
  buildId?: string;
}

/** State-bucket keys of one target. */
export function layerKeys(t: LayerTarget): { prefix: string; source: string; artifact: string } {
  const prefix = `layers/${t.layer}/${t.hash}`;
  return { prefix, source: `${prefix}/source.zip`, artifact: `${prefix}/layer.zip` };
}

/** The buildspec run for a layer: npm ci into nodejs/, zipped by CodeBuild as the artifact. */
export function layerBuildspec(runtime: string): string {
  const major = /^nodejs(\d+)\.x$/.exec(runtime)?.[1] ?? '22';
  return [
    'version: 0.2',
    'phases:',
    '  install:',
    '    runtime-versions:',
    `      nodejs: ${major}`,
    '  build:',
    '    commands:',
    '      - mkdir -p out/nodejs && cp package.json package-lock.json out/nodejs/',
    '      - cd out/nodejs && npm ci --omit=dev --no-audit --no-fund',
    '      - echo "turnctl layer $TURNCTL_LAYER $TURNCTL_LAYER_HASH built"',
    'artifacts:',
    '  base-directory: out',
    '  files:',
    "    - 'nodejs/**/*'",
    '',
  ].join('\n');
}

const FAILED = new Set(['FAILED', 'FAULT', 'STOPPED', 'TIMED_OUT']);

/** The last lines of a build log on one line (errors are one line; the engine journals only the first). */
export function logTail(lines: readonly string[], count = 6): string {
  const tail = lines.filter((l) => !/^\[Container\] \S+ (?:Phase complete|Entering phase|Phase context status)/.test(l)).slice(-count);
  return tail.length ? tail.map((l) => (l.length > 200 ? `${l.slice(0, 200)}…` : l.trim())).join(' | ') : '(no log lines)';
}

async function headObject(ctx: Ctx, key: string): Promise<boolean> {
  const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
  const s3 = await ctx.aws.s3();
  try {
    await s3.send(new HeadObjectCommand({ Bucket: ctx.names.stateBucket, Key: key }));
    return true;
  } catch (err) {
    if (isAwsError(err, 'NotFound', 'NoSuchKey', '404')) return false;
    throw err;
  }
}

/** Follows one build's CloudWatch log stream: each call returns the lines that arrived since the last. */
function logFollower(ctx: Ctx) {
  let token: string | undefined;
  const lines: string[] = [];
  return {
    lines,
    async poll(build: Build): Promise<string[]> {
      const group = build.logs?.groupName;
      const stream = build.logs?.streamName;
      if (!group || !stream) return [];
      const { GetLogEventsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
      const logs = await ctx.aws.logs();
      const fresh: string[] = [];
      for (;;) {
        let page;
        try {
          page = await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true, nextToken: token }));
        } catch (err) {
          // The stream appears once the build container starts; until then there is nothing to show.
          if (isAwsError(err, 'ResourceNotFoundException')) return fresh;
          throw err;
        }
        for (const e of page.events ?? []) for (const l of (e.message ?? '').split('\n')) if (l.trim()) fresh.push(l.trimEnd());
        // GetLogEvents returns the token it was given when there is nothing newer, and "can return empty results while
        // there are more log events available through the token": only a repeated (or missing) token ends the read.
        const same = !page.nextForwardToken || page.nextForwardToken === token;
        token = page.nextForwardToken ?? token;
        if (same) break;
      }
      lines.push(...fresh);
      return fresh;
    },
  };
}

async function startBuild(ctx: Ctx, cb: CodeBuildClient, t: LayerTarget, source: { key: string; versionId?: string }): Promise<Build> {
  const c = await import('@aws-sdk/client-codebuild');
  const keys = layerKeys(t);
  const bucket = ctx.names.stateBucket;
  try {
    const res = await cb.send(
      new c.StartBuildCommand({
        projectName: t.codebuildProject,
        sourceTypeOverride: 'S3',
        sourceLocationOverride: `${bucket}/${source.key}`,
        ...(source.versionId ? { sourceVersion: source.versionId } : {}),
        buildspecOverride: layerBuildspec(t.runtime),
        artifactsOverride: { type: 'S3', location: bucket, path: keys.prefix, name: 'layer.zip', packaging: 'ZIP', namespaceType: 'NONE' },
        environmentVariablesOverride: [
          { name: 'TURNCTL_LAYER', value: t.layer, type: 'PLAINTEXT' },
          { name: 'TURNCTL_LAYER_HASH', value: t.hash, type: 'PLAINTEXT' },
          { name: 'TURNCTL_RUNTIME', value: t.runtime, type: 'PLAINTEXT' },
        ],
        timeoutInMinutesOverride: t.timeoutMinutes,
        // One token per attempt: the SDK's retries of this call start no second build. CodeBuild holds a token for 5
        // minutes, answering its first build to a repeat and refusing one with other parameters ("parameter
        // mismatch"), so a token derived from the lock hash made a run right after a failed build (the project
        // fixed, the lock unchanged; the source has a new S3 version) fail, or follow the old failed build again.
        idempotencyToken: `turnctl-${t.hash.slice(0, 16)}-${randomUUID()}`,
      }),
    );
    return res.build!;
  } catch (err) {
    if (isAwsError(err, 'ResourceNotFoundException', 'InvalidInputException') && /project/i.test(String((err as Error).message)))
      throw new TurnctlError(`CodeBuild project "${t.codebuildProject}" not found in ${ctx.stage.region}; create it (see docs/layers.md) or set layers.${t.layer}.build.codebuild.project`);
    throw err;
  }
}

/** Follows a build to its end with the SDK's waiter machinery; progress shows the newest log line. */
async function followBuild(ctx: Ctx, cb: CodeBuildClient, t: LayerTarget, buildId: string): Promise<{ build: Build; log: string[] }> {
  const { BatchGetBuildsCommand } = await import('@aws-sdk/client-codebuild');
  const { createWaiter, WaiterState } = await import('@smithy/core/client');
  const follower = logFollower(ctx);
  let last: Build | undefined;
  const result = await createWaiter(
    { client: cb, maxWaitTime: (t.timeoutMinutes + 10) * 60, minDelay: 2, maxDelay: 15 },
    { ids: [buildId] },
    async (client, input) => {
      const res = await client.send(new BatchGetBuildsCommand(input));
      const build = res.builds?.[0];
      if (!build) return { state: WaiterState.FAILURE, reason: `build ${buildId} not found` };
      last = build;
      const fresh = await follower.poll(build);
      const newest = fresh.at(-1);
      ctx.progress(`layer ${t.layer} (${t.runtime}): CodeBuild ${build.currentPhase ?? build.buildStatus}${newest ? ` · ${newest.slice(0, 100)}` : ''}`);
      if (build.buildStatus === 'SUCCEEDED') return { state: WaiterState.SUCCESS, reason: build };
      if (FAILED.has(build.buildStatus ?? '')) return { state: WaiterState.FAILURE, reason: build };
      return { state: WaiterState.RETRY, reason: build };
    },
  );
  if (result.state === WaiterState.TIMEOUT || result.state === WaiterState.ABORTED)
    throw new TurnctlError(`CodeBuild build ${buildId} of layer "${t.layer}" did not finish within ${t.timeoutMinutes + 10} minutes; see it with \`turnctl layers builds ${t.layer} --stage ${ctx.stage.name}\``);
  if (!last) throw new TurnctlError(`CodeBuild build ${buildId} of layer "${t.layer}" not found`);
  // Lines written between the last poll and the end of the build.
  await follower.poll(last);
  return { build: last, log: follower.lines };
}

/** Phases before the buildspec's commands run: a failure there is the project's (role, image, source access), not the lock file's. */
const SETUP_PHASES = new Set(['SUBMITTED', 'QUEUED', 'PROVISIONING', 'DOWNLOAD_SOURCE']);

/**
 * The one-line error of a build that did not succeed: the failed phase with CodeBuild's reason for it (phase
 * contexts, e.g. "CLIENT_ERROR: AccessDenied …" when the project's role cannot read the source: such a build writes
 * no log lines), the log tail, and the fix that fits the phase.
 */
export function buildFailure(build: Build, t: Pick<LayerTarget, 'layer'>, log: readonly string[], bucket: string): TurnctlError {
  const failed = build.phases?.find((p) => p.phaseStatus && p.phaseStatus !== 'SUCCEEDED');
  const phase = failed?.phaseType ?? build.currentPhase;
  const reason = (failed?.contexts ?? [])
    .map((c) => [c.statusCode, c.message].filter(Boolean).join(': ').replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .join('; ');
  const fix =
    build.buildStatus === 'TIMED_OUT'
      ? `raise layers.${t.layer}.build.codebuild.timeoutMinutes or look at the log`
      : phase && SETUP_PHASES.has(phase)
        ? `check the CodeBuild project (its image, and its service role's s3:GetObject/s3:GetObjectVersion on ${bucket} and CloudWatch Logs access)`
        : phase === 'UPLOAD_ARTIFACTS'
          ? `check the CodeBuild project's service role (s3:PutObject on ${bucket})`
          : `fix layers/${t.layer}/package.json (or the project's image)`;
  // A project with CloudWatch Logs disabled has no stream to follow: say so rather than "(no log lines)".
  const noStream = !build.logs?.groupName && build.logs?.cloudWatchLogs?.status === 'DISABLED';
  const tail = noStream && log.length === 0 ? `none, the project's CloudWatch Logs are disabled${build.logs?.s3DeepLink ? ` (its S3 log: ${build.logs.s3DeepLink})` : ''}` : logTail(log);
  return new TurnctlError(
    `CodeBuild build ${build.id} of layer "${t.layer}" ${build.buildStatus}${phase ? ` in phase ${phase}` : ''}${reason ? ` (${reason.length > 300 ? `${reason.slice(0, 300)}…` : reason})` : ''}; last log lines: ${tail}; ${fix} and run again`,
  );
}

/** Builds a layer in the stage's CodeBuild project; returns the artifact's S3 location (cached by content hash). */
export async function buildInCodeBuild(ctx: Ctx, t: LayerTarget): Promise<S3LayerArtifact> {
  const keys = layerKeys(t);
  const bucket = ctx.names.stateBucket;
  await ensureStateBucket(ctx);
  if (await headObject(ctx, keys.artifact)) return { bucket, key: keys.artifact, cached: true };

  const { PutObjectCommand } = await import('@aws-sdk/client-s3');
  const s3 = await ctx.aws.s3();
  const source = deterministicZip({ 'package.json': readFileSync(join(t.dir, 'package.json')), [LOCK_FILE]: readFileSync(join(t.dir, LOCK_FILE)) });
  const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: keys.source, Body: source, ContentType: 'application/zip' }));

  const cb = await ctx.aws.codebuild();
  ctx.progress(`layer ${t.layer} (${t.runtime}): starting CodeBuild ${t.codebuildProject} for ${shortHash(t.hash)}`);
  const started = await startBuild(ctx, cb, t, { key: keys.source, versionId: put.VersionId });
  const { build, log } = await followBuild(ctx, cb, t, started.id!);
  if (build.buildStatus !== 'SUCCEEDED') throw buildFailure(build, t, log, bucket);
  if (!(await headObject(ctx, keys.artifact)))
    throw new TurnctlError(`CodeBuild build ${build.id} of layer "${t.layer}" succeeded but s3://${bucket}/${keys.artifact} is missing; check the project's artifact settings and its role's s3:PutObject on ${bucket}`);
  return { bucket, key: keys.artifact, cached: false, buildId: build.id };
}

/** One CodeBuild build of a layer, for `turnctl layers builds`. */
export interface LayerBuild {
  id: string;
  status: string;
  phase?: string;
  startTime?: string;
  endTime?: string;
  sourceVersion?: string;
  hash?: string;
  runtime?: string;
}

/** The CodeBuild history of one layer on the stage (newest first): builds of the layer's project tagged with it. */
export async function layerBuilds(ctx: Ctx, t: Pick<LayerTarget, 'layer' | 'codebuildProject'>, limit = 20): Promise<LayerBuild[]> {
  const c = await import('@aws-sdk/client-codebuild');
  const cb = await ctx.aws.codebuild();
  const out: LayerBuild[] = [];
  let nextToken: string | undefined;
  do {
    let page;
    try {
      page = await cb.send(new c.ListBuildsForProjectCommand({ projectName: t.codebuildProject, sortOrder: 'DESCENDING', nextToken }));
    } catch (err) {
      if (isAwsError(err, 'ResourceNotFoundException'))
        throw new TurnctlError(`CodeBuild project "${t.codebuildProject}" not found in ${ctx.stage.region}; create it (see docs/layers.md) or set layers.${t.layer}.build.codebuild.project`);
      throw err;
    }
    const ids = page.ids ?? [];
    // BatchGetBuilds takes at most 100 ids.
    for (let i = 0; i < ids.length && out.length < limit; i += 100) {
      const res = await cb.send(new c.BatchGetBuildsCommand({ ids: ids.slice(i, i + 100) }));
      const byId = new Map((res.builds ?? []).map((b) => [b.id, b]));
      for (const id of ids.slice(i, i + 100)) {
        const b = byId.get(id);
        const env = new Map((b?.environment?.environmentVariables ?? []).map((v) => [v.name, v.value]));
        if (!b || env.get('TURNCTL_LAYER') !== t.layer) continue;
        out.push({
          id: b.id!,
          status: b.buildStatus ?? 'UNKNOWN',
          phase: b.currentPhase,
          startTime: b.startTime?.toISOString(),
          endTime: b.endTime?.toISOString(),
          sourceVersion: b.resolvedSourceVersion ?? b.sourceVersion,
          hash: env.get('TURNCTL_LAYER_HASH'),
          runtime: env.get('TURNCTL_RUNTIME'),
        });
        if (out.length >= limit) break;
      }
    }
    nextToken = page.nextToken;
  } while (nextToken && out.length < limit);
  return out;
}

/**
 * Refuses, when planning, layer builds whose CodeBuild project does not exist: StartBuild would fail the layers step
 * mid-apply. Read-only (BatchGetProjects); a project missing from the answer counts as not found.
 */
export async function assertCodebuildProjects(ctx: Ctx, targets: readonly Pick<LayerTarget, 'layer' | 'codebuildProject'>[]): Promise<void> {
  const names = [...new Set(targets.map((t) => t.codebuildProject))];
  if (names.length === 0) return;
  const c = await import('@aws-sdk/client-codebuild');
  const cb = await ctx.aws.codebuild();
  const found = new Set<string>();
  for (let i = 0; i < names.length; i += 100) {
    const res = await cb.send(new c.BatchGetProjectsCommand({ names: names.slice(i, i + 100) }));
    for (const p of res.projects ?? []) if (p.name) found.add(p.name);
  }
  const missing = targets.find((t) => !found.has(t.codebuildProject));
  if (missing)
    throw new TurnctlError(`CodeBuild project "${missing.codebuildProject}" not found in ${ctx.stage.region}; create it (see docs/layers.md) or set layers.${missing.layer}.build.codebuild.project, then plan again`);
}
