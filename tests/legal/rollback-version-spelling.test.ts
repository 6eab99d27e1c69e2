import { describe, expect, it } from 'vitest';
import { docSource, projectWithTermsPublished, readIndexJson, sha256 } from './sandbox-s3.js';

describe('legal rollback --to a version spelled otherwise than it was published (1.0 / 1.0.0)', () => {
  it('GIVEN terms 1.0 then 1.1.0 published WHEN rolled back --to 1.0.0 and then --to 1.1 THEN each finds the published version, and the live one is refused by its published spelling', async () => {
    const { p, bucket, run } = await projectWithTermsPublished('# Terms\n\nOne.');
    p.write('legal/terms.md', docSource({ title: 'Terms', version: '1.1.0', effectiveDate: '2025-08-01', summary: 'Second version.' }, '# Terms\n\nTwo.'));
    expect((await run(['legal', 'publish', 'terms', '--yes'])).code).toBe(0);

    // WHEN the live version is asked for in another spelling THEN it is "already live", named as published
    const live = await run(['legal', 'rollback', 'terms', '--to', '1.1', '--yes']);
    expect(live.code).toBe(1);
    expect(live.stderr).toBe('error: version 1.1.0 of "terms" is already live on stage local');

    // WHEN rolled back to 1.0.0 (published as 1.0) THEN index.json points at the 1.0 objects
    const back = await run(['legal', 'rollback', 'terms', '--to', '1.0.0', '--yes']);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toBe('terms: rolled back from 1.1.0 to 1.0');
    expect((await readIndexJson(bucket)).terms).toEqual({ version: '1.0', sha256: sha256('# Terms\n\nOne.\n'), effectiveDate: '2025-07-01', key: 'docs/terms/1.0.html', title: 'Terms' });

    // WHEN rolled forward to 1.1 (published as 1.1.0) THEN the 1.1.0 objects are live again
    const forward = await run(['legal', 'rollback', 'terms', '--to', '1.1', '--yes']);
    expect(forward.code, forward.stderr).toBe(0);
    expect(forward.stdout).toBe('terms: rolled back from 1.0 to 1.1.0');
    expect((await readIndexJson(bucket)).terms).toMatchObject({ version: '1.1.0', key: 'docs/terms/1.1.0.html' });

    // AND a number that was never published is still refused, listing the published spellings
    const never = await run(['legal', 'rollback', 'terms', '--to', '1.0.1', '--yes']);
    expect(never.code).toBe(65);
    expect(never.stderr).toBe('error: version 1.0.1 of "terms" was never published on stage local; published versions: 1.0, 1.1.0');
  });

  it('GIVEN terms 1.1.0 published and rolled back to 1.0 WHEN other content is published as 1.1 THEN it is refused at the version line, and the same content as 1.1 is not a new version either', async () => {
    const { p, bucket, run } = await projectWithTermsPublished('# Terms\n\nOne.');
    p.write('legal/terms.md', docSource({ title: 'Terms', version: '1.1.0', effectiveDate: '2025-08-01', summary: 'Second version.' }, '# Terms\n\nTwo.'));
    expect((await run(['legal', 'publish', 'terms', '--yes'])).code).toBe(0);
    expect((await run(['legal', 'rollback', 'terms', '--to', '1.0', '--yes'])).code).toBe(0);

    p.write('legal/terms.md', docSource({ title: 'Terms', version: '1.1', effectiveDate: '2025-08-01', summary: 'Another second version.' }, '# Terms\n\nSomething else.'));
    const other = await run(['legal', 'publish', 'terms', '--yes']);
    expect(other.code).toBe(65);
    expect(other.stderr).toMatch(/^error: legal\/terms\.md:\d+(:\d+)?: version 1\.1 is already in the bucket with other content/);
    expect((await readIndexJson(bucket)).terms).toMatchObject({ version: '1.0', key: 'docs/terms/1.0.html' });
  });
});
