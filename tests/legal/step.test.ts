import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { loadManifest } from '../../src/config/load.js';
import { loadStep } from '../../src/release/steps/index.js';
import { makeProject, type TestProject } from '../helpers/project.js';
import { recordingIo } from '../helpers/io.js';
import { docSource, getObject, readIndexJson, sha256 } from './sandbox-s3.js';

async function run(p: TestProject, args: string[]) {
  const io = recordingIo();
  const code = await main([...args, '--stage', 'local'], { io, cwd: p.dir });
  return { code, io, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

const TERMS = (v: string, body: string) => docSource({ title: 'Terms', version: v, effectiveDate: '2025-07-01', summary: `Terms ${v}.` }, body);
const PRIVACY = docSource({ title: 'Privacy', version: '1', effectiveDate: '2025-07-01', summary: 'First privacy policy.' }, '# Privacy\n\nWe keep little.');

describe('legal release step (module level: desired → read → diff → apply → re-read → restore)', () => {
  let p: TestProject;
  let bucket: string;
  beforeAll(() => {
    p = makeProject();
    bucket = `${p.name}-local-legal`;
    p.write('legal/terms.md', TERMS('1.0', 'Version one.'));
    p.write('legal/privacy.md', PRIVACY);
  });

  it('publishes the listed documents, re-diffs empty, and restore puts the previous index.json entries back', async () => {
    const step = await loadStep('legal');
    const ctx = p.ctx();
    // GIVEN terms 1.0 published by hand
    expect((await run(p, ['legal', 'publish', 'terms', '--yes'])).code).toBe(0);
    const terms10 = (await readIndexJson(bucket)).terms!;
    // AND a release listing terms 1.1 and privacy
    p.write('legal/terms.md', TERMS('1.1', 'Version one point one.'));
    const loaded = loadManifest(p.writeRelease({ version: '1.1.0', legal: ['terms', 'privacy'] }));
    const desired = await step.desired(ctx, { loaded });
    const live = await step.read(ctx, desired);
    const changes = step.diff(desired, live);
    expect(changes.map((c) => [c.id, c.action, (c.before as { version?: string } | null)?.version ?? null, (c.after as { version: string }).version, c.note])).toEqual([
      ['legal:terms', 'update', '1.0', '1.1', 'Terms 1.1.'],
      ['legal:privacy', 'create', null, '1', 'First privacy policy.'],
    ]);
    expect(step.digest!(desired)).toMatch(/^[0-9a-f]{64}$/);
    const before = step.record!(live);

    // WHEN applied
    const result = await step.apply(ctx, desired, changes);
    // THEN index.json (read through a second client) names both, and a re-read diffs empty
    const index = await readIndexJson(bucket);
    expect(index.terms).toMatchObject({ version: '1.1', key: 'docs/terms/1.1.html', sha256: sha256('Version one point one.\n') });
    expect(index.privacy).toMatchObject({ version: '1', key: 'docs/privacy/1.html' });
    expect(step.diff(desired, await step.read(ctx, desired))).toEqual([]);
    const history = JSON.parse((await run(p, ['legal', 'history', 'terms', '--output', 'json'])).out);
    expect(history.at(-1)).toMatchObject({ action: 'publish', docVersion: '1.1', via: 'release 1.1.0' });

    // WHEN restored with the recorded before-state
    const restored = await step.restore(ctx, JSON.parse(JSON.stringify(before)), JSON.parse(JSON.stringify(result)));
    // THEN terms is back at its 1.0 entry, privacy is gone from the index, the uploaded versions stay as history
    expect(restored.restored).toEqual(['legal terms: index.json back to 1.0 (from 1.1)', 'legal privacy: removed from index.json (was not published before)']);
    const after = await readIndexJson(bucket);
    expect(after).toEqual({ terms: terms10 });
    expect(await getObject(bucket, 'docs/terms/1.1.md')).toBeDefined();
    // AND restoring again changes nothing
    expect((await step.restore(ctx, before, result)).restored).toEqual([]);
    expect(await readIndexJson(bucket)).toEqual({ terms: terms10 });
  });

  it('a manifest naming an unknown or malformed document fails at plan time with file:line', async () => {
    const step = await loadStep('legal');
    const ctx = p.ctx();
    const unknown = loadManifest(p.writeRelease({ version: '1.2.0', legal: ['terms', 'Cookies!'] }));
    await expect(step.desired(ctx, { loaded: unknown })).rejects.toThrow(/releases\/1\.2\.0\.yaml:\d+:\d+: "Cookies!" is not a document id/);
    const missing = loadManifest(p.writeRelease({ version: '1.2.1', legal: ['cookies'] }));
    await expect(step.desired(ctx, { loaded: missing })).rejects.toThrow(/legal\/cookies\.md: not found; documents in legal\/: privacy, terms/);
    // changed content under the live version is refused in the plan, as `legal publish` refuses it
    p.write('legal/terms.md', TERMS('1.0', 'Sneaky edit.'));
    const sneaky = loadManifest(p.writeRelease({ version: '1.2.2', legal: ['terms'] }));
    const desired = await step.desired(ctx, { loaded: sneaky });
    expect(() => step.diff(desired, { docs: { terms: { entry: { version: '1.0', sha256: 'x', effectiveDate: '2025-07-01', key: 'docs/terms/1.0.html', title: 'Terms' }, atVersion: null } } })).toThrow(
      /legal\/terms\.md:3: the content changed but version 1\.0 is already live/,
    );
  });
});

describe('legal documents in a release (end to end through release apply / rollback)', () => {
  let p: TestProject;
  let bucket: string;
  beforeAll(() => {
    p = makeProject();
    bucket = `${p.name}-local-legal`;
    p.write('legal/terms.md', TERMS('2.0', 'Release terms.'));
    p.write('legal/privacy.md', PRIVACY);
  });

  it('apply publishes them as the legal step; plan is then empty; rollback restores index.json', async () => {
    const manifest = p.writeRelease({ version: '2.0.0', scope: ['legal'], legal: ['terms', 'privacy'], checks: { pre: ['credentials'], post: [] } });
    const applied = await run(p, ['release', 'apply', manifest, '--yes', '--output', 'json']);
    expect(applied.code, applied.err).toBe(0);
    expect(JSON.parse(applied.out).steps).toEqual(expect.arrayContaining([{ section: 'legal', status: 'done', changes: 2 }]));
    expect(Object.fromEntries(Object.entries(await readIndexJson(bucket)).map(([k, v]) => [k, v.version]))).toEqual({ privacy: '1', terms: '2.0' });

    const plan = await run(p, ['release', 'plan', manifest, '--output', 'json', '--exit-code']);
    expect(plan.code, plan.err).toBe(0);
    expect(JSON.parse(plan.out).summary).toEqual({ create: 0, update: 0, delete: 0 });

    const rb = await run(p, ['release', 'rollback', '--yes']);
    expect(rb.code, rb.err).toBe(0);
    expect(await readIndexJson(bucket)).toEqual({});
    expect(await getObject(bucket, 'docs/terms/2.0.html')).toBeDefined(); // history is kept
  });
});
