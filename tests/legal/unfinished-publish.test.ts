import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { docSource, projectWithTermsPublished, readIndexJson, s3 } from './sandbox-s3.js';

describe('objects of a version that a stopped publish uploaded but never made live', () => {
  it('GIVEN terms 1.0 live and 1.1 only uploaded WHEN rolled back to 1.1 THEN refused as never published, index.json unchanged', async () => {
    const { p, bucket, run } = await projectWithTermsPublished();
    // what a publish stopped after its uploads leaves: both objects of 1.1, no index.json switch, no change-log record
    for (const ext of ['md', 'html']) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `docs/terms/1.1.${ext}`, Body: '# Terms\n\nDraft.\n', Metadata: { version: '1.1', 'effective-date': '2025-08-01', title: 'Terms' } }));
    const before = await readIndexJson(bucket);

    const r = await run(['legal', 'rollback', 'terms', '--to', '1.1', '--yes']);
    expect(r.code).toBe(65);
    expect(r.stderr).toBe('error: version 1.1 of "terms" was never published on stage local; published versions: 1.0');
    expect(await readIndexJson(bucket)).toEqual(before);

    // AND WHEN a 1.1 with other content is published THEN the refusal says where that version can come from
    p.write('legal/terms.md', docSource({ title: 'Terms', version: '1.1', effectiveDate: '2025-08-01', summary: 'Second version.' }, '# Terms\n\nFinal.'));
    const pub = await run(['legal', 'publish', 'terms', '--yes']);
    expect(pub.code).toBe(65);
    expect(pub.stderr).toMatch(/^error: legal\/terms\.md:3: version 1\.1 is already in the bucket with other content \(published before — see turnctl legal history terms — or uploaded by a publish that did not finish\)/);
    expect(await readIndexJson(bucket)).toEqual(before);
  });
});
