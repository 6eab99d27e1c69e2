import { join } from 'node:path';
import type { FunctionConfig } from '../config/sections/functions.js';
import { InvalidInputError } from '../errors.js';
import { storeArtifact, type Artifact } from './artifacts.js';
import { deterministicZip } from './zip.js';

/** The Lambda runtime provides AWS SDK v3; CJS dependencies need `require` inside the ESM bundle. */
const ALWAYS_EXTERNAL = ['@aws-sdk/*', '@smithy/*'];
const BANNER = "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);";

/** Entry file of a function (relative to the project). */
export const functionEntry = (name: string, fn: Pick<FunctionConfig, 'entry'>) => fn.entry ?? `src/lambdas/${name}/index.ts`;

/**
 * Bundles one function with esbuild into `index.mjs` inside a deterministic zip, cached by sha256.
 * Same source and esbuild version → same bytes on any machine and any day (no timestamps, sorted entries,
 * paths relative to the project).
 */
export async function bundleFunction(projectDir: string, stateDir: string, name: string, fn: Pick<FunctionConfig, 'entry' | 'external' | 'runtime'>): Promise<Artifact & { bundle: Uint8Array }> {
  const { build } = await import('esbuild');
  const entry = functionEntry(name, fn);
  let result;
  try {
    result = await build({
      absWorkingDir: projectDir,
      entryPoints: [entry],
      outfile: 'index.mjs',
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: fn.runtime === 'nodejs20.x' ? 'node20' : 'node22',
      minify: true,
      legalComments: 'none',
      charset: 'utf8',
      banner: { js: BANNER },
      external: [...ALWAYS_EXTERNAL, ...fn.external],
      logLevel: 'silent',
    });
  } catch (err) {
    const e = (err as { errors?: Array<{ text: string; location?: { file: string; line: number; column: number } }> }).errors?.[0];
    if (e) throw new InvalidInputError(e.location ? `${e.location.file}:${e.location.line}:${e.location.column + 1}` : join(projectDir, entry), `build of function "${name}" failed: ${e.text}`);
    throw err;
  }
  const bundle = result.outputFiles[0]!.contents;
  const zip = deterministicZip({ 'index.mjs': bundle });
  return { ...storeArtifact(stateDir, zip), bundle };
}
