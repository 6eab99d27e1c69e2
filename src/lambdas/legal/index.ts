import { createHash } from 'node:crypto';
import { NotFoundError } from '../lib/errors.js';
import { httpHandler } from '../lib/handler.js';
import { requestedPath, type Request } from '../lib/http.js';
import { readDocument, readIndex } from './documents.js';

/** Environment this function needs (read statically by turnctl's env-complete check). */
export const REQUIRED_ENV = ['STAGE', 'LEGAL_BUCKET', 'ALLOWED_ORIGINS'] as const;

const CONTENT_TYPES = { html: 'text/html; charset=utf-8', markdown: 'text/markdown; charset=utf-8' } as const;

/** `GET /legal` (index of current documents) and `GET /legal/{doc}` (HTML, or markdown with `Accept: text/markdown`). */
export const handler = httpHandler('legal', [
  {
    method: 'GET',
    resource: '/legal',
    async handle(req, obs) {
      const index = await readIndex();
      // Under the path called, like Location: a root-relative `/legal/<id>` misses the stage prefix of an execute-api URL.
      const base = requestedPath(req.event, '/legal');
      const documents = Object.entries(index)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([id, e]) => ({ id, version: e.version, effectiveDate: e.effectiveDate, sha256: e.sha256, href: `${base}/${encodeURIComponent(id)}` }));
      obs.track('LegalIndexServed', { documents: documents.length });
      return { status: 200, json: { documents }, headers: { 'Cache-Control': 'no-cache' } };
    },
  },
  {
    method: 'GET',
    resource: '/legal/{doc}',
    async handle(req, obs) {
      const doc = req.pathParams.doc ?? '';
      const index = await readIndex();
      const entry = Object.hasOwn(index, doc) ? index[doc] : undefined;
      if (!entry) throw new NotFoundError(`no legal document "${doc}"`);
      const format = wantsMarkdown(req) ? 'markdown' : 'html';
      const body = await readDocument(entry, format);
      if (body === undefined) {
        obs.logger.warn('legal document listed in index.json but missing', { doc, format, key: entry.key });
        throw new NotFoundError(`legal document "${doc}" has no ${format} version`);
      }
      const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`;
      const headers = {
        ETag: etag,
        'X-Document-Version': entry.version,
        'Cache-Control': 'no-cache',
        Vary: 'Accept',
      };
      const notModified = matchesEtag(req.header('if-none-match'), etag);
      obs.track('LegalDocumentServed', { doc, version: entry.version, format, notModified });
      if (notModified) return { status: 304, headers };
      return { status: 200, text: body, contentType: CONTENT_TYPES[format], headers };
    },
  },
]);

/**
 * Markdown when the Accept header prefers it to HTML: its q (from text/markdown, else text/*, else the any-type range)
 * is above HTML's, or equal with text/markdown named outright. `text/html;q=0.9, text/markdown;q=0.1` asks for HTML,
 * with markdown only as a fallback; a bare any-type range keeps the HTML default.
 */
function wantsMarkdown(req: Request): boolean {
  const ranges = (req.header('accept') ?? '').split(',').map((part) => {
    const [type = '', ...params] = part.trim().toLowerCase().split(';').map((p) => p.trim());
    const q = params.find((p) => p.startsWith('q='));
    const value = q === undefined ? 1 : Number(q.slice(2));
    return { type, q: Number.isFinite(value) ? value : 0 };
  });
  // The q of the most specific range that matches a media type; 0 when none does.
  const quality = (mediaType: string) => {
    const sub = `${mediaType.split('/')[0]}/*`;
    const match = ranges.find((r) => r.type === mediaType) ?? ranges.find((r) => r.type === sub) ?? ranges.find((r) => r.type === '*/*');
    return match?.q ?? 0;
  };
  const markdown = quality('text/markdown');
  const html = quality('text/html');
  return markdown > 0 && (markdown > html || (markdown === html && ranges.some((r) => r.type === 'text/markdown')));
}

/** Whether an If-None-Match header names this ETag (weak or strong) or is `*`. */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}
