import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/users/csv.js';
import { readImportFile } from '../../src/users/import.js';

const ROLES = ['admin', 'operator', 'support'];

/** readImportFile on `text` saved as people.csv in a fresh directory (pure: no AWS). */
function read(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'turnctl-csv-'));
  writeFileSync(join(dir, 'people.csv'), text);
  return readImportFile('people.csv', ROLES, dir);
}

describe('CSV files as spreadsheets write them (pure)', () => {
  it('GIVEN lone-CR line ends (Excel for Mac "CSV (Macintosh)") WHEN parsed THEN one record per line, lines counted', () => {
    expect(parseCsv('email,name,role\rada@turn.example,Ada,admin\r\rben@turn.example,"Ben\rBen",support\r', 'f.csv')).toEqual([
      { line: 1, cells: ['email', 'name', 'role'] },
      { line: 2, cells: ['ada@turn.example', 'Ada', 'admin'] },
      { line: 4, cells: ['ben@turn.example', 'Ben\rBen', 'support'] },
    ]);
    expect(read('email,name,role\rada@turn.example,Ada,admin\r').map((r) => [r.where, r.action, r.spec])).toEqual([
      ['people.csv:2', 'unchanged', { email: 'ada@turn.example', role: 'admin', name: 'Ada' }],
    ]);
  });

  it('GIVEN empty columns after the last named one (email,name,role,,) WHEN read THEN they are ignored, in the header and in the rows', () => {
    const rows = read('email,name,role,phone,,\r\nada@turn.example,Ada,admin,+4915112345678,,\r\nben@turn.example,Ben,support\r\n');
    expect(rows.map((r) => [r.where, r.action, r.problem])).toEqual([
      ['people.csv:2', 'unchanged', undefined],
      ['people.csv:3', 'unchanged', undefined],
    ]);
    expect(rows[0]!.spec).toEqual({ email: 'ada@turn.example', role: 'admin', name: 'Ada', phone: '+4915112345678' });
  });

  it('GIVEN a row with a value beyond the header WHEN read THEN that row is still invalid, counting only up to its last value', () => {
    const rows = read('email,name,role,,\nada@turn.example,Ada,admin,extra,,\n');
    expect(rows.map((r) => [r.where, r.action, r.problem])).toEqual([['people.csv:2', 'invalid', '4 cells but the header has 3 columns (quote values that contain commas)']]);
  });

  it('GIVEN a header with an empty column between named ones WHEN read THEN exit 65 naming that column', () => {
    expect(() => read('email,,name,role\n')).toThrow('people.csv:1: column 2 of the header has no name; the header must be email,name,role[,phone]');
  });

  it('GIVEN the project directory as the file WHEN read THEN the error still names it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'turnctl-csv-'));
    expect(() => readImportFile('', ROLES, dir)).toThrow(/^\.: is a directory; name a CSV file$/);
  });
});
