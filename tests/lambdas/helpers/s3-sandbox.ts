import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, waitReady } from '../../../src/sandbox/sandbox.js';

/** An S3 endpoint for tests: the run's sandbox (TURNCTL_SANDBOX_ENDPOINT), else a moto server of this file. */
export async function s3Sandbox(): Promise<{ endpoint: string; stop(): void }> {
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  process.env.AWS_REGION ??= 'eu-central-1';
  if (process.env.TURNCTL_SANDBOX_ENDPOINT) return { endpoint: process.env.TURNCTL_SANDBOX_ENDPOINT, stop: () => {} };
  const port = await freePort();
  const moto: ChildProcess = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitReady(endpoint, moto.pid!);
  return { endpoint, stop: () => moto.kill('SIGTERM') };
}
