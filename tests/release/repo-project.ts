import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A copy of this repository's TURN project under a unique project name (node_modules linked). */
export function copyRepoProject(): { dir: string; name: string } {
  const dir = mkdtempSync(join(tmpdir(), 'turnctl-turn-'));
  for (const p of ['turnctl.yaml', 'tracking-plan.yaml', 'src/lambdas', 'src/db', 'db', 'legal', 'layers', 'gateway', 'releases']) cpSync(join(process.cwd(), p), join(dir, p), { recursive: true });
  symlinkSync(join(process.cwd(), 'node_modules'), join(dir, 'node_modules'));
  const name = `turn${randomBytes(3).toString('hex')}`;
  edit(dir, 'turnctl.yaml', (t) => t.replace('project: turn', `project: ${name}`));
  return { dir, name };
}

/** Rewrites a file of the copy; an edit that changes nothing is a broken test. */
export function edit(dir: string, file: string, fn: (t: string) => string): void {
  const before = readFileSync(join(dir, file), 'utf8');
  const after = fn(before);
  if (after === before) throw new Error(`edit of ${file} changed nothing`);
  writeFileSync(join(dir, file), after);
}
