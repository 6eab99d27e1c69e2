// Bundles the CLI (src/cli.ts and its lazily imported command groups) into dist/ with esbuild.
// Packages stay external: they are installed by npm; code splitting keeps each command group in its own chunk
// so `turnctl --help` loads no AWS SDK client. Writes into a fresh directory and swaps it in, so a CLI started
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
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
if (existsSync(`${root}dist`)) renameSync(`${root}dist`, old);
renameSync(tmp, `${root}dist`);
rmSync(old, { recursive: true, force: true });
