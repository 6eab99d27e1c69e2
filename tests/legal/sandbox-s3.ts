import { createHash } from 'node:crypto';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { runCli } from '../helpers/cli.js';
import { makeProject, type TestProject } from '../helpers/project.js';

/** A second S3 client, independent of turnctl's, pointed at the sandbox: the tests read the bucket back through it. */
export const s3 = new S3Client({
  endpoint: process.env.TURNCTL_SANDBOX_ENDPOINT,
  region: 'eu-central-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});

/** An object's text and content type, or undefined. */
export async function getObject(bucket: string, key: string): Promise<{ text: string; contentType?: string } | undefined> {
  try {
    const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return { text: await res.Body!.transformToString('utf-8'), contentType: res.ContentType };
  } catch (err) {
    if (['NoSuchKey', 'NoSuchBucket'].includes((err as Error).name)) return undefined;
    throw err;
  }
}

/** The bucket's index.json as the legal function reads it. */
export async function readIndexJson(bucket: string): Promise<Record<string, { version: string; sha256: string; effectiveDate: string; key: string; title: string }>> {
  const o = await getObject(bucket, 'index.json');
  return o ? JSON.parse(o.text) : {};
}

export const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** A legal document source with front matter. */
export function docSource(f: { title?: string; version?: string; effectiveDate?: string; summary?: string }, body: string): string {
  const lines = ['---'];
  if (f.title !== undefined) lines.push(`title: ${f.title}`);
  if (f.version !== undefined) lines.push(`version: "${f.version}"`);
  if (f.effectiveDate !== undefined) lines.push(`effectiveDate: ${f.effectiveDate}`);
  if (f.summary !== undefined) lines.push(`summary: ${f.summary}`);
  lines.push('---', '', body);
  return `${lines.join('\n')}\n`;
}

/** A fresh project on the sandbox with terms 1.0 published through the CLI: its legal bucket and a `run` on stage local. */
export async function projectWithTermsPublished(body = '# Terms'): Promise<{ p: TestProject; bucket: string; run: (args: string[]) => ReturnType<typeof runCli> }> {
  const p = makeProject();
  const run = (args: string[]) => runCli([...args, '--stage', 'local'], p.dir);
  p.write('legal/terms.md', docSource({ title: 'Terms', version: '1.0', effectiveDate: '2025-07-01', summary: 'First version.' }, body));
  const published = await run(['legal', 'publish', 'terms', '--yes']);
  if (published.code !== 0) throw new Error(`publishing terms 1.0 failed: ${published.stderr}`);
  return { p, bucket: `${p.name}-local-legal`, run };
}
