import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;
/** The turnctl package root (where its package.json, sandbox/ and src/lambdas/lib live). */
export function packageRoot(): string {
  if (root) return root;
  let d = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(d, 'package.json');
    if (existsSync(pj) && JSON.parse(readFileSync(pj, 'utf8')).name === 'turnctl') return (root = d);
    const up = dirname(d);
    if (up === d) throw new Error('turnctl package root not found');
    d = up;
  }
}

/** The project's private state directory (.turnctl/). */
export function stateDir(projectDir: string): string {
  return join(projectDir, '.turnctl');
}
