// Static detection of destructive statements in a migration's `up` (what a release must opt into with
// allowDestructive). It reads the source, never runs it: comments are ignored, string contents are only
// looked at inside raw SQL calls, and `down` is not scanned (undoing a create is expected to drop).

/** One destructive statement: its kind and 1-based line in the file. */
export interface DestructiveFinding {
  kind: 'drop table' | 'drop schema' | 'truncate' | 'drop column' | 'rename table' | 'rename column' | 'type change' | 'NOT NULL without default' | 'raw SQL';
  line: number;
  /** The offending source line, trimmed. */
  text: string;
}

interface Literal {
  start: number; // offset of the opening quote
  end: number; // offset after the closing quote
  body: string;
}

/** Blanks comments and string contents (keeping offsets and newlines) and collects the string literals. */
function tokenize(src: string): { code: string; literals: Literal[] } {
  const out = src.split('');
  const literals: Literal[] = [];
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '/' && src[i + 1] === '/') {
      const end = src.indexOf('\n', i);
      const to = end < 0 ? src.length : end;
      blank(i, to);
      i = to;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      const to = end < 0 ? src.length : end + 2;
      blank(i, to);
      i = to;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\') j++;
        else if (c !== '`' && src[j] === '\n') break;
        j++;
      }
      literals.push({ start: i, end: j + 1, body: src.slice(i + 1, j) });
      blank(i + 1, j);
      i = j + 1;
    } else i++;
  }
  return { code: out.join(''), literals };
}

/** Offset of the bracket matching the one at `open` in blanked code (or the end). */
function matching(code: string, open: number): number {
  const pairs: Record<string, string> = { '(': ')', '{': '}', '[': ']' };
  const stack: string[] = [];
  for (let i = open; i < code.length; i++) {
    const c = code[i]!;
    if (pairs[c]) stack.push(pairs[c]!);
    else if (c === stack[stack.length - 1]) {
      stack.pop();
      if (!stack.length) return i;
    }
  }
  return code.length;
}

/** Offset where the expression starting at `from` ends: a `;` or closing bracket at depth 0, or a new `export` line. */
function expressionEnd(code: string, from: number): number {
  let depth = 0;
  for (let i = from; i < code.length; i++) {
    const c = code[i]!;
    if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') {
      if (depth === 0) return i;
      depth--;
    } else if (depth === 0 && (c === ';' || (c === '\n' && /^\s*export\b/.test(code.slice(i + 1))))) return i;
  }
  return code.length;
}

/**
 * The [start, end) range of the exported `up` function's body, or the whole file when it cannot be found. The shape
 * of `up` itself decides (declaration, function expression, arrow with a block or an expression body): an arrow
 * callback inside up's body is not up.
 */
function upRange(code: string): [number, number] {
  const m = /export\s+(?:async\s+)?function\s+up\s*\(|export\s+(?:const|let|var)\s+up\s*=|(?:^|[\s;])(?:exports\.up|module\.exports\.up)\s*=/m.exec(code);
  if (!m) return [0, code.length];
  const blockFrom = (paramsOpen: number): [number, number] => {
    const brace = paramsOpen < 0 ? -1 : code.indexOf('{', matching(code, paramsOpen) + 1);
    return brace < 0 ? [m.index, code.length] : [m.index, matching(code, brace) + 1];
  };
  const after = m.index + m[0].length;
  if (m[0].endsWith('(')) return blockFrom(after - 1); // export [async] function up(…) {…}
  const value = /^\s*(?:async\b\s*)?/.exec(code.slice(after))![0].length + after;
  if (/^function\b/.test(code.slice(value))) return blockFrom(code.indexOf('(', value)); // up = [async] function (…) {…}
  // up = [async] (…) => … | up = [async] knex => …
  const params = code[value] === '(' ? matching(code, value) + 1 : value + /^[\w$]*/.exec(code.slice(value))![0].length;
  const arrow = /^\s*=>\s*/.exec(code.slice(params));
  if (!arrow) return [m.index, code.length];
  const body = params + arrow[0].length;
  return code[body] === '{' ? [m.index, matching(code, body) + 1] : [m.index, expressionEnd(code, body)];
}

const CALLS: Array<{ re: RegExp; kind: DestructiveFinding['kind'] }> = [
  { re: /\.\s*dropTable(?:IfExists)?\s*\(/g, kind: 'drop table' },
  // dropSchema(name, true) cascades to every table in it; without cascade it only drops an empty one, but says nothing.
  { re: /\.\s*dropSchema(?:IfExists)?\s*\(/g, kind: 'drop schema' },
  // The query builder's truncate() empties the table like raw TRUNCATE (which is flagged below).
  { re: /\.\s*truncate\s*\(/g, kind: 'truncate' },
  // dropTimestamps() drops the created_at and updated_at columns.
  { re: /\.\s*drop(?:Column|Columns|Timestamps)\s*\(/g, kind: 'drop column' },
  { re: /\.\s*renameTable\s*\(/g, kind: 'rename table' },
  { re: /\.\s*renameColumn\s*\(/g, kind: 'rename column' },
  { re: /\.\s*alter\s*\(/g, kind: 'type change' },
  { re: /\.\s*alterType\s*\(/g, kind: 'type change' },
  { re: /\.\s*dropNullable\s*\(/g, kind: 'NOT NULL without default' },
];

const RAW_SQL: RegExp[] = [/\bDROP\b/i, /\bALTER\b[^;]*?\bTYPE\b/i, /\bRENAME\b/i, /\bSET\s+NOT\s+NULL\b/i, /\bTRUNCATE\b/i];

/** Scans one migration's source for destructive statements in its `up`; findings sorted by line. */
export function findDestructive(source: string): DestructiveFinding[] {
  const { code, literals } = tokenize(source);
  const [from, to] = upRange(code);
  const lines = source.split('\n');
  const lineAt = (offset: number) => source.slice(0, offset).split('\n').length;
  const finding = (kind: DestructiveFinding['kind'], offset: number): DestructiveFinding => {
    const line = lineAt(offset);
    return { kind, line, text: lines[line - 1]!.trim() };
  };
  const found: DestructiveFinding[] = [];
  const inUp = (o: number) => o >= from && o < to;

  for (const { re, kind } of CALLS) for (const m of code.matchAll(re)) if (inUp(m.index!)) found.push(finding(kind, m.index!));

  // NOT NULL added to an existing table without a default: `.notNullable()` inside alterTable()/table() whose
  // statement has no `.defaultTo(`. Inside createTable() it is fine (the table is new and empty).
  const scopes: Array<{ start: number; end: number; alter: boolean }> = [];
  for (const m of code.matchAll(/\.\s*(createTable(?:IfNotExists)?|alterTable|table)\s*\(/g)) {
    const open = m.index! + m[0].length - 1;
    scopes.push({ start: open, end: matching(code, open), alter: m[1] !== 'createTable' && m[1] !== 'createTableIfNotExists' });
  }
  for (const m of code.matchAll(/\.\s*notNullable\s*\(/g)) {
    const at = m.index!;
    if (!inUp(at)) continue;
    const scope = scopes.filter((s) => s.start < at && at < s.end).sort((a, b) => b.start - a.start)[0];
    if (!scope?.alter) continue;
    const before = Math.max(code.lastIndexOf(';', at), code.lastIndexOf('{', at), code.lastIndexOf('}', at));
    const after = [code.indexOf(';', at), code.indexOf('}', at)].filter((x) => x >= 0);
    const statement = code.slice(before + 1, after.length ? Math.min(...after) : code.length);
    if (!/\.\s*defaultTo\s*\(/.test(statement)) found.push(finding('NOT NULL without default', at + m[0].indexOf('notNullable')));
  }

  // Raw SQL: string literals passed to raw(...) — the line of the offending keyword.
  for (const lit of literals) {
    if (!inUp(lit.start)) continue;
    const head = code.slice(Math.max(0, lit.start - 40), lit.start);
    if (!/\braw\s*\(\s*$/.test(head) && !/\braw\s*$/.test(head)) continue;
    let first: number | undefined;
    for (const re of RAW_SQL) {
      const m = re.exec(lit.body);
      if (m && (first === undefined || m.index < first)) first = m.index;
    }
    if (first !== undefined) found.push(finding('raw SQL', lit.start + 1 + first));
  }
  const seen = new Set<string>();
  return found
    .sort((a, b) => a.line - b.line || a.kind.localeCompare(b.kind))
    .filter((f) => {
      const k = `${f.kind}:${f.line}`;
      return seen.has(k) ? false : (seen.add(k), true);
    });
}
