import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { isWriteCommand, observeAwsCalls } from '../../src/aws/clients.js';
import { docSource, projectWithTermsPublished, readIndexJson, s3 } from './sandbox-s3.js';

describe('legal rollback naming something that is not there', () => {
  it('GIVEN terms 1.0 live WHEN rolled back to a version or a document that does not exist THEN exit 65 in one line, nothing written', async () => {
    const { p, bucket, run } = await projectWithTermsPublished();
    p.write('legal/privacy.md', docSource({ title: 'Privacy', version: '1.0', effectiveDate: '2025-07-01', summary: 'First version.' }, '# Privacy'));
    const before = await readIndexJson(bucket);
    const writes: string[] = [];
    const stop = observeAwsCalls((c) => isWriteCommand(c.command) && writes.push(c.command));
    try {
      // a version never published: bad input on the command line, like --to abc (it was exit 1, as for an AWS failure)
      const version = await run(['legal', 'rollback', 'terms', '--to', '2.0', '--yes']);
      expect([version.code, version.stderr, version.stdout]).toEqual([65, 'error: version 2.0 of "terms" was never published on stage local; published versions: 1.0', '']);
      // a document that is nowhere: the same answer as legal history gives for it
      const typo = await run(['legal', 'rollback', 'term', '--to', '1.0', '--yes']);
      expect([typo.code, typo.stderr]).toEqual([65, 'error: no document "term": there is no legal/term.md and it was never published on stage local; documents: privacy, terms']);
      // a document under legal/ that is not live on this stage yet: a state of the stage, not a typo
      const unpublished = await run(['legal', 'rollback', 'privacy', '--to', '1.0', '--yes']);
      expect([unpublished.code, unpublished.stderr]).toEqual([1, 'error: document "privacy" is not published on stage local; nothing to roll back (see: turnctl legal status --stage local)']);
    } finally {
      stop();
    }
    expect(writes).toEqual([]);
    expect(await readIndexJson(bucket)).toEqual(before);
  });

  it('GIVEN terms 1.0 published, 1.1 live, and 1.0\'s markdown deleted by hand WHEN rolled back to 1.0 THEN exit 1 naming the missing object (not "never published; published versions: 1.0")', async () => {
    const { p, bucket, run } = await projectWithTermsPublished();
    p.write('legal/terms.md', docSource({ title: 'Terms', version: '1.1', effectiveDate: '2025-08-01', summary: 'Second version.' }, '# Terms\n\nNew.'));
    expect((await run(['legal', 'publish', 'terms', '--yes'])).code).toBe(0);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'docs/terms/1.0.md' }));
    const r = await run(['legal', 'rollback', 'terms', '--to', '1.0', '--yes']);
    expect([r.code, r.stderr]).toEqual([1, `error: version 1.0 of "terms" was published on stage local but s3://${bucket}/docs/terms/1.0.md is gone; restore it (and the .html) from the bucket's version history`]);
    expect((await readIndexJson(bucket)).terms!.version).toBe('1.1');
  });
});
