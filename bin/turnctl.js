#!/usr/bin/env node
// The only place that sets the process exit code.
// With --debug, stack traces point into src/ (dist/ ships source maps), not into the bundled chunks.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
const { main } = await import('../dist/cli.js');

const code = await main(process.argv.slice(2));
process.exitCode = code;
