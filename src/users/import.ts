import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { isNode, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Ctx } from '../context.js';
import { failureLine, InvalidInputError } from '../errors.js';
import { mapLimit } from '../aws/clients.js';
import { decodeUtf8 } from '../utf8.js';
import { csvValue, parseCsv } from './csv.js';
import { ensurePoolAudited, findUser, planUser, writeUser, type UserAction } from './users.js';
import { findPool, poolConfig, type Pool } from './pool.js';
import { normaliseEmail, userProblems, type UserSpec } from './validate.js';

const COLUMNS = ['email', 'name', 'role', 'phone'] as const;
const REQUIRED = ['email', 'name', 'role'] as const;

/** One row of an import file. */
export interface ImportRow {
  line: number;
  /** `file.csv:LINE`. */
  where: string;
  email: string;
  spec?: UserSpec;
  /** What the row does (dry run: would do). */
  action: UserAction | 'invalid' | 'failed';
  fields?: string[];
  problem?: string;
}

/** The outcome of an import. */
export interface ImportResult {
  file: string;
  applied: boolean;
  rows: ImportRow[];
  summary: { created: number; updated: number; unchanged: number; invalid: number; failed: number };
}

/** One record of an import file, before validation: the values of the four columns and the line it starts on. */
interface RawRow {
  line: number;
  input: { email: string; name: string; role: string; phone: string };
  /** A problem of the record's shape (too many cells, a value that is not text), found before the values are checked. */
  shape?: string;
}

/** Reads the text of an import file; an unreadable file, or one that is not UTF-8, is exit 65 naming it. */
function readText(abs: string, shown: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InvalidInputError(shown, code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory; name a CSV file' : `cannot read file (${code})`);
  }
  return decodeUtf8(bytes, shown, 'save it as UTF-8 (in Excel: "CSV UTF-8 (Comma delimited)")');
}

/** The cells without the empty ones at the end. */
function dropTrailingEmpty(cells: readonly string[]): string[] {
  let n = cells.length;
  while (n > 0 && cells[n - 1] === '') n--;
  return cells.slice(0, n);
}

/** CSV rows: the header is checked as a whole (exit 65); a row of empty cells (`,,,` from a spreadsheet) is a blank line. */
function csvRows(text: string, shown: string): RawRow[] {
  const records = parseCsv(text, shown);
  if (records.length === 0) throw new InvalidInputError(`${shown}:1`, 'empty file; the first line must be the header email,name,role[,phone]');
  const header = records[0]!;
  // Empty columns after the last named one are what a spreadsheet writes for columns it once saw used (`email,name,role,,`).
  const names = dropTrailingEmpty(header.cells).map((c) => c.toLowerCase());
  const blank = names.indexOf('');
  if (blank >= 0) throw new InvalidInputError(`${shown}:${header.line}`, `column ${blank + 1} of the header has no name; the header must be email,name,role[,phone]`);
  const unknown = names.find((n) => !(COLUMNS as readonly string[]).includes(n));
  if (unknown !== undefined)
    throw new InvalidInputError(`${shown}:${header.line}`, `unknown column "${unknown}" in the header; the header must be email,name,role[,phone]`);
  const missing = REQUIRED.find((r) => !names.includes(r));
  if (missing) throw new InvalidInputError(`${shown}:${header.line}`, `the header has no "${missing}" column; the first line must be email,name,role[,phone]`);
  if (new Set(names).size !== names.length) throw new InvalidInputError(`${shown}:${header.line}`, 'a column appears twice in the header');
  const col = (cells: string[], name: string) => {
    const i = names.indexOf(name);
    return i < 0 ? '' : csvValue(cells[i] ?? '');
  };
  return records
    .slice(1)
    .filter((r) => r.cells.some((c) => c !== ''))
    .map((r) => ({
      line: r.line,
      input: { email: col(r.cells, 'email'), name: col(r.cells, 'name'), role: col(r.cells, 'role'), phone: col(r.cells, 'phone') },
      ...(dropTrailingEmpty(r.cells).length > names.length ? { shape: `${dropTrailingEmpty(r.cells).length} cells but the header has ${names.length} columns (quote values that contain commas)` } : {}),
    }));
}

/**
 * JSON rows: what `users export --output json` writes (an array of users; `role`, or the first — highest — of
 * `roles`, as the CSV export takes it; the other fields it writes are ignored), so an export round-trips. Each row's line is where its object starts.
 */
function jsonRows(text: string, shown: string): RawRow[] {
  const clean = text.replace(/^\uFEFF/, '');
  // The YAML parser (JSON is YAML) knows where each object starts; JSON.parse says what a JSON syntax error is.
  const lc = new LineCounter();
  const doc = parseDocument(clean, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const lineOf = (offset: number | undefined) => lc.linePos(offset ?? 0).line;
  try {
    JSON.parse(clean);
  } catch (err) {
    const msg = (err as Error).message;
    const token = /^Unexpected token '(.+?)'/.exec(msg)?.[1];
    const what = /end of JSON input/.test(msg) ? 'the file ends too early (a missing ] or }?)' : token ? `unexpected "${token}"` : msg.split('\n')[0]!.replace(/ in JSON at position \d+.*$/, '');
    const line = doc.errors.length ? lineOf(doc.errors[0]!.pos[0]) : lineOf(clean.trimEnd().length);
    throw new InvalidInputError(`${shown}:${line}`, `JSON syntax error: ${what}`);
  }
  // Valid JSON the YAML parser still refuses: a key twice in one object.
  if (doc.errors.length) throw new InvalidInputError(`${shown}:${lineOf(doc.errors[0]!.pos[0])}`, `JSON error: ${doc.errors[0]!.message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '')}`);
  if (!isSeq(doc.contents)) throw new InvalidInputError(`${shown}:1`, 'expected a JSON array of users ({"email", "name", "role", "phone"}), as users export --output json writes');
  return doc.contents.items.map((node): RawRow => {
    const line = lineOf((node as { range?: number[] } | null)?.range?.[0]);
    const value: unknown = isNode(node) ? node.toJSON() : node;
    const empty = { email: '', name: '', role: '', phone: '' };
    if (!value || typeof value !== 'object' || Array.isArray(value)) return { line, input: empty, shape: 'not a JSON object; each user is {"email", "name", "role", "phone"}' };
    const v = value as Record<string, unknown>;
    const roles = Array.isArray(v.roles) ? v.roles : undefined;
    const role = v.role ?? roles?.[0];
    const fields = { email: v.email, name: v.name, role, phone: v.phone } as Record<string, unknown>;
    const notText = Object.keys(fields).find((k) => fields[k] !== undefined && fields[k] !== null && typeof fields[k] !== 'string');
    const text = (k: string) => (typeof fields[k] === 'string' ? (fields[k] as string).trim() : '');
    return {
      line,
      input: { email: text('email'), name: text('name'), role: text('role'), phone: text('phone') },
      ...(notText ? { shape: `"${notText}" must be a string` } : {}),
    };
  });
}

/**
 * Reads and validates an import file — CSV (`email,name,role[,phone]`), or the JSON that `users export --output json`
 * writes (a `.json` file, or text starting with `[`): file-level problems are exit 65, each row is checked on its own.
 */
export function readImportFile(file: string, roles: readonly string[], cwd: string): ImportRow[] {
  const abs = resolve(cwd, file);
  const shown = relative(cwd, abs).startsWith('..') ? abs : relative(cwd, abs) || '.';
  const text = readText(abs, shown);
  const json = /\.json$/i.test(file) || /^\uFEFF?\s*\[/.test(text);
  const raw = json ? jsonRows(text, shown) : csvRows(text, shown);
  const seen = new Map<string, number>();
  return raw.map((r): ImportRow => {
    const where = `${shown}:${r.line}`;
    const { input } = r;
    const problems = r.shape ? [r.shape] : userProblems(input, roles);
    const email = normaliseEmail(input.email);
    if (!problems.length && seen.has(email)) problems.push(`${email} already appears on line ${seen.get(email)}; keep one row per user`);
    if (problems.length) return { line: r.line, where, email, action: 'invalid', problem: problems.join('; ') };
    seen.set(email, r.line);
    const spec: UserSpec = { email, role: input.role.trim(), ...(input.name ? { name: input.name } : {}), ...(input.phone ? { phone: input.phone.trim() } : {}) };
    return { line: r.line, where, email, spec, action: 'unchanged' };
  });
}

/**
 * `users import`: a dry run (what each row would do) unless `apply`. Rows are independent: an invalid or failing row
 * is reported with its line and the others go on. An existing user that differs is updated only with `update`.
 * Re-running the same file finds every row unchanged and writes nothing.
 */
export async function importUsers(ctx: Ctx, file: string, opts: { apply?: boolean; update?: boolean; suppressInvite?: boolean; cwd: string }): Promise<ImportResult> {
  const cfg = poolConfig(ctx);
  const rows = readImportFile(file, cfg.roles, opts.cwd);
  const valid = rows.filter((r) => r.spec);
  let pool: Pool | undefined;
  if (opts.apply && valid.length) pool = await ensurePoolAudited(ctx);
  else pool = await findPool(ctx); // a dry run creates nothing: without a pool every valid row would be created
  await mapLimit(valid, ctx.concurrency, async (row) => {
    try {
      ctx.progress(`${row.where} ${row.email}`);
      const live = pool ? await findUser(pool, row.email) : undefined;
      const plan = planUser(row.spec!, live);
      row.fields = plan.fields;
      row.action = plan.action;
      if (live && plan.action === 'updated' && !opts.update) {
        row.action = 'failed';
        row.problem = `${row.email} exists and differs in ${plan.fields.join(', ')}; pass --update to change it`;
        return;
      }
      if (!opts.apply || plan.action === 'unchanged') return;
      const done = await writeUser(ctx, pool!, row.spec!, { update: opts.update, suppressInvite: opts.suppressInvite, audit: { via: 'import', row: row.where } });
      row.action = done.action;
      row.fields = done.fields;
    } catch (err) {
      row.action = 'failed';
      row.problem = failureLine(err);
    }
  });
  const count = (a: ImportRow['action']) => rows.filter((r) => r.action === a).length;
  return {
    file,
    applied: Boolean(opts.apply),
    rows,
    summary: { created: count('created'), updated: count('updated'), unchanged: count('unchanged'), invalid: count('invalid'), failed: count('failed') },
  };
}
