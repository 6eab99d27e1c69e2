import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { TurnctlError, UsageError } from '../errors.js';
import { packageRoot, stateDir } from '../paths.js';

/** What `sandbox status` reports. */
export interface SandboxStatus {
  running: boolean;
  endpoint: string | null;
  pid: number | null;
  port: number | null;
}

interface SandboxState {
  pid: number;
  port: number;
  endpoint: string;
  startedAt: string;
}

const stateFile = (projectDir: string) => join(stateDir(projectDir), 'sandbox.json');

/**
 * The ports Node's fetch refuses to connect to ("bad port": the Fetch standard's port blocking list). turnctl talks to
 * the sandbox with fetch (readiness, reset, Lambda code downloads), so moto would listen there and never be reached.
 */
const FETCH_BLOCKED_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113,
  115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556,
  563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667,
  6668, 6669, 6679, 6697, 10080,
]);

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** True when nothing listens on 127.0.0.1:port (a port another server holds would answer our readiness probe). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function responds(endpoint: string): Promise<boolean> {
  try {
    // moto's dashboard page: always 200 from a live server. (/moto-api/data.json is not: it answers 500 as soon as a
    // Lambda function exists, because dumping Lambda's models asks for a Docker engine.)
    const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** Polls the moto server until it answers (readiness probe of a process we just started). */
export async function waitReady(endpoint: string, pid: number, timeoutMs = 30000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    // Only our own child counts as ready: a server that answers while it is dead is someone else's.
    if (!alive(pid)) break;
    if ((await responds(endpoint)) && alive(pid)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new TurnctlError(`the sandbox did not start at ${endpoint}; see .turnctl/sandbox.log`);
}

function readState(projectDir: string): SandboxState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(projectDir), 'utf8')) as SandboxState;
  } catch {
    return undefined;
  }
}

/** Status of the project's sandbox (a moto server on 127.0.0.1). */
export async function sandboxStatus(projectDir: string): Promise<SandboxStatus> {
  const s = readState(projectDir);
  if (!s || !alive(s.pid) || !(await responds(s.endpoint))) return { running: false, endpoint: null, pid: null, port: null };
  return { running: true, endpoint: s.endpoint, pid: s.pid, port: s.port };
}

/** True when python3 can import moto. */
export function motoInstalled(): boolean {
  return spawnSync('python3', ['-c', 'import moto.server'], { stdio: 'ignore' }).status === 0;
}

/** Starts a moto server on a free port for `projectDir` (pid and port kept under .turnctl/); returns its status. */
export async function startSandbox(projectDir: string, port?: number, readyTimeoutMs = 30000): Promise<SandboxStatus & { alreadyRunning: boolean }> {
  const current = await sandboxStatus(projectDir);
  if (current.running) return { ...current, alreadyRunning: true };
  if (!motoInstalled()) throw new TurnctlError('moto is not installed; run: pip install -r sandbox/requirements.txt');
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) throw new UsageError(`--port must be a TCP port number (1-65535); leave it out for a free one`);
  if (port !== undefined && FETCH_BLOCKED_PORTS.has(port))
    throw new UsageError(`--port ${port} is a port Node's fetch refuses to connect to (blocked by the Fetch standard, like 22, 25 or 6000); pick another port or leave --port out for a free one`);
  if (port !== undefined && !(await portFree(port)))
    throw new UsageError(`--port ${port} is already in use on 127.0.0.1 (another sandbox or program); pick another port or leave --port out for a free one`);
  const p = port ?? (await freePort());
  mkdirSync(stateDir(projectDir), { recursive: true });
  const log = openSync(join(stateDir(projectDir), 'sandbox.log'), 'a');
  const child = spawn('python3', [join(packageRoot(), 'sandbox', 'moto_server.py'), String(p)], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  child.unref();
  const endpoint = `http://127.0.0.1:${p}`;
  try {
    await waitReady(endpoint, child.pid!, readyTimeoutMs);
  } catch (err) {
    // Not recorded in sandbox.json, so no `sandbox stop` could ever find it: a server that never answered is ended here.
    if (alive(child.pid!)) process.kill(child.pid!, 'SIGTERM');
    throw err;
  }
  const state: SandboxState = { pid: child.pid!, port: p, endpoint, startedAt: new Date().toISOString() };
  writeFileSync(stateFile(projectDir), `${JSON.stringify(state, null, 2)}\n`);
  return { running: true, endpoint, pid: child.pid!, port: p, alreadyRunning: false };
}

/** Stops the sandbox; all sandbox state is lost. */
export async function stopSandbox(projectDir: string): Promise<boolean> {
  const s = readState(projectDir);
  rmSync(stateFile(projectDir), { force: true });
  if (!s || !alive(s.pid)) return false;
  process.kill(s.pid, 'SIGTERM');
  return true;
}

/** Empties the running sandbox (moto's reset API). */
export async function resetSandbox(endpoint: string): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  if (!res.ok) throw new TurnctlError(`sandbox reset failed: HTTP ${res.status}`);
}

/** The endpoint the `local` stage uses: TURNCTL_SANDBOX_ENDPOINT, else the project's running sandbox. */
export function sandboxEndpoint(projectDir: string): string {
  const env = process.env.TURNCTL_SANDBOX_ENDPOINT;
  if (env) return env;
  const s = readState(projectDir);
  if (!s || !alive(s.pid)) throw new TurnctlError('the local sandbox is not running; start it with: turnctl sandbox start');
  return s.endpoint;
}
