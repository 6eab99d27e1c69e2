import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { Ctx } from '../context.js';
import { failureLine, InvalidInputError } from '../errors.js';
import { mapLimit } from '../aws/clients.js';
import { parseCsv } from './csv.js';
import { ensurePoolAudited, findUser, planUser, writeUser, type UserAction } from './users.js';
import { findPoolId, poolConfig, type Pool } from './pool.js';
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

/** Reads and validates an import file: the header is checked as a whole (exit 65), each row on its own. */
export function readImportFile(file: string, roles: readonly string[], cwd: string): ImportRow[] {
  const abs = resolve(cwd, file);
  const shown = relative(cwd, abs).startsWith('..') ? abs : relative(cwd, abs);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InvalidInputError(shown, code === 'ENOENT' ? 'file not found' : `cannot read file (${code})`);
  }
  const records = parseCsv(text, shown);
  if (records.length === 0) throw new InvalidInputError(`${shown}:1`, 'empty file; the first line must be the header email,name,role[,phone]');
  const header = records[0]!;
  const names = header.cells.map((c) => c.toLowerCase());
  const unknown = names.find((n) => !(COLUMNS as readonly string[]).includes(n));
  if (unknown !== undefined)
    throw new InvalidInputError(`${shown}:${header.line}`, `unknown column "${unknown}" in the header; the header must be email,name,role[,phone]`);
  const missing = REQUIRED.find((r) => !names.includes(r));
  if (missing) throw new InvalidInputError(`${shown}:${header.line}`, `the header has no "${missing}" column; the first line must be email,name,role[,phone]`);
  if (new Set(names).size !== names.length) throw new InvalidInputError(`${shown}:${header.line}`, 'a column appears twice in the header');
  const col = (cells: string[], name: string) => {
    const i = names.indexOf(name);
    return i < 0 ? '' : (cells[i] ?? '');
  };
  const seen = new Map<string, number>();
  return records.slice(1).map((r): ImportRow => {
    const where = `${shown}:${r.line}`;
    const input = { email: col(r.cells, 'email'), name: col(r.cells, 'name'), role: col(r.cells, 'role'), phone: col(r.cells, 'phone') };
    const problems = r.cells.length > names.length ? [`${r.cells.length} cells but the header has ${names.length} columns (quote values that contain commas)`] : userProblems(input, roles);
    const email = normaliseEmail(input.email);
    if (!problems.length && seen.has(email)) problems.push(`${email} already appears on line ${seen.get(email)}; keep one row per user`);
    if (problems.length) return { line: r.line, where, email, action: 'invalid', problem: problems.join('; ') };
    seen.set(email, r.line);
    const spec: UserSpec = { email, role: input.role, ...(input.name ? { name: input.name } : {}), ...(input.phone ? { phone: input.phone } : {}) };
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
  else {
    const id = await findPoolId(ctx, cfg.name);
    if (id) pool = { ...cfg, id, cognito: await ctx.aws.cognito() };
  }
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
