import { beforeAll, describe, expect, it } from 'vitest';
import { GetBucketVersioningCommand, GetPublicAccessBlockCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { main } from '../../src/cli.js';
import { isWriteCommand, observeAwsCalls } from '../../src/aws/clients.js';
import { readAudit } from '../../src/state/audit.js';
import { makeProject, type TestProject } from '../helpers/project.js';
import { recordingIo } from '../helpers/io.js';
import { docSource, getObject, readIndexJson, s3, sha256 } from './sandbox-s3.js';

async function run(p: TestProject, args: string[], opts: { interactive?: boolean; answers?: Array<boolean | string> } = {}) {
  const io = recordingIo(opts);
  const code = await main([...args, '--stage', 'local'], { io, cwd: p.dir });
  return { code, io, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

const V1_BODY = '# Terms\n\nYou may cancel with **one month** notice.';
const V11_BODY = '# Terms\n\nYou may cancel with **two weeks** notice.\n\n| Term | Price |\n|---|---|\n| 3 months | 499 € |';

describe('legal documents (against the sandbox, read back through a second S3 client)', () => {
  let p: TestProject;
  let bucket: string;
  beforeAll(() => {
    p = makeProject();
    bucket = `${p.name}-local-legal`;
    p.write('legal/terms.md', docSource({ title: 'Terms of Subscription', version: '1.0', effectiveDate: '2025-07-01', summary: 'First version.' }, V1_BODY));
  });

  it('publish: uploads markdown and HTML to the versioned, private legal bucket and points index.json at them', async () => {
    // WHEN terms 1.0 is published
    const { code, out, err } = await run(p, ['legal', 'publish', 'terms', '--yes']);
    expect(code).toBe(0);
    expect(out).toBe('published terms 1.0 → docs/terms/1.0.html');
    // stderr (not a TTY) shows the change, but no progress chatter such as "creating legal bucket"
    expect(err).toBe('terms: new, 1.0 (effective 2025-07-01): First version.');
    // THEN index.json names it with the sha256 of the markdown object, and both objects are there
    const index = await readIndexJson(bucket);
    expect(index).toEqual({ terms: { version: '1.0', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), effectiveDate: '2025-07-01', key: 'docs/terms/1.0.html', title: 'Terms of Subscription' } });
    const md = await getObject(bucket, 'docs/terms/1.0.md');
    expect(md!.text).toBe(`${V1_BODY}\n`);
    expect(sha256(md!.text)).toBe(index.terms!.sha256);
    expect(md!.contentType).toMatch(/^text\/markdown/);
    const html = await getObject(bucket, 'docs/terms/1.0.html');
    expect(html!.contentType).toMatch(/^text\/html/);
    expect(html!.text).toContain('<title>Terms of Subscription</title>');
    expect(html!.text).toContain('<p>You may cancel with <strong>one month</strong> notice.</p>');
    // AND the bucket is versioned with public access blocked
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe('Enabled');
    expect((await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }))).PublicAccessBlockConfiguration).toMatchObject({ BlockPublicAcls: true, RestrictPublicBuckets: true });
  });

  it('publish refuses unchanged content, and changed content under the same version (file:line, exit 65, nothing written)', async () => {
    const writes: string[] = [];
    const stop = observeAwsCalls((c) => isWriteCommand(c.command) && writes.push(c.command));
    try {
      const same = await run(p, ['legal', 'publish', 'terms', '--yes']);
      expect(same.code).toBe(65);
      expect(same.err).toBe('error: legal/terms.md: content is unchanged from the live version 1.0; nothing to publish (edit the text, then bump version and summary)');

      p.write('legal/terms.md', docSource({ title: 'Terms of Subscription', version: '1.0', effectiveDate: '2025-07-01', summary: 'First version.' }, V11_BODY));
      const noBump = await run(p, ['legal', 'publish', 'terms', '--yes']);
      expect(noBump.code).toBe(65);
      expect(noBump.err).toBe('error: legal/terms.md:3: the content changed but version 1.0 is already live; bump the version (e.g. to 1.1) and say what changed in summary');

      p.write('legal/terms.md', docSource({ title: 'Terms of Subscription', version: '0.9', effectiveDate: '2025-07-01', summary: 'Older.' }, V11_BODY));
      const lower = await run(p, ['legal', 'publish', '--yes']);
      expect(lower.code).toBe(65);
      expect(lower.err).toMatch(/^error: legal\/terms\.md:3: version 0\.9 is not greater than the live version 1\.0/);

      // GIVEN a bumped version whose summary is still the live one's WHEN published THEN refused at the summary line
      p.write('legal/terms.md', docSource({ title: 'Terms of Subscription', version: '1.1', effectiveDate: '2025-07-01', summary: 'First version.' }, V11_BODY));
      const stale = await run(p, ['legal', 'publish', 'terms', '--yes']);
      expect(stale.code).toBe(65);
      expect(stale.err).toBe('error: legal/terms.md:5: summary is still the one of the live version 1.0 ("First version."); say what changed in 1.1');
    } finally {
      stop();
    }
    expect(writes).toEqual([]);
    expect((await readIndexJson(bucket)).terms!.version).toBe('1.0');
  });

  it('malformed front matter is exit 65 naming file:line', async () => {
    const cases: Array<[string, RegExp]> = [
      ['---\ntitle: T\nversion: "2"\neffectiveDate: 2025-08-01\n---\n\nText\n', /^error: legal\/bad\.md:5: front matter has no "summary"; add a line like: summary: <what changed in this version>$/],
      ['---\ntitle: T\nversion: "2"\neffectiveDate: 2025-02-30\nsummary: s\n---\nText\n', /^error: legal\/bad\.md:4: effectiveDate "2025-02-30" must be a date like 2025-07-01$/],
      ['---\ntitle: T\nversion: two\neffectiveDate: 2025-02-01\nsummary: s\n---\nText\n', /^error: legal\/bad\.md:3: version "two" must be dotted numbers/],
      ['---\ntitle: T\nversion: "2"\neffective: 2025-02-01\nsummary: s\n---\nText\n', /^error: legal\/bad\.md:4: unknown front matter key "effective"; did you mean "effectiveDate"\?$/],
      ['---\ntitle: T\nversion: "2"\neffectiveDate: 2025-02-01\nsummary: \n---\nText\n', /^error: legal\/bad\.md:5: summary is empty; say what changed in this version$/],
      ['# no front matter\n', /^error: legal\/bad\.md:1: missing front matter/],
      ['---\ntitle: [unclosed\n---\nText\n', /^error: legal\/bad\.md:\d+: front matter YAML error/],
    ];
    for (const [text, message] of cases) {
      p.write('legal/bad.md', text);
      const r = await run(p, ['legal', 'publish', 'bad', '--yes']);
      expect(r.code, text).toBe(65);
      expect(r.err.trim(), text).toMatch(message);
    }
    const { rmSync } = await import('node:fs');
    rmSync(`${p.dir}/legal/bad.md`);
  });

  it('bump and publish: 1.1 becomes current; status, diff', async () => {
    p.write('legal/terms.md', docSource({ title: 'Terms of Subscription', version: '1.1', effectiveDate: '2025-09-01', summary: 'Notice period shortened to two weeks; price table added.' }, V11_BODY));
    const diff = await run(p, ['legal', 'diff', 'terms']);
    expect(diff.code).toBe(0);
    // For CI: --exit-code says "differs" with 2, on diff and status
    expect((await run(p, ['legal', 'diff', 'terms', '--exit-code'])).code).toBe(2);
    expect((await run(p, ['legal', 'status', '--exit-code'])).code).toBe(2);
    expect(diff.out).toContain('-You may cancel with **one month** notice.');
    expect(diff.out).toContain('+You may cancel with **two weeks** notice.');
    expect(diff.out).toContain('-version: 1.0');
    expect(diff.out).toContain('+version: 1.1');
    const status = JSON.parse((await run(p, ['legal', 'status', '--output', 'json'])).out);
    expect(status).toEqual([{ doc: 'terms', state: 'changed', localVersion: '1.1', localEffectiveDate: '2025-09-01', liveVersion: '1.0', liveEffectiveDate: '2025-07-01' }]);
    // AND the text shows the local effective date next to the live one
    const text = (await run(p, ['legal', 'status'])).out.split('\n');
    expect(text[0]).toMatch(/^DOC\s+LOCAL\s+LOCAL EFFECTIVE\s+LIVE\s+LIVE EFFECTIVE\s+STATE$/);
    expect(text[1]).toMatch(/^terms\s+1\.1\s+2025-09-01\s+1\.0\s+2025-07-01\s+changed$/);

    const { code } = await run(p, ['legal', 'publish', '--yes']);
    expect(code).toBe(0);
    const index = await readIndexJson(bucket);
    expect(index.terms).toMatchObject({ version: '1.1', key: 'docs/terms/1.1.html', effectiveDate: '2025-09-01' });
    expect((await getObject(bucket, 'docs/terms/1.1.html'))!.text).toContain('<table>');
    expect((await run(p, ['legal', 'status'])).out).toMatch(/terms\s+1\.1\s+2025-09-01\s+1\.1\s+2025-09-01\s+up-to-date/);
    expect((await run(p, ['legal', 'diff', 'terms', '--exit-code'])).code).toBe(0);
    expect((await run(p, ['legal', 'status', '--exit-code'])).code).toBe(0);
    // index.json itself is versioned: every switch is recoverable from the bucket's history
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'index.json' }));
    expect(versions.Versions?.length).toBe(2);
  });

  it('history lists both versions with who, when and summary', async () => {
    const { out } = await run(p, ['legal', 'history', 'terms', '--output', 'json']);
    const h = JSON.parse(out) as Array<{ action: string; docVersion: string; summary: string; who: string; at: string; previousVersion: string | null }>;
    expect(h.map((e) => [e.action, e.docVersion, e.previousVersion, e.summary])).toEqual([
      ['publish', '1.0', null, 'First version.'],
      ['publish', '1.1', '1.0', 'Notice period shortened to two weeks; price table added.'],
    ]);
    expect(h.every((e) => e.who.startsWith('arn:aws:') && !Number.isNaN(Date.parse(e.at)))).toBe(true);
  });

  it('GIVEN a document name that is neither under legal/ nor ever published WHEN its history is asked THEN it is one error line naming the documents', async () => {
    const typo = await run(p, ['legal', 'history', 'term']);
    expect(typo.code).toBe(65);
    expect(typo.err).toBe('error: no document "term": there is no legal/term.md and it was never published on stage local; documents: terms');
    expect(typo.out).toBe('');
  });

  it('rollback: refuses without confirmation, then makes 1.0 current again in index.json', async () => {
    const refused = await run(p, ['legal', 'rollback', 'terms', '--to', '1.0']);
    expect(refused.code).toBe(64);
    expect((await readIndexJson(bucket)).terms!.version).toBe('1.1');
    const unknown = await run(p, ['legal', 'rollback', 'terms', '--to', '0.5', '--yes']);
    expect(unknown.code).toBe(65);
    expect(unknown.err).toBe('error: version 0.5 of "terms" was never published on stage local; published versions: 1.0, 1.1');

    const { code, out } = await run(p, ['legal', 'rollback', 'terms', '--to', '1.0', '--reason', 'legal review pending', '--yes']);
    expect(code).toBe(0);
    expect(out).toBe('terms: rolled back from 1.1 to 1.0: legal review pending');
    const index = await readIndexJson(bucket);
    expect(index.terms).toEqual({ version: '1.0', sha256: sha256(`${V1_BODY}\n`), effectiveDate: '2025-07-01', key: 'docs/terms/1.0.html', title: 'Terms of Subscription' });
    const h = JSON.parse((await run(p, ['legal', 'history', 'terms', '--output', 'json'])).out);
    expect(h.at(-1)).toMatchObject({ action: 'rollback', docVersion: '1.0', previousVersion: '1.1', summary: 'rolled back from 1.1 to 1.0: legal review pending' });
    // Re-publishing the local 1.1 (same content as the stored 1.1) rolls forward again
    expect((await run(p, ['legal', 'publish', 'terms', '--yes'])).code).toBe(0);
    expect((await readIndexJson(bucket)).terms!.version).toBe('1.1');
  });

  it('every publish and rollback is in the stage audit log', async () => {
    const entries = await readAudit(p.ctx(), 'legal');
    expect(entries.map((e) => `${e.action} ${e.target}`)).toEqual(['create-bucket ' + bucket, 'publish terms', 'publish terms', 'rollback terms', 'publish terms']);
  });
});
