import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { observeAwsCalls, type AwsCall } from '../../src/aws/clients.js';
import { main } from '../../src/cli.js';
import { recordingIo, type RecordingIo } from './io.js';

export const BIN = join(process.cwd(), 'bin', 'turnctl.js');

/** Runs turnctl in-process; returns the exit code and what it printed. */
export async function runCli(args: string[], cwd: string, opts: { interactive?: boolean; answers?: Array<boolean | string> } = {}): Promise<{ code: number; stdout: string; stderr: string; io: RecordingIo }> {
  const io = recordingIo(opts);
  const code = await main(args, { io, cwd });
  return { code, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n'), io };
}

/** Runs the built CLI (bin/turnctl.js) as a child process. */
export function spawnCli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs `fn` while recording every AWS call this process sends (to prove, e.g., that nothing was written). */
export async function recordAwsCalls<T>(fn: () => Promise<T>): Promise<{ result: T; calls: AwsCall[] }> {
  const calls: AwsCall[] = [];
  const stop = observeAwsCalls((c) => calls.push(c));
  try {
    return { result: await fn(), calls };
  } finally {
    stop();
  }
}
