import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isWriteCommand, observeAwsCalls, type AwsCall } from '../../src/aws/clients.js';
import { main } from '../../src/cli.js';
import type { Io } from '../../src/io.js';
import { runCli } from '../helpers/cli.js';
import { makeProject } from '../helpers/project.js';

/**
 * Every directory of tests/fixtures/bad/ is one malformed input:
 * - `files/` is laid over a fresh test project (`__PROJECT__` becomes the project's unique name),
 * - `case.json` gives the command (`args`), what it is about, and `where`: the file:line the one error line names,
 * - optional `before/` + `before` commands set up the live state first (e.g. a published legal version).
 */
interface BadCase {
  about: string;
  args: string[];
  where: string;
  /** A word or phrase the message must contain (what is wrong / the fix). */
  says: string;
  before?: string[][];
}

const ROOT = join(import.meta.dirname, '..', 'fixtures', 'bad');
const cases = readdirSync(ROOT)
  .filter((d) => statSync(join(ROOT, d)).isDirectory())
  .sort()
  .map((name) => ({ name, ...(JSON.parse(readFileSync(join(ROOT, name, 'case.json'), 'utf8')) as BadCase) }));

/** Copies a fixture overlay into the project, naming the project in every file. */
function overlay(from: string, dir: string, project: string): void {
  if (!existsSync(from)) return;
  cpSync(from, dir, { recursive: true });
  const walk = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
  for (const f of walk(from)) {
    const target = join(dir, relative(from, f));
    writeFileSync(target, readFileSync(target, 'utf8').replaceAll('__PROJECT__', project));
  }
}

/**
 * The I/O of a terminal: spinner text is transient there (ora erases it), so it is kept apart from stderr lines;
 * what remains on stderr is what the user reads after the command ends.
 */
function terminalLikeIo(): Io & { stdout: string[]; stderr: string[]; progress: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const progress: string[] = [];
  const spin = { update: (t: string) => void progress.push(t), succeed: (t?: string) => void stderr.push(`✔ ${t ?? ''}`), fail: (t?: string) => void stderr.push(`✖ ${t ?? ''}`), stop() {} };
  return {
    interactive: false,
    color: false,
    stdout,
    stderr,
    progress,
    out: (t) => void stdout.push(t),
    err: (t) => void stderr.push(t),
    spinner: (t) => (progress.push(t), spin),
    confirm: async () => false,
    ask: async () => '',
  };
}

/** Every AWS call the cases made (reads): proof that the observer the "no write" assertion relies on sees calls. */
const observed: AwsCall[] = [];

describe('bad input: exit 65, one stderr line naming file:line, no stack trace, no AWS write call', () => {
  it('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases)('$name ($about)', async (c) => {
    // GIVEN a project with the malformed file laid over it (and the live state the case needs)
    const p = makeProject();
    overlay(join(ROOT, c.name, 'before'), p.dir, p.name);
    for (const args of c.before ?? []) {
      const set = await runCli(args, p.dir);
      expect(set.code, `setup ${args.join(' ')}: ${set.stderr}`).toBe(0);
    }
    overlay(join(ROOT, c.name, 'files'), p.dir, p.name);

    // WHEN the command runs, counting every AWS call
    const calls: AwsCall[] = [];
    const stop = observeAwsCalls((call) => calls.push(call));
    const io = terminalLikeIo();
    let code: number;
    try {
      code = await main(c.args, { io, cwd: p.dir });
    } finally {
      stop();
    }

    // THEN exit 65 with exactly one line on stderr naming the file and line, and not one write
    const stderr = io.stderr.join('\n').replaceAll(`${p.dir}/`, '');
    expect(code, stderr).toBe(65);
    const lines = stderr.split('\n').filter((l) => l.trim());
    expect(lines, stderr).toHaveLength(1);
    expect(lines[0]!.startsWith(`error: ${c.where}:`), lines[0]).toBe(true);
    expect(lines[0]).toContain(c.says);
    expect(stderr).not.toMatch(/\n\s+at |internal error/);
    expect(calls.filter((x) => isWriteCommand(x.command))).toEqual([]);
    observed.push(...calls);
  });

  it('counted the AWS calls of the cases (the no-write assertion above cannot pass by seeing none)', () => {
    // (cases whose input is refused after live state was read, e.g. a stale saved plan or a version going backwards)
    expect(observed.length).toBeGreaterThan(0);
  });
});
