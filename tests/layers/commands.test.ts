import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { recordingIo } from '../helpers/io.js';
import { emptyLock, lambdaClient, layerPackage, layerProject, publishedVersions } from './helpers.js';

async function run(p: { dir: string }, argv: string[]) {
  const io = recordingIo();
  const code = await main(argv, { io, cwd: p.dir });
  return { code, io, json: () => JSON.parse(io.stdout.join('\n')) };
}

/** The layer ARNs on a function's live alias, read through a second client. */
async function liveLayers(fnName: string): Promise<string[]> {
  const cfg = await lambdaClient().send(new GetFunctionConfigurationCommand({ FunctionName: fnName, Qualifier: 'live' }));
  return (cfg.Layers ?? []).map((l) => l.Arn!);
}

describe('turnctl layers (sandbox)', () => {
  it('release apply publishes and attaches; publish, attach and list follow a lock change', async () => {
    // GIVEN a project whose function hello names layer common, released once
    const p = layerProject();
    const manifest = p.writeRelease({ version: '1.0.0', notes: 'first', checks: { pre: ['credentials'], post: ['smoke'] } });
    const applied = await run(p, ['release', 'apply', manifest, '--stage', 'local', '--yes']);
    expect(applied.code, applied.io.text()).toBe(0);
    const [v1] = await publishedVersions(`${p.name}-local-common`);
    // THEN the function's live version carries the published layer version
    expect(await liveLayers(`${p.name}-local-hello`)).toEqual([v1!.arn]);
    // and a re-plan shows no changes
    const replan = await run(p, ['release', 'plan', manifest, '--stage', 'local', '--exit-code']);
    expect(replan.code, replan.io.text()).toBe(0);

    // WHEN the lock file changes and `layers list` runs
    p.write('layers/common/package-lock.json', emptyLock('1.0.1'));
    const stale = await run(p, ['layers', 'list', '--stage', 'local', '--output', 'json']);
    expect(stale.code, stale.io.text()).toBe(0);
    // THEN it says the current lock is not published and hello runs version 1
    expect(stale.json().layers).toEqual([
      expect.objectContaining({ layer: 'common', runtime: 'nodejs22.x', current: null, versions: 1, functions: [{ function: 'hello', attachedVersion: v1!.version }] }),
    ]);

    // WHEN attaching before publishing (no --yes: the missing version is the problem, not the confirmation)
    const early = await run(p, ['layers', 'attach', '--stage', 'local']);
    // THEN it fails naming the fix, and nothing changed
    expect(early.code).toBe(1);
    expect(early.io.stderr.join('\n')).toMatch(/no published version of its current lock file; run `turnctl layers publish common --stage local`/);
    expect(await liveLayers(`${p.name}-local-hello`)).toEqual([v1!.arn]);

    // WHEN publishing (twice: the second is a no-op)
    const pub = await run(p, ['layers', 'publish', '--stage', 'local', '--output', 'json']);
    expect(pub.code, pub.io.text()).toBe(0);
    const pub2 = await run(p, ['layers', 'publish', 'common', '--stage', 'local', '--output', 'json']);
    const versions = await publishedVersions(`${p.name}-local-common`);
    expect(versions).toHaveLength(2);
    expect(pub.json().layers).toEqual([expect.objectContaining({ layer: 'common', version: versions[1]!.version, published: true })]);
    expect(pub2.json().layers).toEqual([expect.objectContaining({ version: versions[1]!.version, published: false })]);

    // WHEN attaching without --yes off a TTY
    const refused = await run(p, ['layers', 'attach', '--stage', 'local']);
    expect(refused.code).toBe(64);
    // AND the confirmation names the functions that would change
    expect(refused.io.stderr.join('\n')).toMatch(/^error: Attach layers to hello on stage local \(a new version of each, live alias moved\): refusing without confirmation \(not a TTY\); pass --yes$/m);

    // WHEN attaching while a release apply holds the stage's lock
    const { acquireLock, lockBody } = await import('../../src/release/lock.js');
    await acquireLock(p.ctx('local'), { ...lockBody('20991231T000000Z-abcdef', '9.9.9'), holder: 'ci-job-42' });
    const locked = await run(p, ['layers', 'attach', '--stage', 'local', '--yes']);
    // THEN exit 4 naming the holder (the apply writes the same functions), and nothing changed
    expect(locked.code, locked.io.text()).toBe(4);
    expect(locked.io.stderr.join('\n')).toMatch(/^error: stage local is locked by ci-job-42 \(run 20991231T000000Z-abcdef, release 9\.9\.9, since .*\); wait for it/m);
    expect(await liveLayers(`${p.name}-local-hello`)).toEqual([v1!.arn]);
    expect((await run(p, ['release', 'unlock', '--stage', 'local', '--yes'])).code).toBe(0);

    // WHEN attaching with --yes
    const att = await run(p, ['layers', 'attach', 'common', '--stage', 'local', '--yes', '--output', 'json']);
    expect(att.code, att.io.text()).toBe(0);
    // THEN hello's live alias moved to a new version carrying the new layer version; health was not touched
    expect(await liveLayers(`${p.name}-local-hello`)).toEqual([versions[1]!.arn]);
    expect(att.json().functions).toEqual([expect.objectContaining({ function: 'hello', changed: true, layers: [versions[1]!.arn] })]);
    // and a second attach changes nothing: with nothing to change it asks nothing, so no --yes is needed off a TTY
    // (it was exit 64 before anything was read)
    const att2 = await run(p, ['layers', 'attach', '--stage', 'local', '--output', 'json']);
    expect(att2.code, att2.io.text()).toBe(0);
    expect(att2.json().functions).toEqual([expect.objectContaining({ function: 'hello', changed: false })]);
    const listed = await run(p, ['layers', 'list', '--stage', 'local']);
    expect(listed.io.stdout.join('\n')).toMatch(new RegExp(`published as version ${versions[1]!.version}`));
    expect(listed.io.stdout.join('\n')).toMatch(new RegExp(`hello: version ${versions[1]!.version}$`, 'm'));
    // and the release plan agrees: the attached version is what the release wants, nothing to redeploy
    const after = await run(p, ['release', 'plan', manifest, '--stage', 'local', '--exit-code']);
    expect(after.code, after.io.text()).toBe(0);
  });

  it('GIVEN a changed lock file and a release whose scope leaves out layers WHEN planned or applied THEN exit 65 at the scope naming the function and the fix, nothing written (the functions step failed mid-apply and rolled back)', async () => {
    // GIVEN a released project whose lock file then changes
    const p = layerProject();
    const first = p.writeRelease({ version: '1.0.0', notes: 'first', checks: { pre: ['credentials'], post: ['smoke'] } });
    expect((await run(p, ['release', 'apply', first, '--stage', 'local', '--yes'])).code).toBe(0);
    const [v1] = await publishedVersions(`${p.name}-local-common`);
    p.write('layers/common/package-lock.json', emptyLock('1.0.1'));
    const manifest = p.writeRelease({ version: '1.0.1', notes: 'functions only', scope: ['env', 'functions'], checks: { pre: ['credentials'], post: ['smoke'] } });
    // the scope's list starts on the line after `scope:`
    const line = (await import('node:fs')).readFileSync(manifest, 'utf8').split('\n').findIndex((l) => l.startsWith('scope:')) + 2;
    // WHEN planning and applying it
    const plan = await run(p, ['release', 'plan', manifest, '--stage', 'local']);
    const apply = await run(p, ['release', 'apply', manifest, '--stage', 'local', '--yes']);
    // THEN exit 65 at the manifest's scope, and hello still runs the published version
    for (const x of [plan, apply]) {
      expect(x.code, x.io.text()).toBe(65);
      expect(x.io.stderr.join('\n')).toMatch(
        new RegExp(`releases/1\\.0\\.1\\.yaml:${line}:\\d+: scope has functions but not layers, and function "hello" needs layer "common" as its current lock file makes it \\([0-9a-f]{12}\\), which is not published on stage local; add layers to scope, or run turnctl layers publish common --stage local first`),
      );
    }
    expect(await liveLayers(`${p.name}-local-hello`)).toEqual([v1!.arn]);
    // WHEN the layer is published THEN the same release plans and applies
    expect((await run(p, ['layers', 'publish', 'common', '--stage', 'local'])).code).toBe(0);
    const applied = await run(p, ['release', 'apply', manifest, '--stage', 'local', '--yes']);
    expect(applied.code, applied.io.text()).toBe(0);
    expect(await liveLayers(`${p.name}-local-hello`)).toEqual([(await publishedVersions(`${p.name}-local-common`))[1]!.arn]);
  });

  it('a release whose post-check fails rolls back: the new layer version is deleted and functions run the old one', async () => {
    // GIVEN release 1.0.0 applied with the layer
    const p = layerProject();
    const first = await run(p, ['release', 'apply', p.writeRelease({ version: '1.0.0', checks: { pre: ['credentials'], post: ['smoke'] } }), '--stage', 'local', '--yes']);
    expect(first.code, first.io.text()).toBe(0);
    const [v1] = await publishedVersions(`${p.name}-local-common`);
    // WHEN release 1.0.1 changes the lock file and makes hello's smoke check fail
    p.write('layers/common/package-lock.json', emptyLock('1.0.1'));
    p.config.functions.hello.environment.FAIL_SMOKE = 'yes';
    p.writeConfig(p.config);
    const second = await run(p, ['release', 'apply', p.writeRelease({ version: '1.0.1', checks: { pre: ['credentials'], post: ['smoke'] } }), '--stage', 'local', '--yes']);
    // THEN it is rolled back (exit 3): only the first layer version exists and hello's live alias carries it again
    expect(second.code, second.io.text()).toBe(3);
    expect(second.io.text()).toMatch(new RegExp(`layer common: deleted version ${v1!.version + 1}`));
    expect((await publishedVersions(`${p.name}-local-common`)).map((v) => v.version)).toEqual([v1!.version]);
    expect(await liveLayers(`${p.name}-local-hello`)).toEqual([v1!.arn]);
  });

  it('`layers build` builds locally into the artifact cache without publishing', async () => {
    // GIVEN a never-published layer
    const p = layerProject();
    // WHEN building
    const r = await run(p, ['layers', 'build', '--stage', 'local', '--output', 'json']);
    // THEN a zip is in .turnctl/artifacts and no version exists
    expect(r.code, r.io.text()).toBe(0);
    expect(r.json().layers).toEqual([expect.objectContaining({ layer: 'common', via: 'local', cached: false, artifact: expect.stringContaining('.turnctl/artifacts/') })]);
    expect(await publishedVersions(`${p.name}-local-common`)).toEqual([]);
    // and `layers builds` says the layer builds locally on this stage
    const h = await run(p, ['layers', 'builds', 'common', '--stage', 'local', '--output', 'json']);
    expect(h.code).toBe(0);
    expect(h.json()).toEqual({ layer: 'common', builds: [] });
    expect(h.io.stderr.join('\n')).toMatch(/layer common builds locally on stage local \(build\.via auto builds locally on sandbox stages\); it has no CodeBuild history there/);
  });

  it('GIVEN no layers declared WHEN build, publish or list run THEN each says so (build and publish printed nothing) and JSON is an empty list', async () => {
    const p = layerProject({ config: (c) => ((c.layers = {}), (c.functions.hello.layers = [])) });
    for (const cmd of ['build', 'publish', 'list']) {
      const r = await run(p, ['layers', cmd, '--stage', 'local']);
      expect(r.code, r.io.text()).toBe(0);
      expect(r.io.stdout).toEqual(['no layers declared in turnctl.yaml']);
      const j = await run(p, ['layers', cmd, '--stage', 'local', '--output', 'json']);
      expect(j.json()).toEqual({ layers: [] });
    }
  });
});

describe('turnctl layers: bad input', () => {
  it('a missing lock file is exit 65 naming the file and the fix', async () => {
    // GIVEN layer common without package-lock.json
    const p = layerProject({ lock: false });
    // WHEN listing or planning a release
    const r = await run(p, ['layers', 'publish', '--stage', 'local']);
    const plan = await run(p, ['release', 'plan', `${p.dir}/releases/1.0.0.yaml`, '--stage', 'local']);
    // THEN exit 65 with the lock file's path and the npm command that creates it
    for (const x of [r, plan]) {
      expect(x.code).toBe(65);
      expect(x.io.stderr.join('\n')).toMatch(/layers\/common\/package-lock\.json: layer "common" has no lock file; run `npm install --package-lock-only`/);
    }
    expect(await publishedVersions(`${p.name}-local-common`)).toEqual([]);
  });

  it('a lock file left with a merge conflict is exit 65 at its file:line:column before anything is built', async () => {
    // GIVEN a lock file with conflict markers (npm ci would fail saying there is no lock file)
    const p = layerProject();
    p.write('layers/common/package-lock.json', emptyLock().replace('"lockfileVersion": 3,', '<<<<<<< HEAD\n  "lockfileVersion": 3,\n=======\n  "lockfileVersion": 2,\n>>>>>>> theirs'));
    const line = emptyLock().split('\n').findIndex((l) => l.includes('lockfileVersion')) + 1;
    // WHEN publishing, or planning a release
    const r = await run(p, ['layers', 'publish', '--stage', 'local']);
    const plan = await run(p, ['release', 'plan', `${p.dir}/releases/1.0.0.yaml`, '--stage', 'local']);
    // THEN exit 65 naming the conflict's line and the fix, and nothing published
    for (const x of [r, plan]) {
      expect(x.code).toBe(65);
      expect(x.io.stderr.join('\n')).toMatch(new RegExp(`layers/common/package-lock\\.json:${line}:\\d+: not valid JSON \\(.*\\); resolve the conflict or re-create it with npm install --package-lock-only in layers/common`));
    }
    // AND a package.json that is not JSON is named the same way
    const q = layerProject();
    q.write('layers/common/package.json', '{ "name": "turn-layer-common", }\n');
    const pkg = await run(q, ['layers', 'list', '--stage', 'local']);
    expect(pkg.code).toBe(65);
    expect(pkg.io.stderr.join('\n')).toMatch(/layers\/common\/package\.json:1:\d+: not valid JSON/);
    expect(await publishedVersions(`${p.name}-local-common`)).toEqual([]);
  });

  it('a lock file out of sync with package.json is exit 65 at the package.json line, also when the old lock was built and published', async () => {
    // GIVEN layer common published from its lock file
    const p = layerProject();
    expect((await run(p, ['layers', 'publish', '--stage', 'local'])).code).toBe(0);
    // WHEN package.json gains a dependency without re-locking (the lock file, the layer's identity, is unchanged:
    // plan said "No changes" and publish "up to date" from the cached build; npm ci refuses the pair elsewhere)
    p.write('layers/common/package.json', layerPackage({ dayjs: '1.11.13' }));
    const line = layerPackage({ dayjs: '1.11.13' }).split('\n').findIndex((l) => l.includes('"dayjs"')) + 1;
    const publish = await run(p, ['layers', 'publish', '--stage', 'local']);
    const plan = await run(p, ['release', 'plan', `${p.dir}/releases/1.0.0.yaml`, '--stage', 'local', '--exit-code']);
    // THEN exit 65 at that dependency's line with the fix, on one line, and nothing more published
    for (const x of [publish, plan]) {
      expect(x.code, x.io.text()).toBe(65);
      expect(x.io.stderr.join('\n')).toMatch(
        new RegExp(`^error: \\S*layers/common/package\\.json:${line}:\\d+: layer "common": dependencies\\.dayjs \\("1\\.11\\.13"\\) is not in package-lock\\.json; the lock file is out of sync with package\\.json .*; run \`npm install --package-lock-only\` in \\S*layers/common and commit package-lock\\.json$`, 'm'),
      );
    }
    // AND a changed spec, or a dependency removed from package.json but still locked, is refused the same way
    p.write('layers/common/package.json', layerPackage({}, '1.0.0').replace('"dependencies": {}', '"dependencies": {},\n  "devDependencies": { "vitest": "4.1.12" }'));
    const lock = JSON.parse(emptyLock());
    lock.packages[''].devDependencies = { vitest: '4.0.0' };
    p.write('layers/common/package-lock.json', JSON.stringify(lock, null, 2));
    const spec = await run(p, ['layers', 'list', '--stage', 'local']);
    expect(spec.code).toBe(65);
    expect(spec.io.stderr.join('\n')).toMatch(/layers\/common\/package\.json:\d+:\d+: layer "common": devDependencies\.vitest is "4\.1\.12" but package-lock\.json was made for "4\.0\.0"/);
    p.write('layers/common/package.json', layerPackage());
    const removed = await run(p, ['layers', 'build', '--stage', 'local']);
    expect(removed.code).toBe(65);
    expect(removed.io.stderr.join('\n')).toMatch(/layers\/common\/package-lock\.json:\d+:\d+: layer "common": vitest is locked as a devDependency but package\.json no longer has it/);
    expect((await publishedVersions(`${p.name}-local-common`)).length).toBe(1);
  });

  it('npm ci failing in the local build is exit 1 with npm\'s reason and the fix', async () => {
    // GIVEN a lock file in sync with package.json whose package cannot be fetched (a file: tarball not in the layer)
    const p = layerProject();
    p.write('layers/common/package.json', layerPackage({ 'nope-pkg': '1.0.0' }));
    p.write(
      'layers/common/package-lock.json',
      JSON.stringify({
        name: 'test-layer', version: '1.0.0', lockfileVersion: 3, requires: true,
        packages: { '': { name: 'test-layer', version: '1.0.0', dependencies: { 'nope-pkg': '1.0.0' } }, 'node_modules/nope-pkg': { version: '1.0.0', resolved: 'file:vendor/nope-pkg-1.0.0.tgz' } },
      }),
    );
    // WHEN publishing
    const r = await run(p, ['layers', 'publish', '--stage', 'local']);
    // THEN exit 1 naming npm ci's reason and the fix, and nothing published
    expect(r.code).toBe(1);
    expect(r.io.stderr.join('\n')).toMatch(/layer "common": npm ci failed: .*ENOENT.*nope-pkg-1\.0\.0\.tgz.*; fix layers\/common\/package\.json and re-lock it/);
    expect(await publishedVersions(`${p.name}-local-common`)).toEqual([]);
  });

  it('a function naming an unknown layer is exit 65 with turnctl.yaml:line', async () => {
    // GIVEN function hello names layer "nope"
    const p = layerProject({ config: (c) => (c.functions.hello.layers = ['common', 'nope']) });
    const lines = (await import('node:fs')).readFileSync(`${p.dir}/turnctl.yaml`, 'utf8').split('\n');
    const line = lines.findIndex((l) => l.includes('- nope')) + 1;
    // WHEN publishing
    const r = await run(p, ['layers', 'publish', '--stage', 'local']);
    // THEN exit 65 pointing at that list item
    expect(r.code).toBe(65);
    expect(r.io.stderr.join('\n')).toMatch(new RegExp(`turnctl\\.yaml:${line}:\\d+: function "hello" names unknown layer "nope"; declare it under "layers:"`));
  });

  it('a function whose runtime the layer does not build for is exit 65; an unknown layer argument is a usage error', async () => {
    const p = layerProject({ config: (c) => (c.layers.common.runtimes = ['nodejs20.x']) });
    const r = await run(p, ['layers', 'list', '--stage', 'local']);
    expect(r.code).toBe(65);
    expect(r.io.stderr.join('\n')).toMatch(/turnctl\.yaml:\d+:\d+: function "hello" runs nodejs22\.x but layer "common" is built for nodejs20\.x; add nodejs22\.x to layers\.common\.runtimes/);
    const q = layerProject();
    const u = await run(q, ['layers', 'publish', 'nope', '--stage', 'local']);
    expect(u.code).toBe(64);
    expect(u.io.stderr.join('\n')).toMatch(/unknown layer "nope"; layers in turnctl\.yaml: common/);
  });
});
