import { Marked } from 'marked';
import type { LegalDoc } from './document.js';

const marked = new Marked({ gfm: true, async: false });

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The HTML page of a document (deterministic: same source, same bytes). */
export function renderHtml(doc: Pick<LegalDoc, 'id' | 'title' | 'version' | 'effectiveDate' | 'lang' | 'body'>): string {
  const article = marked.parse(doc.body) as string;
  return [
    '<!doctype html>',
    `<html lang="${escapeHtml(doc.lang)}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="legal-document" content="${escapeHtml(doc.id)}">`,
    `<meta name="legal-version" content="${escapeHtml(doc.version)}">`,
    `<meta name="legal-effective-date" content="${escapeHtml(doc.effectiveDate)}">`,
    `<title>${escapeHtml(doc.title)}</title>`,
    '</head>',
    '<body>',
    `<article class="legal-document" data-version="${escapeHtml(doc.version)}">`,
    article.trimEnd(),
    '</article>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
