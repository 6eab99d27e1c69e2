#!/usr/bin/env node
// turnctl benchmarks against the local sandbox (a moto server this script starts and stops). Figures are printed as
// medians and ratios; nothing is asserted. `npm run bench` builds dist/ first.
//
//   node bench/run.mjs [--runs N] [--sizes 10,50,200] [--attach 50] [--skip-cli] [--skip-bundles] [--json FILE]
//
// 1. Start-up: `node -e 0`, `turnctl --help`, and a no-change `turnctl release plan` (10 functions).
// 2. Plan time and peak RSS of a no-change `release plan` for N tiny functions (applied once first).
// 3. Attaching a new layer version to 50 functions: `turnctl layers attach` against the AWS CLI loop
//    (`aws lambda update-function-configuration --layers …` + `aws lambda wait function-updated` per function),
//    same sandbox, same run.
// 4. Bundle sizes and cold init of the shipped functions (bench/bundles.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'turnctl.js');
const USAGE = `usage: node bench/run.mjs [--runs N] [--sizes 10,50,200] [--attach 50] [--skip-cli] [--skip-bundles] [--json FILE]

Benchmarks turnctl against a moto sandbox this script starts (takes minutes and loads the machine):
  plan of N functions (median, peak RSS), start-up vs node -e 0, layer attach vs the AWS CLI loop, bundle sizes.
  --runs N          runs per figure (default 5)
  --sizes LIST      function counts for the plan figure (default 10,50,200)
  --attach N        functions the layer is attached to (default 50; 0 leaves the attach figure out)
  --skip-cli        leave out the AWS CLI loop
  --skip-bundles    leave out bench/bundles.mjs
  --json FILE       also write the figures as JSON
  -h, --help        print this and exit (runs nothing)`;
// Options are parsed strictly: \`--help\` (or a typo) must never start minutes of benchmarking on a shared machine.
let parsed;
try {
  parsed = parseArgs({
    options: {
      runs: { type: 'string' },
      sizes: { type: 'string' },
      attach: { type: 'string' },
      'skip-cli': { type: 'boolean' },
      'skip-bundles': { type: 'boolean' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
} catch (err) {
  console.error(`error: ${err.message}\n${USAGE}`);
  process.exit(64);
}
if (parsed.help) {
  console.log(USAGE);
  process.exit(0);
}
const whole = (name, value, min = 1) => {
  const n = Number(value);
  if (value === '' || !Number.isInteger(n) || n < min) {
    console.error(`error: --${name} must be a whole number ≥ ${min}, not ${JSON.stringify(value)}\n${USAGE}`);
    process.exit(64);
  }
  return n;
};
const opt = (name, dflt) => parsed[name.replace(/^--/, '')] ?? dflt;
const RUNS = whole('runs', opt('--runs', '5'));
const SIZES = opt('--sizes', '10,50,200').split(',').map((s) => whole('sizes', s));
const ATTACH = whole('attach', opt('--attach', '50'), 0);
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x) => `${Math.round(x)} ms`;
const log = (...a) => console.error('·', ...a);

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

async function startSandbox() {
  const port = await freePort();
  const child = spawn('python3', [join(ROOT, 'sandbox', 'moto_server.py'), String(port)], { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch(`${endpoint}/moto-api/`);
      await r.arrayBuffer();
      if (r.ok) return { endpoint, stop: () => child.kill('SIGTERM') };
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGTERM');
  throw new Error('the sandbox (moto) did not start; is moto installed (sandbox/requirements.txt)?');
}

let ENV;

/** Runs a command; returns wall time (ms), peak RSS (MB, when /usr/bin/time is there), exit code and output. */
function measure(cmd, argv, cwd, extraEnv = {}) {
  const env = { ...ENV, ...extraEnv };
  const timed = TIME ? [TIME, ['-f', '__RSS__%M', cmd, ...argv]] : [cmd, argv];
  const t0 = performance.now();
  const r = spawnSync(timed[0], timed[1], { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wall = performance.now() - t0;
  const m = /__RSS__(\d+)/.exec(r.stderr ?? '');
  return { wall, rssMb: m ? Number(m[1]) / 1024 : null, code: r.status, stdout: r.stdout, stderr: (r.stderr ?? '').replace(/__RSS__\d+\n?/, '') };
}

function must(r, what) {
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}):\n${r.stderr.slice(-2000)}`);
  return r;
}

const turnctl = (argv, cwd, env) => measure(process.execPath, [BIN, ...argv], cwd, env);

const HANDLER = (i) => `export const handler = async () => ({ statusCode: 200, body: JSON.stringify({ fn: ${i} }) });\n`;

/** A project with `n` tiny functions (optionally all naming layer `common`). */
function makeProject(n, { layer = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), `turnctl-bench-${n}-`));
  const name = `b${n}x${Math.random().toString(16).slice(2, 8)}`;
  const w = (rel, text) => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };
  const fns = Array.from({ length: n }, (_, i) => `f${String(i + 1).padStart(3, '0')}`);
  const yaml = [
    `project: ${name}`,
    'region: eu-central-1',
    'stages:',
    '  local:',
    '    account: "123456789012"',
    '    sandbox: true',
    'functions:',
    ...fns.flatMap((f) => [`  ${f}:`, '    memory: 128', '    timeout: 5', '    environment:', '      STAGE: ${stage}', ...(layer ? ['    layers: [common]'] : [])]),
    ...(layer ? ['layers:', '  common:', '    description: bench layer'] : []),
  ];
  w('turnctl.yaml', `${yaml.join('\n')}\n`);
  fns.forEach((f, i) => w(`src/lambdas/${f}/index.ts`, HANDLER(i)));
  w('releases/1.0.0.yaml', 'version: 1.0.0\nnotes: bench\nchecks:\n  pre: []\n  post: []\n');
  if (layer) {
    w('layers/common/package.json', '{ "name": "common", "version": "1.0.0", "private": true }\n');
    w('layers/common/package-lock.json', lockFile('1.0.0'));
  }
  return { dir, name, fns, write: w };
}

const lockFile = (v) => `${JSON.stringify({ name: 'common', version: v, lockfileVersion: 3, requires: true, packages: { '': { name: 'common', version: v } } }, null, 2)}\n`;

async function main() {
  log(`building turnctl is done by npm run bench; runs per figure: ${RUNS}`);
  const sandbox = await startSandbox();
  ENV = { ...process.env, TURNCTL_SANDBOX_ENDPOINT: sandbox.endpoint, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'eu-central-1', AWS_DEFAULT_REGION: 'eu-central-1', NO_COLOR: '1' };
  const os = await import('node:os');
  const out = { machine: { node: process.version, cpus: os.cpus().length, loadAtStart: os.loadavg()[0] }, startup: {}, plan: [], attach: null, bundles: null };
  const cleanup = [];
  try {
    // Plan time and RSS per size (the 10-function project also serves the start-up figure).
    for (const n of SIZES) {
      const p = makeProject(n);
      cleanup.push(p.dir);
      log(`plan: ${n} functions — applying once`);
      const applied = must(turnctl(['release', 'apply', 'releases/1.0.0.yaml', '--stage', 'local', '--yes'], p.dir), `apply of ${n} functions`);
      turnctl(['release', 'plan', 'releases/1.0.0.yaml', '--stage', 'local'], p.dir); // warm the artifact cache and the OS
      const runs = Array.from({ length: RUNS }, () => must(turnctl(['release', 'plan', 'releases/1.0.0.yaml', '--stage', 'local', '--exit-code'], p.dir), `plan of ${n} functions`));
      out.plan.push({ functions: n, applyMs: applied.wall, planMsMedian: median(runs.map((r) => r.wall)), planMsMin: Math.min(...runs.map((r) => r.wall)), peakRssMb: Math.max(...runs.map((r) => r.rssMb ?? 0)) || null });
      log(`  plan of ${n}: median ${ms(median(runs.map((r) => r.wall)))}`);
    }

    // Start-up.
    log('start-up: node -e 0, turnctl --help, no-change release plan');
    const small = out.plan.length ? cleanup[0] : null;
    const nodeRuns = Array.from({ length: RUNS * 2 }, () => measure(process.execPath, ['-e', '0'], ROOT).wall);
    const helpRuns = Array.from({ length: RUNS * 2 }, () => must(turnctl(['--help'], ROOT), '--help').wall);
    out.startup = { nodeMs: median(nodeRuns), helpMs: median(helpRuns), helpRatio: median(helpRuns) / median(nodeRuns) };
    if (small) {
      out.startup.planMs = out.plan[0].planMsMedian;
      out.startup.planFunctions = out.plan[0].functions;
      out.startup.planRatio = out.plan[0].planMsMedian / median(nodeRuns);
    }

    // Layer attach: turnctl against the AWS CLI loop.
    if (ATTACH > 0) {
      const p = makeProject(ATTACH, { layer: true });
      cleanup.push(p.dir);
      log(`attach: ${ATTACH} functions naming layer common — applying once`);
      must(turnctl(['release', 'apply', 'releases/1.0.0.yaml', '--stage', 'local', '--yes'], p.dir), 'apply of the attach project');
      p.write('layers/common/package-lock.json', lockFile('1.0.1'));
      must(turnctl(['layers', 'publish', 'common', '--stage', 'local'], p.dir), 'layers publish');
      log('  turnctl layers attach');
      const t = must(turnctl(['layers', 'attach', 'common', '--stage', 'local', '--yes'], p.dir), 'layers attach');
      const attach = { functions: ATTACH, turnctlMs: t.wall, cliMs: null, ratio: null, concurrency: 8 };
      const hasCli = spawnSync('aws', ['--version'], { encoding: 'utf8' }).status === 0;
      if (hasCli && !parsed['skip-cli']) {
        p.write('layers/common/package-lock.json', lockFile('1.0.2'));
        const pub = must(turnctl(['layers', 'publish', 'common', '--stage', 'local', '--output', 'json'], p.dir), 'layers publish');
        const arn = JSON.parse(pub.stdout).layers?.[0]?.arn;
        if (!arn) throw new Error(`cannot find the published layer ARN in: ${pub.stdout.slice(0, 500)}`);
        const names = p.fns.map((f) => `${p.name}-local-${f}`).join(' ');
        const script = `for f in ${names}; do aws lambda update-function-configuration --function-name "$f" --layers "${arn}" --endpoint-url "$EP" --output text --query LastUpdateStatus >/dev/null || exit 1; aws lambda wait function-updated --function-name "$f" --endpoint-url "$EP" || exit 1; done`;
        log(`  AWS CLI loop (${ATTACH} × update-function-configuration + wait function-updated)`);
        const c = must(measure('bash', ['-c', script], p.dir, { EP: sandbox.endpoint }), 'AWS CLI loop');
        attach.cliMs = c.wall;
        attach.ratio = c.wall / t.wall;
      }
      out.attach = attach;
    }

    // Bundles of the shipped functions (owned by bench/bundles.mjs).
    if (!parsed['skip-bundles'] && existsSync(join(ROOT, 'bench', 'bundles.mjs'))) {
      log('bundles: bench/bundles.mjs --json --runs 3');
      const b = spawnSync(process.execPath, [join(ROOT, 'bench', 'bundles.mjs'), '--json', '--runs', '3'], { cwd: ROOT, env: ENV, encoding: 'utf8' });
      if (b.status === 0) out.bundles = JSON.parse(b.stdout);
      else log(`  bench/bundles.mjs failed: ${b.stderr.split('\n')[0]}`);
    }
    out.machine.loadAtEnd = os.loadavg()[0];
  } finally {
    sandbox.stop();
    for (const d of cleanup) rmSync(d, { recursive: true, force: true });
  }
  report(out);
  const jsonFile = opt('--json', null);
  if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify(out, null, 2)}\n`);
}

function report(o) {
  const lines = [];
  lines.push(`turnctl benchmarks (node ${o.machine.node}, ${o.machine.cpus} CPUs, moto sandbox; medians of ${RUNS} runs)`);
  // Figures are wall-clock: other work on the machine (load average) slows every one of them.
  lines.push(`load average (1 min) at start ${o.machine.loadAtStart.toFixed(1)}, at end ${o.machine.loadAtEnd?.toFixed(1) ?? '?'}`);
  lines.push('');
  lines.push('Plan (no changes) against the sandbox              target');
  for (const p of o.plan)
    lines.push(`  ${String(p.functions).padStart(3)} functions: ${ms(p.planMsMedian).padStart(8)}  peak RSS ${p.peakRssMb ? `${Math.round(p.peakRssMb)} MB` : 'n/a'}   (first apply ${ms(p.applyMs)})${p.functions === 50 ? `   ≤ 1500 ms: ${p.planMsMedian <= 1500 ? 'met' : 'MISSED'}` : ''}${p.functions === 200 && p.peakRssMb ? `   ≤ 200 MB: ${p.peakRssMb <= 200 ? 'met' : 'MISSED'}` : ''}`);
  lines.push('');
  lines.push('Start-up');
  lines.push(`  node -e 0:        ${ms(o.startup.nodeMs)}`);
  lines.push(`  turnctl --help:   ${ms(o.startup.helpMs)}  = ${o.startup.helpRatio.toFixed(2)}× node   (target ≤ 2.5×: ${o.startup.helpRatio <= 2.5 ? 'met' : 'MISSED'})`);
  if (o.startup.planMs) lines.push(`  release plan (${o.startup.planFunctions} functions, no changes): ${ms(o.startup.planMs)} = ${o.startup.planRatio.toFixed(1)}× node`);
  if (o.attach) {
    lines.push('');
    lines.push(`Attach a new layer version to ${o.attach.functions} functions`);
    lines.push(`  turnctl layers attach:  ${ms(o.attach.turnctlMs)}`);
    if (o.attach.cliMs) lines.push(`  AWS CLI loop:           ${ms(o.attach.cliMs)}  → turnctl is ${o.attach.ratio.toFixed(1)}× faster   (target ≥ 20×: ${o.attach.ratio >= 20 ? 'met' : 'MISSED'})`);
    else lines.push('  AWS CLI loop:           skipped (no aws CLI or --skip-cli)');
  }
  if (o.bundles) {
    lines.push('');
    lines.push('Bundles of the shipped functions (bench/bundles.mjs)');
    for (const b of o.bundles) lines.push(`  ${b.function.padEnd(14)} ${(b.zipBytes / 1024).toFixed(1).padStart(6)} KB zip   cold import ${ms(b.importMsMedian)}`);
  }
  console.log(lines.join('\n'));
}

await main();
