import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort, waitReady } from '../../src/sandbox/sandbox.js';
import { startPostgres, type PgServer } from './postgres.js';

let moto: ChildProcess | undefined;
let pg: PgServer | undefined;

/** Starts one moto server (the sandbox) and, unless TURNCTL_TEST_PG_URL is set, one Postgres 15 for the whole run. */
export async function setup(): Promise<void> {
  // Tests that spawn bin/turnctl.js need dist/ to match the sources.
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  const port = await freePort();
  moto = spawn('python3', [join(process.cwd(), 'sandbox', 'moto_server.py'), String(port)], { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitReady(endpoint, moto.pid!);
  process.env.TURNCTL_SANDBOX_ENDPOINT = endpoint;
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  process.env.AWS_REGION = 'eu-central-1';
  if (!process.env.TURNCTL_TEST_PG_URL) {
    pg = startPostgres(await freePort());
    process.env.TURNCTL_TEST_PG_URL = pg.url;
  }
}

export async function teardown(): Promise<void> {
  moto?.kill('SIGTERM');
  pg?.stop();
}
