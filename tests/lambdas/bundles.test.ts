import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFunction } from '../../src/build/bundle.js';
import { migrationRefs } from '../../src/db/core.js';
import { readTrackingPlan, runtimeTrackingPlanProblems } from '../../src/checks/tracking-plan.js';
import { BUNDLE_EXTERNALS } from '../../src/lambdas/lib/db.js';
import { pgliteDatabase, type TestDatabase } from './helpers/databases.js';
import { s3Sandbox } from './helpers/s3-sandbox.js';

const REPO = resolve(import.meta.dirname, '../..');
const LIMIT = 150 * 1024;
/**
 * From the handler's return to the process's exit. Left open, PGlite's idle stats timer would hold the process ~10 s
 * after its last query; a closed database lets it go in well under a second (the margin is for busy CI machines).
 */
const PROMPT_EXIT_MS = 8000;
const FUNCTIONS = {
  health: [...BUNDLE_EXTERNALS],
  vehicles: [...BUNDLE_EXTERNALS],
  subscriptions: [...BUNDLE_EXTERNALS],
  migrate: [...BUNDLE_EXTERNALS],
  legal: [],
} as const;
type Fn = keyof typeof FUNCTIONS;

// Runs one bundle the way turnctl's local invoker does: a fresh node process, the bundle in a directory inside the repo
// (so the externals resolve from its node_modules), one invocation, no process.exit: the process must end by itself.
const RUNNER = `
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const [bundle, eventFile, resultFile] = process.argv.slice(2);
const { handler } = await import(pathToFileURL(bundle).href);
const context = { awsRequestId: 'bundle-test', functionName: 'bundle-test', functionVersion: '1', memoryLimitInMB: '256', invokedFunctionArn: 'arn:aws:lambda:eu-central-1:123456789012:function:bundle-test' };
let outcome;
try { outcome = { ok: true, result: await handler(JSON.parse(readFileSync(eventFile, 'utf8')), context) }; }
catch (err) { outcome = { ok: false, error: String(err && err.message) }; }
writeFileSync(resultFile, JSON.stringify({ ...outcome, returnedAt: Date.now() }));
`;

interface Invocation {
  ok: boolean;
  result?: { statusCode?: number; body?: string } & Record<string, unknown>;
  error?: string;
  /** From the handler's return to the process's exit. */
  exitLagMs: number;
  logs: string[];
}

describe('bundled functions on a fresh local stage', () => {
  mkdirSync(join(REPO, '.turnctl'), { recursive: true });
  const work = mkdtempSync(join(REPO, '.turnctl', 'test-bundles-'));
  const sizes: Partial<Record<Fn, number>> = {};
  const dbs: TestDatabase[] = [];
  let sandbox: Awaited<ReturnType<typeof s3Sandbox>>;
  let env: NodeJS.ProcessEnv;
  const logs = new Map<string, string[]>();

  beforeAll(async () => {
    await Promise.all(
      (Object.keys(FUNCTIONS) as Fn[]).map(async (fn) => {
        const artifact = await bundleFunction(REPO, join(work, 'state'), fn, { external: [...FUNCTIONS[fn]], runtime: 'nodejs22.x' });
        sizes[fn] = artifact.size;
        mkdirSync(join(work, fn));
        writeFileSync(join(work, fn, 'index.mjs'), artifact.bundle);
      }),
    );
    writeFileSync(join(work, 'runner.mjs'), RUNNER);
    sandbox = await s3Sandbox();
    const bucket = `turn-local-legal-${Date.now().toString(36)}`;
    const s3 = new S3Client({ endpoint: sandbox.endpoint, forcePathStyle: true, region: process.env.AWS_REGION });
    await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: process.env.AWS_REGION as 'eu-central-1' } }));
    env = {
      PATH: process.env.PATH,
      STAGE: 'local',
      ALLOWED_ORIGINS: 'http://localhost:5173',
      LEGAL_BUCKET: bucket,
      LOG_LEVEL: 'info',
      AWS_REGION: process.env.AWS_REGION,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_S3: sandbox.endpoint,
    };
  });
  afterAll(async () => {
    sandbox?.stop();
    await Promise.all(dbs.map((d) => d.dispose()));
    rmSync(work, { recursive: true, force: true });
  });

  /** A local stage's database of its own (a PGlite directory is open in one process at a time): empty, or migrated and seeded. */
  const stageDatabase = async (empty: boolean) => {
    const db = await pgliteDatabase({ empty });
    dbs.push(db);
    return db.url;
  };

  const invoke = (fn: Fn, event: unknown, databaseUrl?: string) =>
    new Promise<Invocation>((done, fail) => {
      const id = `${fn}-${Math.random().toString(36).slice(2, 8)}`;
      const eventFile = join(work, `${id}-event.json`);
      const resultFile = join(work, `${id}-result.json`);
      writeFileSync(eventFile, JSON.stringify(event));
      const childEnv = { ...env, POWERTOOLS_SERVICE_NAME: `turn-${fn}`, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) };
      const child = spawn(process.execPath, [join(work, 'runner.mjs'), join(work, fn, 'index.mjs'), eventFile, resultFile], { env: childEnv });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('error', fail);
      child.on('exit', () => {
        clearTimeout(killer);
        const exitedAt = Date.now();
        try {
          const r = JSON.parse(readFileSync(resultFile, 'utf8'));
          const lines = out.split('\n').filter(Boolean);
          logs.set(fn, [...(logs.get(fn) ?? []), ...lines]);
          done({ ok: r.ok, result: r.result, error: r.error, exitLagMs: exitedAt - r.returnedAt, logs: lines });
        } catch {
          fail(new Error(`${fn} produced no result (killed after 30 s?):\n${out}`));
        }
      });
    });
  const smoke = (fn: Fn) => JSON.parse(readFileSync(join(REPO, 'src/lambdas', fn, 'smoke.json'), 'utf8'));

  it('GIVEN the five functions bundled like turnctl does THEN each zip is at most 150 KB and carries no PGlite', () => {
    for (const fn of Object.keys(FUNCTIONS) as Fn[]) {
      expect(sizes[fn], fn).toBeLessThanOrEqual(LIMIT);
      const code = readFileSync(join(work, fn, 'index.mjs'), 'utf8');
      expect(code).not.toContain('pglite.wasm');
      if (fn === 'legal') expect(code).not.toContain('knex_migrations');
    }
  });

  it('WHEN the migrate bundle runs "latest" on an empty PGlite directory THEN every migration is applied and the process exits by itself', async () => {
    const planned = migrationRefs(join(REPO, 'db/migrations'));
    const r = await invoke('migrate', { action: 'latest', expect: planned }, await stageDatabase(true));
    expect(r.error).toBeUndefined();
    expect(r.result).toEqual({ ok: true, action: 'latest', batch: 1, migrations: planned.map((m) => m.name) });
    expect(r.exitLagMs).toBeLessThan(PROMPT_EXIT_MS);
  });

  it('GIVEN migrations and seeds WHEN every smoke event runs against its bundle THEN each succeeds and its process exits promptly', async () => {
    const fns = ['health', 'vehicles', 'subscriptions', 'legal', 'migrate'] as const;
    const urls = await Promise.all(fns.map((fn) => (fn === 'legal' ? undefined : stageDatabase(false))));
    const results = await Promise.all(fns.map((fn, i) => invoke(fn, smoke(fn), urls[i])));
    const byFn = Object.fromEntries(fns.map((fn, i) => [fn, results[i]!]));
    for (const fn of fns) {
      const r = byFn[fn]!;
      expect(r.error, fn).toBeUndefined();
      if (fn !== 'migrate') expect(r.result?.statusCode, `${fn}: ${r.result?.body}`).toBeLessThan(400);
      expect(r.exitLagMs, fn).toBeLessThan(PROMPT_EXIT_MS);
    }
    expect(JSON.parse(byFn.vehicles!.result!.body!).items.length).toBeGreaterThan(0);
    expect(byFn.migrate!.result).toMatchObject({ ok: true, action: 'status', completed: [{ batch: 1 }, { batch: 1 }] });
  });

  it("THEN every smoke: true event of tracking-plan.yaml is in its function's log output", async () => {
    const { events, problems } = await readTrackingPlan(REPO);
    expect(problems).toEqual([]);
    expect(events.filter((e) => e.smoke).length).toBeGreaterThan(0);
    expect(runtimeTrackingPlanProblems(events, logs)).toEqual([]);
  });
});
