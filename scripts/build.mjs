// Bundles the CLI (src/cli.ts and its lazily imported command groups) into dist/ with esbuild.
// Pure-JS packages (the AWS SDK, yaml, zod, commander, …) are bundled in: resolving and compiling a few hundred
// SDK modules one by one was a third of a 50-function plan's time (bench/). Packages with native binaries, WASM
// files or dynamic requires (esbuild, knex and its drivers, PGlite) stay external. Code splitting keeps each command
// group in its own chunk so `turnctl --help` loads no AWS SDK client. Writes into a fresh directory and swaps it in, so a CLI started
// during a rebuild never sees half a dist/.
import { build } from 'esbuild';
import { existsSync, renameSync, rmSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const tmp = `${root}dist.${process.pid}.tmp`;
const old = `${root}dist.${process.pid}.old`;
rmSync(tmp, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli.ts'],
  outdir: tmp,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  mainFields: ['module', 'main'],
  external: ['esbuild', 'knex', 'knex-pglite', 'pg', 'pg-native', '@electric-sql/pglite'],
  // Bundled CommonJS calls require() for Node built-ins; an ES module has none, so each chunk gets one.
  banner: { js: "import { createRequire as __turnctlRequire } from 'node:module'; const require = __turnctlRequire(import.meta.url);" },
  sourcemap: 'linked',
  logLevel: 'warning',
});
if (existsSync(`${root}dist`)) renameSync(`${root}dist`, old);
renameSync(tmp, `${root}dist`);
rmSync(old, { recursive: true, force: true });
