// A commented-out `obs.track('X')` emits nothing, so the tracking-plan check must not count it. This blanks the
// comments of JS/TS source with spaces (newlines kept), so every index and line number of the rest stays the same.
// A small lexer rather than a regex: `//` in a string ('https://…') or `/*` in a regex literal is not a comment.

/** After these words a `/` starts a regex literal, not a division. */
const REGEX_AFTER_WORD = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await']);

/** `src` with every comment replaced by spaces (line breaks kept); strings, templates and regex literals untouched. */
export function blankComments(src: string): string {
  const out = src.split('');
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  const templates: number[] = []; // brace depth at each open `${`, to know which `}` resumes its template
  let depth = 0;
  let regexAllowed = true;
  let i = 0;
  // Scans template text from i (just inside a backtick or after a `${…}`) to its end or its next `${`.
  const template = () => {
    while (i < src.length) {
      const c = src[i];
      if (c === '\\') i += 2;
      else if (c === '`') return void (i += 1);
      else if (c === '$' && src[i + 1] === '{') {
        templates.push(depth++);
        i += 2;
        regexAllowed = true;
        return;
      } else i += 1;
    }
  };
  while (i < src.length) {
    const c = src[i]!;
    const next = src[i + 1];
    if (c === '/' && (next === '/' || next === '*')) {
      const end = next === '/' ? src.indexOf('\n', i) : src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : next === '/' ? end : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === '"' || c === "'") {
      for (i += 1; i < src.length && src[i] !== c && src[i] !== '\n'; i += src[i] === '\\' ? 2 : 1);
      i += 1;
      regexAllowed = false;
    } else if (c === '`') {
      i += 1;
      template();
      regexAllowed = false;
    } else if (c === '/' && regexAllowed) {
      i = regexEnd(src, i);
      regexAllowed = false;
    } else if (/[\w$]/.test(c)) {
      const start = i;
      while (i < src.length && /[\w$]/.test(src[i]!)) i += 1;
      regexAllowed = REGEX_AFTER_WORD.has(src.slice(start, i));
    } else if (/\s/.test(c)) {
      i += 1;
    } else {
      i += 1;
      if (c === '{') depth += 1;
      else if (c === '}') {
        depth -= 1;
        if (templates.length && templates[templates.length - 1] === depth) {
          templates.pop();
          template();
        }
      }
      regexAllowed = !(c === ')' || c === ']' || c === '}');
    }
  }
  return out.join('');
}

/** The index after a regex literal starting at `start` (its flags included); a `/` with no end on its line is a division. */
function regexEnd(src: string, start: number): number {
  let inClass = false;
  for (let i = start + 1; i < src.length; i++) {
    const c = src[i];
    if (c === '\n') return start + 1;
    if (c === '\\') i += 1;
    else if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '/' && !inClass) {
      let end = i + 1;
      while (end < src.length && /[a-z]/i.test(src[end]!)) end += 1;
      return end;
    }
  }
  return start + 1;
}
