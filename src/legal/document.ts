import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Pair } from 'yaml';
import { InvalidInputError } from '../errors.js';
import { decodeUtf8 } from '../utf8.js';
import { VERSION_PATTERN } from './version.js';

/** A legal document source `legal/<id>.md`, parsed and validated. */
export interface LegalDoc {
  id: string;
  /** Path shown in messages, relative to the project (`legal/terms.md`). */
  file: string;
  title: string;
  version: string;
  /** YYYY-MM-DD. */
  effectiveDate: string;
  /** What changed in this version (required; goes to the change log). */
  summary: string;
  lang: string;
  /** The markdown body (front matter removed, LF line ends, one trailing newline): what is uploaded as `.md`. */
  body: string;
  /** sha256 (hex) of `body`: the `sha256` of index.json. */
  sha256: string;
  /** Line of `version:` in the file (for messages). */
  versionLine: number;
  /** Line of `summary:` in the file (for messages). */
  summaryLine: number;
  /** Line of `effectiveDate:` in the file (for messages). */
  effectiveDateLine: number;
}

export const DOC_ID = /^[a-z][a-z0-9-]*$/;
const KEYS = ['title', 'version', 'effectiveDate', 'summary', 'lang'] as const;
const REQUIRED = ['title', 'version', 'effectiveDate', 'summary'] as const;
const HINT: Record<string, string> = {
  title: 'title: Terms of Service',
  version: 'version: "1.1"',
  effectiveDate: 'effectiveDate: 2025-07-01',
  summary: 'summary: <what changed in this version>',
};

/** sha256 hex of a string (UTF-8). */
export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function validDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** Parses the text of `legal/<id>.md`; every problem is an InvalidInputError at `file:line`. */
export function parseLegalDoc(id: string, file: string, text: string): LegalDoc {
  const at = (line: number, problem: string) => new InvalidInputError(`${file}:${line}`, problem);
  if (!DOC_ID.test(id)) throw at(1, `document id "${id}" must be lower-case letters, digits and dashes; rename the file`);
  const lines = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split('\n');
  if (lines[0]?.trim() !== '---') throw at(1, 'missing front matter; start the file with a --- line, then title, version, effectiveDate and summary, then ---');
  const close = lines.findIndex((l, i) => i > 0 && l.trim() === '---');
  if (close < 0) throw at(1, 'front matter is not closed; add a --- line after it');
  const fmText = lines.slice(1, close).join('\n');
  const lc = new LineCounter();
  const doc = parseDocument(fmText, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const lineOf = (offset: number | undefined) => (offset === undefined ? 1 : lc.linePos(offset).line + 1);
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw at(lineOf(e.pos[0]), `front matter YAML error: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '')}`);
  }
  if (!isMap(doc.contents)) throw at(2, 'front matter must be key: value lines (title, version, effectiveDate, summary)');
  const pairs = new Map<string, Pair>();
  for (const p of doc.contents.items) {
    if (!isPair(p) || !isScalar(p.key)) continue;
    const key = String(p.key.value);
    if (!(KEYS as readonly string[]).includes(key)) {
      const guess = KEYS.find((k) => k.toLowerCase() === key.toLowerCase().replace(/[-_ ]/g, '') || (key.startsWith('effective') && k === 'effectiveDate'));
      throw at(lineOf(p.key.range?.[0]), `unknown front matter key "${key}"; ${guess ? `did you mean "${guess}"?` : `allowed: ${KEYS.join(', ')}`}`);
    }
    pairs.set(key, p);
  }
  const fields: Record<string, { value: string; line: number }> = {};
  for (const key of KEYS) {
    const p = pairs.get(key);
    if (!p) {
      if ((REQUIRED as readonly string[]).includes(key)) throw at(close + 1, `front matter has no "${key}"; add a line like: ${HINT[key]}`);
      continue;
    }
    const node = p.value;
    const line = lineOf((p.key as { range?: number[] }).range?.[0]);
    if (isScalar(node) && node.value === null) {
      fields[key] = { value: '', line };
      continue;
    }
    if (!isScalar(node) || typeof node.value === 'object') throw at(line, `"${key}" must be a single value; write it like: ${HINT[key] ?? `${key}: en`}`);
    // A plain 1.0 would be the number 1 in YAML: keep what was written.
    const raw = typeof node.value === 'number' && node.range ? fmText.slice(node.range[0], node.range[1]).trim() : String(node.value);
    fields[key] = { value: raw.trim(), line };
  }
  const f = (k: string) => fields[k]!;
  if (!f('title').value) throw at(f('title').line, 'title is empty');
  if (!VERSION_PATTERN.test(f('version').value)) throw at(f('version').line, `version "${f('version').value}" must be dotted numbers like 1, 1.1 or 2.0.1`);
  if (!validDate(f('effectiveDate').value)) throw at(f('effectiveDate').line, `effectiveDate "${f('effectiveDate').value}" must be a date like 2025-07-01`);
  if (!f('summary').value) throw at(f('summary').line, 'summary is empty; say what changed in this version');
  const bodyLines = lines.slice(close + 1);
  while (bodyLines.length && bodyLines[0]!.trim() === '') bodyLines.shift();
  const body = `${bodyLines.join('\n').trimEnd()}\n`;
  if (body.trim() === '') throw at(close + 2, 'the document has no text after the front matter');
  const lang = fields.lang?.value ?? 'en';
  if (!/^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/.test(lang)) throw at(fields.lang!.line, `lang "${lang}" must be a language tag like en or de-DE`);
  return {
    id,
    file,
    title: f('title').value,
    version: f('version').value,
    effectiveDate: f('effectiveDate').value,
    summary: f('summary').value,
    lang,
    body,
    sha256: sha256(body),
    versionLine: f('version').line,
    summaryLine: f('summary').line,
    effectiveDateLine: f('effectiveDate').line,
  };
}

/** The directory of the sources and its display form. */
export function docsDir(projectDir: string, docs = 'legal'): string {
  return resolve(projectDir, docs);
}

/** Ids of the documents in the docs directory (`<id>.md`), sorted. */
export function listDocIds(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md') && f.toLowerCase() !== 'readme.md')
    .map((f) => f.slice(0, -3))
    .sort();
}

/** Reads and parses one document; a missing file names the documents that exist. */
export function loadLegalDoc(projectDir: string, docs: string, id: string): LegalDoc {
  const dir = docsDir(projectDir, docs);
  const abs = join(dir, `${id}.md`);
  const shown = relative(projectDir, abs);
  if (!DOC_ID.test(id)) {
    // A file under legal/ whose name is no id (found by `publish` without names, or `status`): name the file to rename.
    if (listDocIds(dir).includes(id)) {
      const suggestion = id.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+|-+$/g, '');
      throw new InvalidInputError(shown, `the file name is the document id and must be lower-case letters, digits and dashes; rename the file${suggestion ? ` (e.g. to ${suggestion}.md)` : ''}`);
    }
    throw new InvalidInputError(undefined, `"${id}" is not a document id (lower-case letters, digits, dashes; the file name without .md)`);
  }
  if (!existsSync(abs)) {
    const have = listDocIds(dir);
    throw new InvalidInputError(shown, `not found; ${have.length ? `documents in ${relative(projectDir, dir) || '.'}/: ${have.join(', ')}` : `create it (front matter: title, version, effectiveDate, summary)`}`);
  }
  return parseLegalDoc(id, shown, decodeUtf8(readFileSync(abs), shown));
}
