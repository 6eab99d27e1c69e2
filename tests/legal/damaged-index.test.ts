import { PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import type { TestProject } from '../helpers/project.js';
import { projectWithTermsPublished, readIndexJson, s3 } from './sandbox-s3.js';

describe('an index.json entry turnctl cannot read (edited by hand)', () => {
  let p: TestProject;
  let bucket: string;
  const run = (args: string[]) => runCli([...args, '--stage', 'local'], p.dir);
  beforeAll(async () => {
    // GIVEN terms 1.0 published, then its index.json entry losing its version
    ({ p, bucket } = await projectWithTermsPublished());
    const { version: _v, ...rest } = (await readIndexJson(bucket)).terms!;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'index.json', Body: JSON.stringify({ terms: rest }) }));
  });

  it.each([[['legal', 'status']], [['legal', 'publish', '--yes']], [['legal', 'diff', 'terms']], [['legal', 'rollback', 'terms', '--to', '1.0', '--yes']]])(
    'WHEN %j runs THEN one error line names the entry and the fix, exit 1, and index.json is left as it is',
    async (args) => {
      const r = await run(args);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n').at(-1)).toBe(`error: s3://${bucket}/index.json: entry "terms" has no version; restore a good version from the bucket's version history`);
      expect(r.stdout).toBe('');
      expect((await readIndexJson(bucket)).terms!.version).toBeUndefined();
    },
  );
});
