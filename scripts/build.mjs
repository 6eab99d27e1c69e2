// Bundles the CLI (src/cli.ts and its lazily imported command groups) into dist/ with esbuild.
// Packages stay external: they are installed by npm; code splitting keeps each command group in its own chunk
// so `turnctl --help` loads no AWS SDK client.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: ['src/cli.ts'],
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
