import { BatchGetBuildsCommand, CodeBuildClient, CreateProjectCommand } from '@aws-sdk/client-codebuild';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetFunctionConfigurationCommand, GetLayerVersionCommand } from '@aws-sdk/client-lambda';
import { unzipSync } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { layerBuildspec } from '../../src/layers/codebuild.js';
import { ACCOUNT } from '../helpers/project.js';
import { recordingIo } from '../helpers/io.js';
import { startCodeBuildProxy, type BuildContainer } from './codebuild-proxy.js';
import { lambdaClient, layerProject, publishedVersions } from './helpers.js';

const sandbox = () => process.env.TURNCTL_SANDBOX_ENDPOINT!;
const creds = { accessKeyId: 'test', secretAccessKey: 'test' };
let closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers) await c();
  closers = [];
});

/** GIVEN: a project with an AWS-like stage `aws` (not the sandbox: layers build in CodeBuild) reached through the build-container proxy. */
async function codebuildProject(container: BuildContainer, opts: { createProject?: boolean } = {}) {
  const proxy = await startCodeBuildProxy(sandbox(), container);
  closers.push(proxy.close);
  const p = layerProject({ config: (c) => (c.stages.aws = { account: ACCOUNT, endpoint: proxy.url }) });
  const project = `${p.name}-aws-layers`;
  if (opts.createProject !== false) {
    const cb = new CodeBuildClient({ endpoint: sandbox(), region: 'eu-central-1', credentials: creds });
    await cb.send(
      new CreateProjectCommand({
        name: project,
        source: { type: 'S3', location: `${p.name}-aws-turnctl/placeholder.zip` },
        artifacts: { type: 'NO_ARTIFACTS' },
        environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' },
        serviceRole: `arn:aws:iam::${ACCOUNT}:role/${p.name}-layers-build`,
      }),
    );
  }
  const run = async (argv: string[]) => {
    const io = recordingIo();
    const code = await main(argv, { io, cwd: p.dir });
    return { code, io, json: () => JSON.parse(io.stdout.join('\n')) };
  };
  return { p, proxy, project, run };
}

describe('layers on a CodeBuild stage (sandbox + build-container proxy)', () => {
  it('builds in CodeBuild, follows status and log, publishes from the S3 artifact, and lists the build history', async () => {
    // GIVEN the stage's CodeBuild project and a build that takes one poll and logs two lines
    const { p, proxy, project, run } = await codebuildProject({ outcome: 'succeed', inProgressPolls: 1, logLines: ['[Container] Running command npm ci --omit=dev', 'added 1 package in 1s'] });

    // WHEN publishing
    const r = await run(['layers', 'publish', '--stage', 'aws', '--output', 'json']);

    // THEN exactly one build ran, with turnctl's buildspec and source overrides (read back through a second client)
    expect(r.code, r.io.text()).toBe(0);
    expect(proxy.startedBuilds).toHaveLength(1);
    const cb = new CodeBuildClient({ endpoint: sandbox(), region: 'eu-central-1', credentials: creds });
    const [build] = (await cb.send(new BatchGetBuildsCommand({ ids: proxy.startedBuilds }))).builds!;
    expect(build!.projectName).toBe(project);
    expect(build!.source).toMatchObject({ type: 'S3', buildspec: layerBuildspec('nodejs22.x') });
    expect(build!.source!.location).toMatch(new RegExp(`^${p.name}-aws-turnctl/layers/common/[0-9a-f]{64}/source\\.zip$`));
    // the source zip holds the layer's package.json and lock
    const s3 = new S3Client({ endpoint: sandbox(), region: 'eu-central-1', credentials: creds, forcePathStyle: true });
    const [bucket, ...key] = build!.source!.location!.split('/');
    const src = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key.join('/'), VersionId: build!.sourceVersion }));
    expect(Object.keys(unzipSync(await src.Body!.transformToByteArray())).sort()).toEqual(['package-lock.json', 'package.json']);
    // the log was followed as progress
    expect(r.io.stderr.join('\n')).toMatch(/CodeBuild .*added 1 package in 1s/);

    // THEN the layer version was published from the artifact the build uploaded
    const versions = await publishedVersions(`${p.name}-aws-common`);
    expect(versions).toHaveLength(1);
    expect(r.json().layers).toEqual([expect.objectContaining({ layer: 'common', published: true, version: versions[0]!.version })]);
    const lv = await lambdaClient().send(new GetLayerVersionCommand({ LayerName: `${p.name}-aws-common`, VersionNumber: versions[0]!.version }));
    expect(lv.Content?.CodeSize).toBeGreaterThan(0);

    // WHEN publishing again: nothing is built or published
    const again = await run(['layers', 'publish', '--stage', 'aws', '--output', 'json']);
    expect(again.json().layers).toEqual([expect.objectContaining({ published: false })]);
    expect(proxy.startedBuilds).toHaveLength(1);

    // WHEN listing the build history
    const h = await run(['layers', 'builds', 'common', '--stage', 'aws', '--output', 'json']);
    // THEN it shows the build with its status, times, source version and lock hash
    expect(h.code, h.io.text()).toBe(0);
    expect(h.json().builds).toEqual([
      expect.objectContaining({ id: proxy.startedBuilds[0], status: 'SUCCEEDED', sourceVersion: build!.sourceVersion, runtime: 'nodejs22.x', hash: expect.stringMatching(/^[0-9a-f]{64}$/), startTime: expect.any(String), endTime: expect.any(String) }),
    ]);
    const text = await run(['layers', 'builds', 'common', '--stage', 'aws']);
    expect(text.io.stdout.join('\n')).toMatch(/^SUCCEEDED\s+\S+ → \S+\s+nodejs22\.x lock [0-9a-f]{12}/m);
  });

  it('a failed build fails with the tail of its log and publishes nothing', async () => {
    // GIVEN a build whose npm ci fails
    const { p, run } = await codebuildProject({
      outcome: 'fail',
      inProgressPolls: 0,
      logLines: ['[Container] Running command npm ci --omit=dev', 'npm ERR! code E404', 'npm ERR! 404 Not Found - GET https://registry.npmjs.org/left-padd'],
    });
    // WHEN publishing
    const r = await run(['layers', 'publish', '--stage', 'aws']);
    // THEN exit 1 with the failed phase and the last log lines, and no layer version
    expect(r.code).toBe(1);
    const err = r.io.stderr.join('\n');
    expect(err).toMatch(/CodeBuild build \S+ of layer "common" FAILED in phase BUILD/);
    expect(err).toMatch(/last log lines: .*npm ERR! code E404 \| npm ERR! 404 Not Found - GET https:\/\/registry\.npmjs\.org\/left-padd; fix/);
    expect(err.split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(1);
    expect(await publishedVersions(`${p.name}-aws-common`)).toEqual([]);
  });

  it("GIVEN a build that fails in DOWNLOAD_SOURCE (the project's role cannot read the source: no log lines) WHEN publishing THEN the error carries CodeBuild's reason and points at the project's role, not at package.json", async () => {
    // GIVEN a build refused its source, as CodeBuild reports it (phase context, no log stream lines)
    const { p, run } = await codebuildProject({
      outcome: 'fail',
      inProgressPolls: 0,
      logLines: [],
      failedPhase: 'DOWNLOAD_SOURCE',
      failedContext: { statusCode: 'CLIENT_ERROR', message: 'AccessDenied: Access Denied for object: layers/common/source.zip' },
    });
    // WHEN publishing
    const r = await run(['layers', 'publish', '--stage', 'aws']);
    // THEN exit 1, one error line naming the phase, CodeBuild's reason and the role's S3 access
    expect(r.code).toBe(1);
    const lines = r.io.stderr.join('\n').split('\n').filter((l) => l.startsWith('error:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/FAILED in phase DOWNLOAD_SOURCE \(CLIENT_ERROR: AccessDenied: Access Denied for object: layers\/common\/source\.zip\); last log lines: \(no log lines\); check the CodeBuild project \(its image, and its service role's s3:GetObject\/s3:GetObjectVersion on \S+-aws-turnctl/);
    expect(lines[0]).not.toContain('package.json');
    expect(await publishedVersions(`${p.name}-aws-common`)).toEqual([]);
  });

  it('GIVEN GetLogEvents answering empty pages with new tokens before the events (as AWS may) WHEN a build fails THEN the log tail still has its lines', async () => {
    // GIVEN a failed build whose log stream answers two empty pages first
    const { run } = await codebuildProject({ outcome: 'fail', inProgressPolls: 0, emptyLogPages: 2, logLines: ['npm ERR! code ETARGET', 'npm ERR! notarget No matching version found for left-pad@9.9.9'] });
    // WHEN publishing
    const r = await run(['layers', 'publish', '--stage', 'aws']);
    // THEN the error carries the log lines behind the empty pages (the follower stops only on a repeated token)
    expect(r.code).toBe(1);
    expect(r.io.stderr.join('\n')).toMatch(/last log lines: npm ERR! code ETARGET \| npm ERR! notarget No matching version found for left-pad@9\.9\.9; fix/);
  });

  it("GIVEN a project whose CloudWatch Logs are disabled WHEN its build fails THEN the error says so and links the S3 log instead of '(no log lines)'", async () => {
    const { run } = await codebuildProject({ outcome: 'fail', inProgressPolls: 0, logLines: [], cloudWatchLogsDisabled: true });
    const r = await run(['layers', 'publish', '--stage', 'aws']);
    expect(r.code).toBe(1);
    expect(r.io.stderr.join('\n')).toMatch(/FAILED in phase BUILD; last log lines: none, the project's CloudWatch Logs are disabled \(its S3 log: https:\/\/s3\.console\.aws\.amazon\.com\/s3\/object\/build-logs\/layers\/\S+\.gz\); fix layers\/common\/package\.json/);
  });

  it('GIVEN a failed build WHEN publishing again at once (the project fixed, the lock file unchanged) THEN a new build starts and the layer is published', async () => {
    // GIVEN a build that fails (e.g. the project's image lacks npm), behind a proxy that applies StartBuild's
    // idempotencyToken as CodeBuild does for 5 minutes (moto ignores it)
    const container: BuildContainer = { outcome: 'fail', inProgressPolls: 0, logLines: ['npm: command not found'] };
    const { p, proxy, run } = await codebuildProject(container);
    expect((await run(['layers', 'publish', '--stage', 'aws'])).code).toBe(1);

    // WHEN the project is fixed and the same lock file is published again within that window
    container.outcome = 'succeed';
    const again = await run(['layers', 'publish', '--stage', 'aws', '--output', 'json']);

    // THEN a second build ran (the first token's parameters, with the old source version, answered no "mismatch" and
    // the old FAILED build was not followed again) and its artifact was published
    expect(again.code, again.io.text()).toBe(0);
    expect(proxy.startedBuilds).toHaveLength(2);
    expect(new Set(proxy.startedBuilds).size).toBe(2);
    expect(again.json().layers).toEqual([expect.objectContaining({ layer: 'common', published: true })]);
    expect(await publishedVersions(`${p.name}-aws-common`)).toHaveLength(1);
  });

  it('a release whose layer build fails stops at the layers step with the log tail and publishes nothing', async () => {
    // GIVEN a release on the CodeBuild stage and a build whose npm ci fails
    const { p, run } = await codebuildProject({ outcome: 'fail', inProgressPolls: 0, logLines: ['npm ERR! code ERESOLVE', 'npm ERR! could not resolve dependency tree'] });
    // WHEN applying the release
    const r = await run(['release', 'apply', `${p.dir}/releases/1.0.0.yaml`, '--stage', 'aws', '--yes']);
    // THEN it fails in the layers step with the build's last log lines on the one error line; no layer version, no function
    expect(r.code).not.toBe(0);
    expect(r.io.stderr.join('\n')).toMatch(/layers.*FAILED in phase BUILD; last log lines: npm ERR! code ERESOLVE \| npm ERR! could not resolve dependency tree; fix layers\/common\/package\.json/);
    expect(await publishedVersions(`${p.name}-aws-common`)).toEqual([]);
    await expect(lambdaClient().send(new GetFunctionConfigurationCommand({ FunctionName: `${p.name}-aws-hello` }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('a missing CodeBuild project names the project and the fix', async () => {
    const { run } = await codebuildProject({ outcome: 'succeed', inProgressPolls: 0, logLines: [] }, { createProject: false });
    const r = await run(['layers', 'build', '--stage', 'aws']);
    expect(r.code).toBe(1);
    expect(r.io.stderr.join('\n')).toMatch(/CodeBuild project "t[0-9a-f]+-aws-layers" not found in eu-central-1; create it \(see docs\/layers\.md\) or set layers\.common\.build\.codebuild\.project/);
  });

  it('GIVEN a layer to build and no CodeBuild project WHEN the release is planned or applied THEN it is refused naming the project, before any write (StartBuild failed the layers step mid-apply)', async () => {
    const { p, run } = await codebuildProject({ outcome: 'succeed', inProgressPolls: 0, logLines: [] }, { createProject: false });
    const planned = await run(['release', 'plan', `${p.dir}/releases/1.0.0.yaml`, '--stage', 'aws']);
    expect(planned.code).toBe(1);
    expect(planned.io.stderr.join('\n')).toMatch(/CodeBuild project "t[0-9a-f]+-aws-layers" not found in eu-central-1; create it \(see docs\/layers\.md\) or set layers\.common\.build\.codebuild\.project, then plan again/);
    const applied = await run(['release', 'apply', `${p.dir}/releases/1.0.0.yaml`, '--stage', 'aws', '--yes']);
    expect(applied.code).toBe(1);
    expect(applied.io.stderr.join('\n')).not.toMatch(/rolled back/);
    await expect(lambdaClient().send(new GetFunctionConfigurationCommand({ FunctionName: `${p.name}-aws-hello` }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
