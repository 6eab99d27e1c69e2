import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { substringPattern } from '../../src/monitoring/logs.js';
import { main } from '../../src/cli.js';
import { answeringProxy } from '../helpers/forward.js';
import { recordingIo } from '../helpers/io.js';
import { ACCOUNT, makeProject, type TestProject } from '../helpers/project.js';
import { putLogLines } from '../monitoring/helpers.js';

describe('the --filter pattern sent to CloudWatch Logs (pure)', () => {
  it('is a regex substring pattern (%…%, dots escaped) for text CloudWatch regex takes, and none for other text', () => {
    expect(substringPattern('ERR')).toBe('%ERR%');
    expect(substringPattern('req-42/a=b;c,d@e#f_g')).toBe('%req-42/a=b;c,d@e#f_g%');
    expect(substringPattern('v1.2')).toBe('%v1\\.2%');
    for (const text of ['db down', 'say "hi"', 'code: E404', 'a(b)', 'ünïcode', 'x*y']) expect(substringPattern(text), text).toBeUndefined();
  });
});

/**
 * On AWS a plain term matches whole terms only, so `--filter ERR` sent as "ERR" would drop "ERROR" lines before
 * turnctl's own substring match could see them. A proxy in front of the sandbox records the FilterLogEvents requests
 * of an AWS-like stage (moto ignores the pattern, so what is sent is what this test checks).
 */
describe('logs tail --filter on an AWS stage', () => {
  let p: TestProject;
  let proxy: { url: string; close(): Promise<void> };
  const patterns: Array<string | undefined> = [];
  beforeAll(async () => {
    proxy = await answeringProxy(process.env.TURNCTL_SANDBOX_ENDPOINT!, (req) => {
      if (req.headers['x-amz-target'] === 'Logs_20140328.FilterLogEvents') {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => patterns.push(JSON.parse(Buffer.concat(chunks).toString('utf8')).filterPattern));
      }
      return undefined;
    });
    p = makeProject({ config: (c) => (c.stages.aws = { account: ACCOUNT, endpoint: proxy.url }) });
    await putLogLines(`/aws/lambda/${p.name}-aws-health`, [{ message: 'ERROR db down' }, { message: 'INFO ok' }, { message: 'ERRORS counted: 2' }]);
  });
  afterAll(() => proxy.close());

  const tail = async (filter: string) => {
    const io = recordingIo();
    const code = await main(['logs', 'tail', 'health', '--stage', 'aws', '--since', '1h', '--filter', filter], { io, cwd: p.dir });
    return { code, io };
  };

  it('GIVEN --filter ERR WHEN tailing THEN %ERR% is sent (a substring, as AWS matches it) and every event containing ERR is printed', async () => {
    const r = await tail('ERR');
    expect(r.code, r.io.text()).toBe(0);
    expect(patterns.at(-1)).toBe('%ERR%');
    expect(r.io.stdout.map((l) => l.replace(/^\S+ /, ''))).toEqual(['ERROR db down', 'ERRORS counted: 2']);
  });

  it('GIVEN --filter with a space WHEN tailing THEN no pattern is sent (CloudWatch regex takes none) and turnctl matches the text itself', async () => {
    const r = await tail('db down');
    expect(r.code, r.io.text()).toBe(0);
    expect(patterns.at(-1)).toBeUndefined();
    expect(r.io.stdout.map((l) => l.replace(/^\S+ /, ''))).toEqual(['ERROR db down']);
  });
});
