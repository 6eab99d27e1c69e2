import { PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import type { TestProject } from '../helpers/project.js';
import { docSource, projectWithTermsPublished, readIndexJson, s3 } from './sandbox-s3.js';

const terms = (version: string, summary: string, body: string) => docSource({ title: 'Terms', version, effectiveDate: '2025-07-01', summary }, body);

describe('a change log holding an object that is not a record (damaged, or put there by hand)', () => {
  let p: TestProject;
  let bucket: string;
  const run = (args: string[]) => runCli([...args, '--stage', 'local'], p.dir);
  beforeAll(async () => {
    // GIVEN terms 1.0 published, and two objects under its change log that are not records
    ({ p, bucket } = await projectWithTermsPublished('# Terms\n\nOne.'));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'changelog/terms/0-truncated.json', Body: '{"version": 1, "at": "2025-' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'changelog/terms/1-notes.json', Body: '{"note": "edited by hand"}' }));
  });

  it('WHEN history is asked THEN it lists the records and names the bad objects in one warning line', async () => {
    const r = await run(['legal', 'history', 'terms', '--output', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as Array<{ docVersion: string; summary: string }>).map((e) => [e.docVersion, e.summary])).toEqual([['1.0', 'First version.']]);
    expect(r.stderr).toBe(
      `warning: 2 objects under changelog/terms/ in s3://${bucket} could not be read as a change-log record and are left out: changelog/terms/0-truncated.json, changelog/terms/1-notes.json`,
    );
  });

  it('WHEN a new version is published THEN it goes live (the summary check reads the good records)', async () => {
    p.write('legal/terms.md', terms('1.1', 'First version.', '# Terms\n\nTwo.'));
    const stale = await run(['legal', 'publish', 'terms', '--yes']);
    expect(stale.code).toBe(65);
    expect(stale.stderr).toMatch(/summary is still the one of the live version 1\.0/);

    p.write('legal/terms.md', terms('1.1', 'Second version.', '# Terms\n\nTwo.'));
    const ok = await run(['legal', 'publish', 'terms', '--yes']);
    expect(ok.code, ok.stderr).toBe(0);
    expect((await readIndexJson(bucket)).terms!.version).toBe('1.1');
  });
});
