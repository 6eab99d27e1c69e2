import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = '/usr/lib/postgresql/15/bin';

/** A throwaway Postgres 15 cluster on a free port (as user postgres when we are root). */
export interface PgServer {
  url: string;
  stop(): void;
}

function asPostgres(cmd: string, args: string[]): string[] {
  return process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', cmd, ...args] : [cmd, ...args];
}

/**
 * Starts a Postgres cluster; TURNCTL_TEST_PG_URL, when set, is used instead. `tls`: the server speaks TLS with a
 * self-signed certificate for localhost (no client trusts it), as a server whose CA the client lacks (RDS without its bundle).
 */
export function startPostgres(port: number, opts: { tls?: boolean } = {}): PgServer {
  const dir = mkdtempSync(join(tmpdir(), 'turnctl-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const run = (cmd: string, args: string[]) => {
    const [c, ...a] = asPostgres(cmd.includes('/') ? cmd : join(BIN, cmd), args);
    const r = spawnSync(c!, a, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
  };
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  let tls = '';
  if (opts.tls) {
    // In the data directory, made by the server's user: Postgres insists the key is that user's and private.
    run('/usr/bin/openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', join(data, 'server.key'), '-out', join(data, 'server.crt')]);
    run('/bin/chmod', ['600', join(data, 'server.key')]);
    tls = ' -c ssl=on';
  }
  run('pg_ctl', ['-D', data, '-w', '-l', join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200${tls}`, 'start']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        const [c, ...a] = asPostgres(join(BIN, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
        execFileSync(c!, a, { stdio: 'ignore' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
