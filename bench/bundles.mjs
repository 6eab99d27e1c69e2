#!/usr/bin/env node
// Bundle figures of the shipped Lambda functions: each zip's size (limit 150 KB) and the cold init time, i.e. how long
// a fresh `node` process takes to import the bundle (median of N processes). Printed, never asserted.
//
//   node bench/bundles.mjs [--runs N] [--json] [function…]
//
// Bundles exactly as `turnctl release` does, with turnctl's own bundler (src/build/bundle.ts, compiled on the fly):
// esbuild bundle, ESM, node22, minified, @aws-sdk/* external, the createRequire banner, plus each function's `external:`
// from turnctl.yaml, or the recommended list below when turnctl.yaml does not declare the function.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { parse } from 'yaml';

const ROOT = resolve(import.meta.dirname, '..');
const LIMIT = 150 * 1024;
/** Loaded at run time only on the `local` stage (src/lambdas/lib/db.ts); kept out of every bundle for size. */
const DATABASE_EXTERNALS = ['@electric-sql/pglite', 'knex-pglite'];
const RECOMMENDED = { health: DATABASE_EXTERNALS, vehicles: DATABASE_EXTERNALS, subscriptions: DATABASE_EXTERNALS, migrate: DATABASE_EXTERNALS, legal: [] };

const USAGE = `usage: node bench/bundles.mjs [--runs N] [--json] [function…]

Bundles each shipped function (default: every src/lambdas/<name>/index.ts) as turnctl release does and prints its zip
size against the 150 KB limit and its cold import time.
  --runs N     fresh node processes per function for the import median (default 7)
  --json       print the figures as JSON
  -h, --help   print this and exit (bundles nothing)`;
// Strict, like bench/run.mjs: `--help` or a typo must not start the benchmark, and an unknown function is one line.
let parsed;
try {
  parsed = parseArgs({ options: { runs: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
} catch (err) {
  console.error(`error: ${err.message}\n${USAGE}`);
  process.exit(64);
}
if (parsed.values.help) {
  console.log(USAGE);
  process.exit(0);
}
const runs = Number(parsed.values.runs ?? '7');
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`error: --runs must be a whole number ≥ 1, not ${JSON.stringify(parsed.values.runs)}\n${USAGE}`);
  process.exit(64);
}
const asJson = Boolean(parsed.values.json);
const only = parsed.positionals;
const unknown = only.filter((name) => !existsSync(join(ROOT, 'src/lambdas', name, 'index.ts')) && !declaredFunctions()[name]);
if (unknown.length) {
  console.error(`error: unknown function ${unknown.map((n) => `"${n}"`).join(', ')}; functions: ${lambdaNames().join(', ')}`);
  process.exit(64);
}

mkdirSync(join(ROOT, '.turnctl'), { recursive: true });
const work = mkdtempSync(join(ROOT, '.turnctl', 'bench-'));
try {
  const { bundleFunction } = await loadBundler();
  const declared = declaredFunctions();
  const names = only.length ? only : lambdaNames();
  const rows = [];
  for (const name of names) {
    const fromConfig = declared[name] ? (declared[name].external ?? []) : undefined;
    const external = fromConfig ?? RECOMMENDED[name] ?? [];
    const artifact = await bundleFunction(ROOT, join(work, 'state'), name, { entry: declared[name]?.entry, external, runtime: 'nodejs22.x' });
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.mjs'), artifact.bundle);
    const times = coldInit(join(dir, 'index.mjs'), runs);
    rows.push({
      function: name,
      zipBytes: artifact.size,
      bundleBytes: artifact.bundle.byteLength,
      withinLimit: artifact.size <= LIMIT,
      importMsMedian: median(times.map((t) => t.importMs)),
      processMsMedian: median(times.map((t) => t.processMs)),
      runs,
      externals: `${fromConfig ? 'turnctl.yaml' : 'recommended'}: ${external.join(', ') || '-'}`,
    });
  }
  if (asJson) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else printTable(rows);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** turnctl's bundleFunction, compiled from src/build/bundle.ts into the scratch directory (inside the repo). */
async function loadBundler() {
  const out = join(work, 'bundler.mjs');
  await build({ entryPoints: [join(ROOT, 'src/build/bundle.ts')], outfile: out, bundle: true, format: 'esm', platform: 'node', packages: 'external', logLevel: 'warning' });
  return import(pathToFileURL(out).href);
}

/** The shipped functions: every src/lambdas/<name>/index.ts. */
function lambdaNames() {
  return readdirSync(join(ROOT, 'src/lambdas'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(ROOT, 'src/lambdas', d.name, 'index.ts')))
    .map((d) => d.name)
    .sort();
}

/** `functions:` of turnctl.yaml (unsubstituted; only `entry` and `external` are read). */
function declaredFunctions() {
  const file = join(ROOT, 'turnctl.yaml');
  if (!existsSync(file)) return {};
  return parse(readFileSync(file, 'utf8'))?.functions ?? {};
}

/** Imports the bundle in `n` fresh node processes; a module-level import only, as Lambda's init phase does. */
function coldInit(bundle, n) {
  const probe = `const t=performance.now();await import(${JSON.stringify(pathToFileURL(bundle).href)});process.stdout.write(String(performance.now()-t));`;
  const env = { ...process.env, STAGE: 'bench', AWS_REGION: process.env.AWS_REGION ?? 'eu-central-1', POWERTOOLS_METRICS_DISABLED: 'true' };
  const times = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`importing ${bundle} failed: ${r.stderr}`);
    times.push({ importMs: Number(r.stdout), processMs: performance.now() - started });
  }
  return times;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return Math.round((s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2) * 10) / 10;
}

function printTable(rows) {
  const head = ['function', 'zip', 'limit', 'bundle', 'import (median)', 'process (median)', 'externals'];
  const body = rows.map((r) => [
    r.function,
    `${(r.zipBytes / 1024).toFixed(1)} KB`,
    r.withinLimit ? 'ok' : 'OVER 150 KB',
    `${(r.bundleBytes / 1024).toFixed(1)} KB`,
    `${r.importMsMedian} ms`,
    `${r.processMsMedian} ms`,
    r.externals,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  for (const line of [head, ...body]) console.log(line.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
  console.log(`\ncold init: median of ${rows[0]?.runs ?? 0} fresh node ${process.version} processes importing index.mjs (Lambda runs node22)`);
}
