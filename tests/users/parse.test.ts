import { describe, expect, it } from 'vitest';
import { csvCell, csvValue, parseCsv } from '../../src/users/csv.js';
import { emailProblem, phoneProblem, userSpec } from '../../src/users/validate.js';
import { planUser } from '../../src/users/users.js';

describe('CSV parsing (pure)', () => {
  it('keeps the line each record starts on, across quoted newlines, CRLF and blank lines', () => {
    const text = 'email,name,role\r\n"a@x.de","Doe, ""Jo""\nSecond line",admin\r\n\r\nb@x.de,B,support';
    expect(parseCsv(text, 'f.csv')).toEqual([
      { line: 1, cells: ['email', 'name', 'role'] },
      { line: 2, cells: ['a@x.de', 'Doe, "Jo"\nSecond line', 'admin'] },
      { line: 5, cells: ['b@x.de', 'B', 'support'] },
    ]);
  });

  it('an unterminated quote is an error at the line where it opened', () => {
    expect(() => parseCsv('email,name,role\nx@y.de,"open,admin\n', 'f.csv')).toThrow('f.csv:2: unterminated quoted field');
  });
});

describe('CSV formula guard (pure)', () => {
  it.each([
    ['=HYPERLINK("https://evil.example","click")', `"'=HYPERLINK(""https://evil.example"",""click"")"`],
    ['@SUM(1)', "'@SUM(1)"],
    ['+1+2', "'+1+2"],
    ['-2+3', "'-2+3"],
    ['\tTab', "'\tTab"],
    ['\rCR', `"'\rCR"`],
    ["'=already quoted", "''=already quoted"],
    ['+4915112345678', '+4915112345678'],
    ['Ada Lovelace', 'Ada Lovelace'],
    ["O'Brien", "O'Brien"],
    ["'plain", "'plain"],
  ])('GIVEN %j WHEN exported THEN the cell is %j, and parsing it back gives the value', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
    const [record] = parseCsv(`${cell}\n`, 'f.csv');
    expect(csvValue(record!.cells[0]!)).toBe(value);
  });
});

describe('user validation (pure)', () => {
  it.each(['ada@turn.example', 'first.last+tag@sub.turn.example', "o'brien@x.de"])('accepts %s', (e) => expect(emailProblem(e)).toBeUndefined());
  it.each(['ada', 'ada@', '@x.de', 'a b@x.de', 'ada@x', 'ada@x..de', 'a@-x.de'])('rejects %s', (e) => expect(emailProblem(e)).toBeDefined());
  it.each([['+4915112345678', true], ['+1 555 0100', false], ['015112345678', false], ['+0123456789', false], ['+12345', false]])('phone %s valid=%s', (ph, ok) =>
    expect(phoneProblem(ph) === undefined).toBe(ok),
  );
  it('normalises the email and names every problem at once', () => {
    expect(userSpec({ email: ' Ada@Turn.Example ', role: 'admin' }, ['admin'])).toEqual({ email: 'ada@turn.example', role: 'admin' });
    expect(() => userSpec({ email: 'x', role: 'boss', phone: '1' }, ['admin'])).toThrow(/not a valid email.*unknown role "boss".*E\.164/);
  });
  it('GIVEN a blank --name WHEN the spec is made THEN it is no name, so a re-run of add --update plans no change', () => {
    const spec = userSpec({ email: 'a@x.de', role: 'admin', name: '   ' }, ['admin']);
    expect(spec).toEqual({ email: 'a@x.de', role: 'admin' });
    const live = { email: 'a@x.de', username: 'u', roles: ['admin'], status: 'confirmed', enabled: true };
    expect(planUser(spec, live)).toEqual({ action: 'unchanged', fields: [] });
  });
  it('plans create / update (only given fields) / unchanged', () => {
    const live = { email: 'a@x.de', username: 'u', name: 'A', roles: ['admin'], status: 'confirmed', enabled: true };
    expect(planUser({ email: 'a@x.de', role: 'admin' }, undefined).action).toBe('created');
    expect(planUser({ email: 'a@x.de', role: 'admin' }, live)).toEqual({ action: 'unchanged', fields: [] });
    expect(planUser({ email: 'a@x.de', role: 'support', name: 'B', phone: '+4915112345678' }, live)).toEqual({ action: 'updated', fields: ['name', 'phone', 'role'] });
  });
});
