import { InvalidInputError } from '../errors.js';
import { phoneProblem } from './validate.js';

/** One CSV record and the line it starts on (1-based). */
export interface CsvRecord {
  line: number;
  cells: string[];
}

/**
 * Parses CSV text (RFC 4180: comma separated, double-quoted fields may hold commas, quotes as "" and newlines; records
 * end with LF, CRLF or a lone CR). Blank lines are skipped; an unterminated quote is an InvalidInputError at `file:line`.
 */
export function parseCsv(text: string, file: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const src = text.replace(/^\uFEFF/, '');
  let line = 1;
  let i = 0;
  while (i < src.length) {
    const start = line;
    const cells: string[] = [];
    let cell = '';
    let quotedStart = 0;
    let inQuotes = false;
    let done = false;
    while (i < src.length && !done) {
      const c = src[i]!;
      if (inQuotes) {
        if (c === '"' && src[i + 1] === '"') {
          cell += '"';
          i += 2;
        } else if (c === '"') {
          inQuotes = false;
          i++;
        } else {
          if (c === '\n' || (c === '\r' && src[i + 1] !== '\n')) line++;
          cell += c;
          i++;
        }
      } else if (c === '"' && cell.trim() === '') {
        inQuotes = true;
        quotedStart = line;
        cell = '';
        i++;
      } else if (c === ',') {
        cells.push(cell);
        cell = '';
        i++;
      } else if (c === '\n' || c === '\r') {
        // LF, CRLF, or a lone CR (what Excel for Mac's "CSV (Macintosh)" writes) ends the record.
        line++;
        i += c === '\r' && src[i + 1] === '\n' ? 2 : 1;
        done = true;
      } else {
        cell += c;
        i++;
      }
    }
    if (inQuotes) throw new InvalidInputError(`${file}:${quotedStart}`, 'unterminated quoted field; close the " or remove it');
    cells.push(cell);
    if (cells.length === 1 && cells[0]!.trim() === '') continue;
    records.push({ line: start, cells: cells.map((c) => c.trim()) });
  }
  return records;
}

// A cell a spreadsheet would run as a formula starts with one of = @ + - tab CR (OWASP "CSV injection"). The export
// puts a ' in front, which spreadsheets show as text; the import takes exactly one off again. Quotes already in front of
// such a character are counted in, so a value that itself starts with '= also comes back as it was.
const FORMULA_START = /^'*[=@+\-\t\r]/;
const GUARDED = /^'+[=@+\-\t\r]/;

/** A value as an export cell: guarded against formula injection (a plain E.164 phone is left as is), then RFC 4180 quoted. */
export function csvCell(value: string): string {
  const v = FORMULA_START.test(value) && phoneProblem(value) !== undefined ? `'${value}` : value;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** An import cell's value: the one ' that csvCell put before a formula character is taken off. */
export function csvValue(cell: string): string {
  return GUARDED.test(cell) ? cell.slice(1) : cell;
}
