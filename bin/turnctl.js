#!/usr/bin/env node
// The only place that sets the process exit code.
// With --debug, stack traces point into src/ (dist/ ships source maps), not into the bundled chunks.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
// `turnctl … | head`: once the reader is gone the rest of the output is dropped, and the command (an apply, say) runs
// to its end instead of dying of EPIPE with a stack trace half-way.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code !== 'EPIPE') throw err;
  });
}
// A dependency's process warning is one `warning:` line on stderr, like turnctl's own messages: pg warns in five lines
// (plus Node's "--trace-warnings" hint) on every connection whose URL has sslmode=require, the usual RDS URL.
// --debug keeps Node's own rendering.
if (!process.argv.includes('--debug')) {
  process.removeAllListeners('warning');
  process.on('warning', (w) => process.stderr.write(`warning: ${String(w.message).replace(/\s*[\r\n]\s*/g, ' ').trim()}\n`));
}
const { main } = await import('../dist/cli.js');

const code = await main(process.argv.slice(2));
process.exitCode = code;
