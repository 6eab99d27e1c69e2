import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { LineCounter, parseDocument, isMap, isPair, isScalar, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { InvalidInputError } from '../errors.js';

export type Path = ReadonlyArray<string | number>;

/** A parsed YAML (or JSON) file that can say where any path in it is: `file:line:column`. */
export interface SourceFile<T> {
  readonly file: string;
  readonly value: T;
  readonly text: string;
  /** `file:line:column` of the value at `path` (or of its nearest existing parent). */
  where(path: Path, key?: boolean): string;
  /** An InvalidInputError pointing at `path`. */
  error(path: Path, problem: string): InvalidInputError;
}

/** Display form of a file path: relative to the working directory when inside it. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

function nodeAt(doc: Document, path: Path, key: boolean): Node | undefined {
  let node: unknown = doc.contents;
  for (let i = 0; i < path.length; i++) {
    if (!isMap(node) && !(node && typeof node === 'object' && 'items' in node)) return node as Node;
    const seg = path[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return node as Node;
      if (i === path.length - 1 && key) return pair.key as Node;
      node = pair.value ?? pair.key;
    } else {
      const items = (node as { items: unknown[] }).items;
      if (typeof seg !== 'number' || !items[seg]) return node as Node;
      node = items[seg];
    }
  }
  return node as Node;
}

/** Reads and parses a YAML/JSON file without validating it; syntax errors name file:line:column. */
export function readYamlFile(file: string): SourceFile<unknown> {
  const shown = displayPath(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InvalidInputError(shown, code === 'ENOENT' ? 'file not found' : `cannot read file (${code})`);
  }
  const lineCounter = new LineCounter();
  // A .json file is JSON: read with YAML's JSON schema (errors located at line:column), then held to JSON.parse, which
  // also refuses what YAML lets through (trailing commas). YAML would read `{"path": }` as a null path.
  const json = /\.json$/i.test(file);
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: !json, ...(json ? { schema: 'json' as const } : {}) });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = lineCounter.linePos(e.pos[0]);
    const raw = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '');
    const unquoted = /^Unresolved plain scalar "(.*)"$/.exec(raw);
    const msg = json && unquoted ? (unquoted[1] ? `${unquoted[1]} is not a JSON value (strings and keys need double quotes)` : 'a value is missing') : raw;
    throw new InvalidInputError(`${shown}:${pos.line}:${pos.col}`, `${json ? 'JSON' : 'YAML'} syntax error: ${msg}`);
  }
  if (json && text.trim()) {
    try {
      JSON.parse(text.replace(/^\uFEFF/, ''));
    } catch (err) {
      const at = /at position (\d+)/.exec((err as Error).message);
      const pos = lineCounter.linePos(at ? Number(at[1]) : 0);
      throw new InvalidInputError(`${shown}:${pos.line}:${pos.col}`, `JSON syntax error: ${(err as Error).message.replace(/ in JSON at position \d+.*$/, '')}`);
    }
  }
  const where = (path: Path, key = false) => {
    const node = nodeAt(doc, path, key);
    const offset = node?.range?.[0] ?? 0;
    const pos = lineCounter.linePos(offset);
    return `${shown}:${pos.line}:${pos.col}`;
  };
  return {
    file,
    text,
    value: doc.toJS({ maxAliasCount: 100 }) as unknown,
    where,
    error: (path, problem) => new InvalidInputError(where(path), problem),
  };
}

function closest(word: string, options: string[]): string | undefined {
  const dist = (a: string, b: string) => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0]![j] = j;
    for (let i = 1; i <= a.length; i++)
      for (let j = 1; j <= b.length; j++)
        d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    return d[a.length]![b.length]!;
  };
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const dd = dist(word, o);
    if (dd < bestD) [best, bestD] = [o, dd];
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function knownKeys(schema: z.ZodType, path: Path): string[] {
  // Walk the schema along the path to list the allowed keys of the object that had an unknown one.
  let s: any = schema;
  const unwrap = () => {
    for (let i = 0; i < 10 && s; i++) {
      const def = s._zod?.def;
      if (!def) return;
      if (def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'pipe') s = def.innerType ?? def.in;
      else return;
    }
  };
  for (const seg of path) {
    unwrap();
    const def = s?._zod?.def;
    if (!def) return [];
    if (def.type === 'object') s = def.shape[seg as string];
    else if (def.type === 'record') s = def.valueType;
    else if (def.type === 'array') s = def.element;
    else if (def.type === 'union') s = def.options.find((o: any) => o._zod?.def?.type === 'object');
    else return [];
  }
  unwrap();
  const def = s?._zod?.def;
  if (def?.type === 'union') s = def.options.find((o: any) => o._zod?.def?.type === 'object');
  return s?._zod?.def?.type === 'object' ? Object.keys(s._zod.def.shape) : [];
}

function describe(issue: z.core.$ZodIssue, schema: z.ZodType): { path: Path; key: boolean; text: string } {
  const path = issue.path as Path;
  const name = path.length ? path.join('.') : '(top level)';
  switch (issue.code) {
    case 'unrecognized_keys': {
      const k = issue.keys[0]!;
      const allowed = knownKeys(schema, path);
      const guess = closest(k, allowed);
      const fix = guess ? `did you mean "${guess}"?` : allowed.length ? `allowed keys: ${allowed.join(', ')}` : 'remove it';
      return { path: [...path, k], key: true, text: `unknown key "${[...path, k].join('.')}"; ${fix}` };
    }
    case 'invalid_type': {
      const missing = issue.message.includes('received undefined');
      return missing
        ? { path: path.slice(0, -1), key: false, text: `missing required key "${name}"; add it (expected ${issue.expected})` }
        : { path, key: false, text: `"${name}" must be ${issue.expected === 'object' ? 'a mapping' : issue.expected === 'array' ? 'a list' : `${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`}; ${issue.message.replace(/^Invalid input: /, '')}` };
    }
    case 'invalid_value':
      return { path, key: false, text: `"${name}" must be one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` };
    case 'invalid_key': {
      // A bad name in a mapping of names (functions, stages, environment keys): point at the key, say what names may be.
      const inner = issue.issues[0]?.message ?? issue.message;
      const parent = path.slice(0, -1).join('.') || '(top level)';
      return { path, key: true, text: `invalid name "${String(path[path.length - 1])}" under "${parent}": ${inner}` };
    }
    case 'invalid_union': {
      // `false | {…}` and the like: when exactly one alternative got past the value's own type, its problem is the
      // one to report (at its own path), not zod's bare "Invalid input". A union with its own message keeps it.
      const deeper = issue.errors.filter((errs) => errs.some((e) => e.path.length > 0));
      if (deeper.length === 1 && issue.message === 'Invalid input') {
        const inner = deeper[0]!.find((e) => e.path.length > 0)!;
        return describe({ ...inner, path: [...path, ...inner.path] } as z.core.$ZodIssue, schema);
      }
      return { path, key: false, text: `"${name}": ${issue.message}` };
    }
    default:
      return { path, key: false, text: `"${name}": ${issue.message}` };
  }
}

/** Validates a parsed file against a zod schema; the first problem becomes an InvalidInputError at its file:line:column. */
export function validate<S extends z.ZodType>(src: SourceFile<unknown>, schema: S): SourceFile<z.output<S>> {
  const result = schema.safeParse(src.value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const d = describe(issue, schema);
    throw new InvalidInputError(src.where(d.path, d.key), d.text);
  }
  return { ...src, value: result.data };
}

/** Reads a YAML/JSON file and validates it with a zod schema. */
export function loadYaml<S extends z.ZodType>(file: string, schema: S): SourceFile<z.output<S>> {
  return validate(readYamlFile(file), schema);
}
