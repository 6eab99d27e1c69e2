import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { step } from '../../src/release/steps/layers.js';
import { layerContentHash } from '../../src/layers/resolve.js';
import type { LayersResult } from '../../src/release/steps/layers.js';
import { emptyLock, layerProject, publishedVersions } from './helpers.js';

const release = { loaded: {} as never };

/** desired → read → diff, as the engine runs them. */
async function plan(p: ReturnType<typeof layerProject>) {
  const ctx = p.ctx('local');
  const desired = await step.desired(ctx, release);
  const live = await step.read(ctx, desired);
  return { ctx, desired, live, changes: step.diff(desired, live) };
}

describe('layers step (sandbox, local build)', () => {
  it('creates from nothing, is a no-op on re-plan, publishes exactly one version on a lock change, and restore deletes it', async () => {
    // GIVEN a project whose layer `common` was never published
    const p = layerProject();
    const deployed = `${p.name}-local-common`;
    expect(await publishedVersions(deployed)).toEqual([]);

    // WHEN planning
    const first = await plan(p);
    // THEN one create for layer:common, for the runtime of the function that names it
    expect(first.changes).toHaveLength(1);
    expect(first.changes[0]).toMatchObject({ id: 'layer:common', action: 'create', before: null, after: { runtime: 'nodejs22.x' } });
    const hash1 = layerContentHash(p.dir, 'common', 'nodejs22.x');
    expect((first.changes[0]!.after as { hash: string }).hash).toBe(hash1);

    // WHEN applying
    const result1 = (await step.apply(first.ctx, first.desired, first.changes)) as LayersResult;
    // THEN one version exists, read back through a second client, carrying the hash and the runtime
    let versions = await publishedVersions(deployed);
    expect(versions).toHaveLength(1);
    expect(versions[0]!.description).toContain(`turnctl sha256=${hash1}`);
    expect(versions[0]!.description).toMatch(/^test layer \| /);
    expect(versions[0]!.runtimes).toEqual(['nodejs22.x']);
    expect(result1.published).toEqual([expect.objectContaining({ layer: 'common', version: versions[0]!.version, arn: versions[0]!.arn, published: true })]);

    // THEN re-plan shows no changes, and applying the empty plan publishes nothing
    const again = await plan(p);
    expect(again.changes).toEqual([]);
    await step.apply(again.ctx, again.desired, again.changes);
    expect(await publishedVersions(deployed)).toHaveLength(1);

    // WHEN the lock file changes
    p.write('layers/common/package-lock.json', emptyLock('1.0.1'));
    const second = await plan(p);
    const hash2 = layerContentHash(p.dir, 'common', 'nodejs22.x');
    expect(hash2).not.toBe(hash1);
    // THEN the plan updates layer:common from the published version to the new hash
    expect(second.changes).toEqual([
      expect.objectContaining({ id: 'layer:common', action: 'update', before: { version: versions[0]!.version, hash: hash1, runtime: 'nodejs22.x' }, after: { hash: hash2, runtime: 'nodejs22.x' } }),
    ]);
    const before = step.record!(second.live);
    const result2 = (await step.apply(second.ctx, second.desired, second.changes)) as LayersResult;
    // THEN exactly one new version was published
    versions = await publishedVersions(deployed);
    expect(versions.map((v) => v.description.match(/sha256=([0-9a-f]+)/)?.[1])).toEqual([hash1, hash2]);
    expect((await plan(p)).changes).toEqual([]);

    // WHEN restoring with the journalled before-state and result (a JSON round trip, like the journal)
    const restored = await step.restore(second.ctx, JSON.parse(JSON.stringify(before)), JSON.parse(JSON.stringify(result2)));
    // THEN the version this release published is gone and the earlier one is untouched
    expect(restored.restored).toEqual([`layer common: deleted version ${versions[1]!.version}`]);
    const after = await publishedVersions(deployed);
    expect(after.map((v) => v.version)).toEqual([versions[0]!.version]);
    // and the plan wants it again
    expect((await plan(p)).changes.map((c) => c.action)).toEqual(['update']);
  });

  it('restore without a journalled result deletes only the versions published after the recorded state', async () => {
    // GIVEN one published version, recorded as the before-state
    const p = layerProject();
    const deployed = `${p.name}-local-common`;
    const one = await plan(p);
    await step.apply(one.ctx, one.desired, one.changes);
    p.write('layers/common/package-lock.json', emptyLock('2.0.0'));
    const two = await plan(p);
    const before = JSON.parse(JSON.stringify(step.record!(two.live)));
    // WHEN the apply publishes but its result is lost (failure mid-step) and restore runs with no result
    await step.apply(two.ctx, two.desired, two.changes);
    expect(await publishedVersions(deployed)).toHaveLength(2);
    await step.restore(two.ctx, before, undefined);
    // THEN only the newer version was deleted
    const left = await publishedVersions(deployed);
    expect(left).toHaveLength(1);
    expect(left[0]!.version).toBe(before.common.maxVersion);
  });

  it('publishes one version per runtime when functions of two runtimes use the layer, and the digest is stage-independent', async () => {
    // GIVEN functions on nodejs22.x and nodejs20.x naming the layer
    const p = layerProject({ config: (c) => ((c.functions.health.layers = ['common']), (c.functions.health.runtime = 'nodejs20.x')) });
    const { ctx, desired, changes } = await plan(p);
    // THEN one change per runtime, with distinct hashes
    expect(changes.map((c) => c.id).sort()).toEqual(['layer:common:nodejs20.x', 'layer:common:nodejs22.x']);
    await step.apply(ctx, desired, changes);
    const versions = await publishedVersions(`${p.name}-local-common`);
    expect(versions.map((v) => v.runtimes[0]).sort()).toEqual(['nodejs20.x', 'nodejs22.x']);
    expect((await plan(p)).changes).toEqual([]);
    expect(step.digest!(desired)).toBe(step.digest!(await step.desired(p.ctx('staging'), release)));
    // AND WHEN the lock changes THEN each runtime's change replaces that runtime's version, not the newest of the layer
    p.write('layers/common/package-lock.json', emptyLock('1.0.1'));
    const next = (await plan(p)).changes;
    expect(next).toHaveLength(2);
    for (const c of next) {
      const runtime = c.id.split(':')[2]!;
      expect(c.before).toMatchObject({ version: versions.find((v) => v.runtimes[0] === runtime)!.version, runtime });
    }
  });

  it('GIVEN a description as long as turnctl.yaml allows WHEN published THEN the version Description holds all of it before the hash marker; one character more is exit 65 at its line (it was cut off silently)', async () => {
    // GIVEN a 155-character description
    const text = `${'x'.repeat(150)} end.`;
    const p = layerProject({ config: (c) => (c.layers.common.description = text) });
    const { ctx, desired, changes } = await plan(p);
    await step.apply(ctx, desired, changes);
    // THEN the published Description (read back) is that text, " | " and the marker, within Lambda's 256
    const [v] = await publishedVersions(`${p.name}-local-common`);
    expect(v!.description).toBe(`${text} | turnctl sha256=${layerContentHash(p.dir, 'common', 'nodejs22.x')} runtime=nodejs22.x`);
    expect(v!.description.length).toBeLessThanOrEqual(256);
    // WHEN one character longer THEN invalid input at layers.common.description
    p.config.layers.common.description = `${text}!`;
    p.writeConfig(p.config);
    const line = readFileSync(`${p.dir}/turnctl.yaml`, 'utf8').split('\n').findIndex((l) => l.includes('description:')) + 1;
    expect(() => p.ctx('local')).toThrow(expect.objectContaining({ exitCode: 65, message: expect.stringMatching(new RegExp(`turnctl\\.yaml:${line}:\\d+: "layers\\.common\\.description": at most 155 characters`)) }));
  });

  it('GIVEN a CodeBuild project name CodeBuild refuses WHEN planned THEN exit 65 at layers.<name>.build.codebuild.project (StartBuild would fail the layers step mid-apply)', async () => {
    const p = layerProject({ config: (c) => (c.layers.common.build = { codebuild: { project: '${project} layers!' } }) });
    const line = readFileSync(`${p.dir}/turnctl.yaml`, 'utf8').split('\n').findIndex((l) => l.includes('layers!')) + 1;
    await expect(step.desired(p.ctx('local'), release)).rejects.toMatchObject({
      exitCode: 65,
      message: expect.stringMatching(new RegExp(`turnctl\\.yaml:${line}:\\d+: layer "common": "${p.name} layers!" is not a CodeBuild project name`)),
    });
  });

  it('builds a deterministic zip with the dependencies under nodejs/node_modules', async () => {
    // GIVEN the shipped example layer (dayjs), copied into a project
    const p = layerProject();
    p.write('layers/common/package.json', readFileSync('layers/common/package.json', 'utf8'));
    p.write('layers/common/package-lock.json', readFileSync('layers/common/package-lock.json', 'utf8'));
    const { buildLocal } = await import('../../src/layers/build-local.js');
    const { layerTargets } = await import('../../src/layers/targets.js');
    const ctx = p.ctx('local');
    const [t] = layerTargets(ctx, ['common']);
    // WHEN building twice
    const a = await buildLocal(ctx, t!);
    const b = await buildLocal(ctx, t!);
    // THEN the zip holds nodejs/node_modules/dayjs and the second build came from the cache
    const names = Object.keys(unzipSync(readFileSync(a.path)));
    expect(names).toContain('nodejs/node_modules/dayjs/package.json');
    expect(names).toContain('nodejs/package-lock.json');
    expect(names.every((n) => n.startsWith('nodejs/'))).toBe(true);
    expect(a.cached).toBe(false);
    expect(b).toMatchObject({ cached: true, sha256: a.sha256 });
  });
});
