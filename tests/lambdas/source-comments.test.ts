import { describe, expect, it } from 'vitest';
import { blankComments } from '../../src/checks/source-comments.js';

describe('blankComments', () => {
  it('GIVEN line and block comments THEN they become spaces and every line keeps its place', () => {
    const src = "a(); // b()\n/* c()\n d() */ e();\n";
    const out = blankComments(src);
    expect(out).toHaveLength(src.length);
    expect(out.split('\n').map((l) => l.trim())).toEqual(['a();', '', 'e();', '']);
  });

  it.each([
    ['a string', "const u = 'https://x/*y*/';"],
    ['a double-quoted string with an escaped quote', 'const s = "say \\"//\\" twice";'],
    ['a regex literal', 'const r = s.replace(/\\/*$/, "");'],
    ['a regex after return', 'function f() { return /[/*]/.test(x); }'],
    ['a template with an expression', 'const t = `a // ${b ? `c /* ${d}` : "//"} e`;'],
  ])('GIVEN %s THEN nothing in it is taken for a comment', (_, src) => {
    expect(blankComments(src)).toBe(src);
  });

  it('GIVEN a division THEN a comment after it is still blanked', () => {
    expect(blankComments('const x = a / b; // half\n')).toBe('const x = a / b;        \n');
  });
});
