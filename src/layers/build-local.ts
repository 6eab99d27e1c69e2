import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Ctx } from '../context.js';
import { artifactsDir, storeArtifact } from '../build/artifacts.js';
import { deterministicZip, directoryEntries } from '../build/zip.js';
import { TurnctlError } from '../errors.js';
import { LOCK_FILE } from './resolve.js';
import { shortHash, type LayerTarget } from './targets.js';

const run = promisify(execFile);

/** A layer zip built on this machine, in the artifact cache. */
export interface LocalLayerArtifact {
  path: string;
  /** sha256 of the zip, hex. */
  sha256: string;
  size: number;
  /** True when the zip came from the cache (same content hash built before). */
  cached: boolean;
}

/** Cache index: content hash of a layer target → sha256 of the zip built from it. */
const indexFile = (ctx: Ctx, hash: string) => join(artifactsDir(ctx.stateDir), 'layers', `${hash}.json`);

/**
 * npm's reason for a failure on one line: its `npm error` lines up to the usage help or the debug-log pointer
 * (the reason comes first; the tail of npm's output is help text). Falls back to the last lines of output.
 */
export function npmReason(output: string, max = 4): string {
  const lines = output.split('\n').map((l) => l.trim());
  const reason: string[] = [];
  for (const l of lines) {
    const m = /^npm (?:error|ERR!)\s*(.*)$/.exec(l);
    if (!m) continue;
    const text = m[1]!.trim();
    if (/^(Usage:|A complete log of this run|Clean install a project)/.test(text)) break;
    if (text && !/^code \S+$/.test(text)) reason.push(text);
  }
  const picked = reason.length ? reason.slice(0, max) : lines.filter(Boolean).slice(-max);
  return picked.join(' | ') || '(no output)';
}

/**
 * Builds a layer zip locally: `npm ci --omit=dev --ignore-scripts` into a temp `nodejs/` directory, then a
 * deterministic zip of `nodejs/**` cached under .turnctl/artifacts/ (keyed by zip sha256, indexed by content hash).
 * Install scripts are not run, so modules that need native builds must be built through CodeBuild.
 */
export async function buildLocal(ctx: Ctx, t: LayerTarget): Promise<LocalLayerArtifact> {
  const index = indexFile(ctx, t.hash);
  if (existsSync(index)) {
    const { sha256, size } = JSON.parse(readFileSync(index, 'utf8')) as { sha256: string; size: number };
    const path = join(artifactsDir(ctx.stateDir), `${sha256}.zip`);
    if (existsSync(path)) return { path, sha256, size, cached: true };
  }
  ctx.progress(`layer ${t.layer} (${t.runtime}): npm ci ${shortHash(t.hash)}`);
  const work = mkdtempSync(join(tmpdir(), `turnctl-layer-${t.layer}-`));
  try {
    const nodejs = join(work, 'nodejs');
    mkdirSync(nodejs);
    for (const f of ['package.json', LOCK_FILE]) copyFileSync(join(t.dir, f), join(nodejs, f));
    try {
      await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], {
        cwd: nodejs,
        env: { ...process.env, npm_config_update_notifier: 'false', NODE_ENV: 'production' },
        maxBuffer: 32 * 1024 * 1024,
      });
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; code?: number | string };
      if (e.code === 'ENOENT') throw new TurnctlError('npm not found on PATH; install Node.js with npm to build layers locally');
      throw new TurnctlError(`layer "${t.layer}": npm ci failed: ${npmReason(`${e.stdout ?? ''}\n${e.stderr ?? ''}`)}; fix layers/${t.layer}/package.json and re-lock it (npm install --package-lock-only)`);
    }
    const { entries, executables } = directoryEntries(nodejs, 'nodejs');
    const zip = deterministicZip(entries, (n) => executables.has(n));
    const art = storeArtifact(ctx.stateDir, zip);
    mkdirSync(join(artifactsDir(ctx.stateDir), 'layers'), { recursive: true });
    writeFileSync(index, `${JSON.stringify({ layer: t.layer, runtime: t.runtime, sha256: art.sha256, size: art.size })}\n`);
    return { path: art.path, sha256: art.sha256, size: art.size, cached: false };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
