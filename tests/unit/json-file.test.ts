import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readYamlFile } from '../../src/config/yaml-file.js';

const dir = mkdtempSync(join(tmpdir(), 'json-file-'));
const read = (text: string, name = 'event.json') => {
  const file = join(dir, name);
  writeFileSync(file, text);
  try {
    return { value: readYamlFile(file).value };
  } catch (err) {
    return { error: (err as Error).message.replace(`${file}`, name) };
  }
};

describe('a .json file (event, saved plan, JSON schema) is held to JSON, errors at file:line:column', () => {
  it.each([
    ['a missing value, which YAML reads as null', '{"httpMethod": "GET",\n  "path": }\n', 'event.json:2:11: JSON syntax error: a value is missing'],
    ['an unquoted key', '{a: 1}', 'event.json:1:2: JSON syntax error: a is not a JSON value (strings and keys need double quotes)'],
    ['a YAML boolean', '{"a": yes}', 'event.json:1:7: JSON syntax error: yes is not a JSON value (strings and keys need double quotes)'],
    ['a trailing comma, which YAML lets through', '{"a": 1,\n "b": 2,\n}', 'event.json:3:1: JSON syntax error: Expected double-quoted property name'],
    ['an unclosed array', '[1,2', 'event.json:1:5: JSON syntax error: Flow sequence must end with a ]'],
  ])('GIVEN %s THEN refused at its line and column', (_name, text, error) => {
    expect(read(text)).toEqual({ error });
  });

  it('GIVEN valid JSON (with a byte-order mark) THEN its value; a .yaml file is still YAML', () => {
    expect(read('\uFEFF{"a": true, "b": null, "c": 1.5e3, "d": ["x"]}')).toEqual({ value: { a: true, b: null, c: 1500, d: ['x'] } });
    expect(read('a: yes\nb: 1', 'x.yaml')).toEqual({ value: { a: 'yes', b: 1 } });
  });
});
