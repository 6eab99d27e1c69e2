import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Option } from 'commander';
import { UsageError } from '../errors.js';
import type { Io } from '../io.js';
import { redactText } from '../secrets/known.js';

export type OutputFormat = 'text' | 'json';

/** `--stage <name>` (required). */
export const stageOption = () => new Option('-s, --stage <name>', 'stage from turnctl.yaml (local, staging, prod)').makeOptionMandatory();
/** `--output text|json`. */
export const outputOption = () => new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text');
/** `--yes`. */
export const yesOption = () => new Option('-y, --yes', 'do not ask for confirmation (required when not a TTY)');

/**
 * ctx.progress for commands that print no spinner: a line on stderr at a terminal; nothing when stderr is not a TTY
 * (or NO_COLOR), the same rule as spinners, so a script's stderr keeps only warnings and errors.
 */
export function progressLines(io: Io): (text: string) => void {
  return (text) => {
    if (io.color) io.err(text);
  };
}

/** Fixed-width table of rows (first row is the header). */
export function table(input: string[][]): string[] {
  // One row per line: a cell written over several lines (a YAML `summary: |`) is folded onto one.
  const rows = input.map((r) => r.map((c) => (typeof c === 'string' ? oneLine(c) : c)));
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

/** Text on one line: each run of whitespace holding a line break becomes one space. */
export function oneLine(text: string): string {
  return text.includes('\n') || text.includes('\r') ? text.replace(/\s*[\r\n]\s*/g, ' ').trim() : text;
}

/** Prints JSON (stable, 2-space) or the text rendering to stdout. */
export function printResult(io: Io, format: OutputFormat | string | undefined, data: unknown, text: () => string | string[]): void {
  if (format === 'json') io.out(JSON.stringify(data, null, 2));
  else {
    const t = text();
    for (const line of Array.isArray(t) ? t : [t]) io.out(line);
  }
}

/** Parses a duration like 90s, 15m, 1h, 2d into milliseconds; a bad one is a usage error. */
export function parseDuration(value: string, flag = '--since'): number {
  const m = /^(\d+)\s*(s|m|h|d)$/.exec(value.trim());
  if (!m) throw new UsageError(`${flag} "${value}" is not a duration; use e.g. 90s, 15m, 1h or 2d`);
  const ms = Number(m[1]) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[m[2] as 's' | 'm' | 'h' | 'd'];
  // Further back than 1970 is no time CloudWatch Logs can be asked for (a negative or NaN startTime it answers with 500s).
  if (!Number.isSafeInteger(ms) || ms > Date.now()) throw new UsageError(`${flag} "${value}" reaches back before 1970; use e.g. 90s, 15m, 1h or 2d`);
  return ms;
}

/**
 * Writes a result file named by an option (`--out`, `--file`) all at once: a reader never sees half of it, and an
 * interrupted write leaves the previous file. A path that cannot be written is a usage error naming it.
 */
export function writeResultFile(cwd: string, file: string, text: string, flag: string): string {
  const path = resolve(cwd, file);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, redactText(text)); // a saved plan, an export: like stdout, never a secret
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? `directory ${dirname(path)} does not exist` : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : String((err as Error).message);
    throw new UsageError(`${flag} ${file}: cannot write the file (${why}); give a writable path`);
  }
  return path;
}
