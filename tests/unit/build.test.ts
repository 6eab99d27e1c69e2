import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { bundleFunction } from '../../src/build/bundle.js';
import { deterministicZip } from '../../src/build/zip.js';
import { spawnCli } from '../helpers/cli.js';

const fn = { entry: undefined, external: [], runtime: 'nodejs22.x' as const };

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'turnctl-build-'));
  mkdirSync(join(dir, 'src/lambdas/a'), { recursive: true });
  writeFileSync(join(dir, 'src/lambdas/a/index.ts'), "import { x } from './x';\nexport const handler = async () => ({ statusCode: 200, body: x });\n");
  writeFileSync(join(dir, 'src/lambdas/a/x.ts'), "export const x = 'hello';\n");
  writeFileSync(join(dir, 'turnctl.yaml'), 'project: b\nstages:\n  local: { account: "123456789012", sandbox: true }\nfunctions:\n  a: {}\n');
  return dir;
}

describe('deterministic builds', () => {
  it('GIVEN the same entries in any order THEN the zip bytes are identical', () => {
    const a = deterministicZip({ 'b.txt': new TextEncoder().encode('b'), 'a.txt': new TextEncoder().encode('a') });
    const b = deterministicZip({ 'a.txt': new TextEncoder().encode('a'), 'b.txt': new TextEncoder().encode('b') });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Object.keys(unzipSync(a))).toEqual(['a.txt', 'b.txt']);
  });

  it('GIVEN the same source in two directories, at different times and in different time zones THEN the sha256 is the same', async () => {
    const one = await bundleFunction(project(), mkdtempSync(join(tmpdir(), 'st-')), 'a', fn);
    // Another process (the built CLI), another directory, another time zone.
    const r = await spawnCli(['build', '--output', 'json'], project(), { TZ: 'Pacific/Kiritimati' });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)[0].sha256).toBe(one.sha256);
    // A function named twice is built and listed once.
    const twice = await spawnCli(['build', 'a', 'a', '--output', 'json'], project());
    expect(JSON.parse(twice.stdout).map((x: { function: string; sha256: string }) => [x.function, x.sha256])).toEqual([['a', one.sha256]]);
    expect(unzipSync(readFileSync(one.path))['index.mjs']).toBeDefined();
    expect(one.codeSha256).toBe(Buffer.from(one.sha256, 'hex').toString('base64'));
  });

  it('GIVEN one changed line THEN the hash changes', async () => {
    const dir = project();
    const before = await bundleFunction(dir, mkdtempSync(join(tmpdir(), 'st-')), 'a', fn);
    writeFileSync(join(dir, 'src/lambdas/a/x.ts'), "export const x = 'hello!';\n");
    const after = await bundleFunction(dir, mkdtempSync(join(tmpdir(), 'st-')), 'a', fn);
    expect(after.sha256).not.toBe(before.sha256);
  });
});
