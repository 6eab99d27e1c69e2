import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProject, resolveStage, stackFor } from '../../src/config/load.js';
import { handler } from '../../src/lambdas/legal/index.js';
import { apiEvent, bodyOf } from './helpers/events.js';
import { s3Sandbox } from './helpers/s3-sandbox.js';
import { captureOutput } from './helpers/output.js';

const ORIGIN = 'https://app.turn.example';
const TERMS_HTML = '<h1>Terms of subscription</h1><p>Version 3.</p>';
const TERMS_MD = '# Terms of subscription\n\nVersion 3.\n';
const PRIVACY_HTML = '<h1>Privacy</h1>';

const doc = (id: string, headers: Record<string, string> = {}) =>
  handler(apiEvent({ path: `/legal/${id}`, resource: '/legal/{doc}', pathParameters: { doc: id }, headers }));
const index = (headers: Record<string, string> = {}) => handler(apiEvent({ path: '/legal', headers }));

describe('legal', () => {
  let sandbox: Awaited<ReturnType<typeof s3Sandbox>>;
  let s3: S3Client;
  let out: ReturnType<typeof captureOutput>;
  const bucket = `turn-test-legal-${randomBytes(4).toString('hex')}`;
  const put = (Key: string, Body: string, ContentType = 'text/plain') => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body, ContentType }));

  beforeAll(async () => {
    sandbox = await s3Sandbox();
    s3 = new S3Client({ endpoint: sandbox.endpoint, forcePathStyle: true, region: process.env.AWS_REGION });
    await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: process.env.AWS_REGION as 'eu-central-1' } }));
    // The function finds the sandbox the way it does on the local stage: through the SDK's endpoint variable.
    Object.assign(process.env, { AWS_ENDPOINT_URL_S3: sandbox.endpoint, LEGAL_BUCKET: bucket, ALLOWED_ORIGINS: ORIGIN, STAGE: 'test' });
    out = captureOutput();
  });
  afterAll(() => {
    out?.restore();
    sandbox?.stop();
  });

  it('GIVEN nothing published yet THEN the index is empty, not an error', async () => {
    const res = await index();
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res)).toEqual({ documents: [] });
    expect(out.events()).toContain('LegalIndexServed');
  });

  it('GIVEN a published index THEN GET /legal lists each current document with version and a link under the stage path called', async () => {
    await put('terms/3/terms.html', TERMS_HTML, 'text/html');
    await put('terms/3/terms.md', TERMS_MD, 'text/markdown');
    await put('privacy/1/privacy.html', PRIVACY_HTML, 'text/html');
    await put(
      'index.json',
      JSON.stringify({
        terms: { version: '3', sha256: 'aa', effectiveDate: '2026-01-01', key: 'terms/3/terms.html' },
        privacy: { version: '1', sha256: 'bb', effectiveDate: '2025-06-01', key: 'privacy/1/privacy.html' },
      }),
      'application/json',
    );
    const res = await index({ Origin: ORIGIN });
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['Access-Control-Allow-Origin']).toBe(ORIGIN);
    // requestContext.path is what the client called (`/live/legal` on an execute-api URL): a root-relative
    // `/legal/terms` would resolve to the host root there, which API Gateway answers 403 Missing Authentication Token.
    expect(bodyOf(res)).toEqual({
      documents: [
        { id: 'privacy', version: '1', effectiveDate: '2025-06-01', sha256: 'bb', href: '/live/legal/privacy' },
        { id: 'terms', version: '3', effectiveDate: '2026-01-01', sha256: 'aa', href: '/live/legal/terms' },
      ],
    });
  });

  it('GIVEN an event without requestContext.path (a custom domain without base path, the local invoker) THEN links are /legal/<id>', async () => {
    const event = apiEvent({ path: '/legal/' });
    delete (event.requestContext as { path?: string }).path;
    const hrefs = bodyOf<{ documents: Array<{ href: string }> }>(await handler(event)).documents.map((d) => d.href);
    expect(hrefs).toEqual(['/legal/privacy', '/legal/terms']);
  });

  it('WHEN a document is requested THEN its HTML comes with its version, an ETag and Vary: Accept', async () => {
    const res = await doc('terms');
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(TERMS_HTML);
    expect(res.headers).toMatchObject({ 'Content-Type': 'text/html; charset=utf-8', 'X-Document-Version': '3' });
    expect(res.headers?.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(String(res.headers?.Vary)).toContain('Accept');
    expect(out.events()).toContain('LegalDocumentServed');
  });

  it('WHEN the client asks for text/markdown THEN it gets the markdown source with its own ETag', async () => {
    const html = await doc('terms');
    const md = await doc('terms', { Accept: 'text/markdown, text/html;q=0.5' });
    expect(md.statusCode).toBe(200);
    expect(md.body).toBe(TERMS_MD);
    expect(md.headers?.['Content-Type']).toBe('text/markdown; charset=utf-8');
    expect(md.headers?.['X-Document-Version']).toBe('3');
    expect(md.headers?.ETag).not.toBe(html.headers?.ETag);
    expect((await doc('terms', { Accept: 'text/markdown;q=0, text/html' })).body).toBe(TERMS_HTML);
  });

  it.each([
    ['text/html;q=0.9, text/markdown;q=0.1', 'html'],
    ['text/markdown;q=0.5, text/*;q=0.8', 'html'],
    ['*/*', 'html'],
    ['text/markdown;q=0.5, */*;q=0.1', 'markdown'],
    ['text/markdown, text/html', 'markdown'],
    ['TEXT/MARKDOWN; Q=0.7', 'markdown'],
  ])('GIVEN Accept: %s THEN the client gets the format it prefers (%s)', async (accept, format) => {
    const res = await doc('terms', { Accept: accept });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(format === 'html' ? TERMS_HTML : TERMS_MD);
  });

  it('GIVEN the ETag the client holds WHEN it revalidates THEN 304 with no body; a stale ETag gets the document', async () => {
    const etag = String((await doc('terms')).headers?.ETag);
    const fresh = await doc('terms', { 'If-None-Match': etag });
    expect(fresh.statusCode).toBe(304);
    expect(fresh.body).toBe('');
    expect(fresh.headers?.ETag).toBe(etag);
    expect((await doc('terms', { 'If-None-Match': `W/${etag}` })).statusCode).toBe(304);
    const stale = await doc('terms', { 'If-None-Match': '"0000"' });
    expect(stale.statusCode).toBe(200);
    expect(stale.body).toBe(TERMS_HTML);
  });

  it.each(['imprint', '__proto__', 'constructor'])('WHEN %s is requested THEN 404', async (id) => {
    const res = await doc(id, { Origin: ORIGIN });
    expect(res.statusCode).toBe(404);
    expect(bodyOf(res)).toMatchObject({ error: 'not_found' });
    expect(res.headers?.['Access-Control-Allow-Origin']).toBe(ORIGIN);
  });

  it('GIVEN a document published without markdown WHEN markdown is asked for THEN 404 saying so', async () => {
    const res = await doc('privacy', { Accept: 'text/markdown' });
    expect(res.statusCode).toBe(404);
    expect(bodyOf(res)).toEqual({ error: 'not_found', reason: 'legal document "privacy" has no markdown version' });
  });

  it('GIVEN the bucket does not exist THEN 500 with a request id and no internals', async () => {
    process.env.LEGAL_BUCKET = `${bucket}-missing`;
    try {
      const res = await index();
      expect(res.statusCode).toBe(500);
      const body = bodyOf<{ error: string; requestId: string }>(res);
      expect(body.error).toBe('internal');
      expect(body.requestId).toBe(res.headers?.['X-Request-Id']);
      expect(res.body).not.toContain(bucket);
      expect(res.body).not.toMatch(/NoSuchBucket|stack/i);
      expect(out.lines().some((l) => l.includes('"level":"ERROR"') && l.includes(body.requestId))).toBe(true);
    } finally {
      process.env.LEGAL_BUCKET = bucket;
    }
  });
});

describe('the legal function\'s access to its bucket (turnctl.yaml)', () => {
  // The sandbox enforces no IAM, so only the config can show it: on AWS a role without s3:GetObject answers every
  // request 500, and without s3:ListBucket S3 reports a missing key (index.json before the first publish, a format
  // that was not published) as 403 AccessDenied instead of NoSuchKey, which would be 500 instead of [] / 404.
  it.each(['local', 'staging', 'prod'])('GIVEN stage %s THEN the bucket LEGAL_BUCKET names is the legal bucket, granted to legal with read and list', (name) => {
    const project = loadProject(process.cwd());
    const stack = stackFor(project, resolveStage(project, name));
    const bucketName = stack.functions.legal!.environment!.LEGAL_BUCKET;
    expect(bucketName).toBe(stack.legal!.bucket);
    const granted = Object.entries(stack.buckets ?? {}).flatMap(([key, b]) =>
      (b.name ?? `${stack.project}-${name}-${key}`) === bucketName ? b.grants.filter((g) => g.function === 'legal' && !g.prefix) : [],
    );
    expect(granted.flatMap((g) => g.access).sort()).toEqual(['list', 'read']);
  });
});
