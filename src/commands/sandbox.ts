import type { Command } from 'commander';
import type { CommandHost } from '../cli.js';
import { ExitCode, TurnctlError } from '../errors.js';
import { outputOption, printResult } from './common.js';

// The sandbox belongs to the project directory, not to what turnctl.yaml says: it starts, stops and is reset while
// the file is being edited (a turnctl.yaml with a mistake must not keep a running sandbox from being stopped).
async function projectDir(host: CommandHost): Promise<string> {
  const { findProjectDir } = await import('../config/load.js');
  return findProjectDir(host.cwd);
}

/** `turnctl sandbox …`: the local AWS sandbox (a moto server on 127.0.0.1) that the `local` stage uses. */
export function register(group: Command, host: CommandHost): void {
  const { io } = host;
  const sb = () => import('../sandbox/sandbox.js');

  group
    .command('start')
    .description('start the sandbox on a free port (pid and port kept in .turnctl/sandbox.json)')
    .option('--port <n>', 'port to listen on (default: a free one)', (v) => (/^\d+$/.test(v) ? Number(v) : NaN))
    .addOption(outputOption())
    .action(
      host.action(async (opts: { port?: number; output?: string }) => {
        const { startSandbox } = await sb();
        const s = await startSandbox(await projectDir(host), opts.port);
        printResult(io, opts.output, { running: s.running, endpoint: s.endpoint, pid: s.pid, port: s.port }, () =>
          s.alreadyRunning ? `sandbox already running at ${s.endpoint} (pid ${s.pid})` : `sandbox started at ${s.endpoint} (pid ${s.pid})`,
        );
      }),
    );

  group
    .command('stop')
    .description('stop the sandbox (its state is lost; the local PGlite databases are kept)')
    .action(
      host.action(async () => {
        const { stopSandbox } = await sb();
        io.out((await stopSandbox(await projectDir(host))) ? 'sandbox stopped' : 'sandbox was not running');
      }),
    );

  group
    .command('status')
    .description('is the sandbox running, and where')
    .addOption(outputOption())
    .action(
      host.action(async (opts: { output?: string }) => {
        const { sandboxStatus } = await sb();
        const s = await sandboxStatus(await projectDir(host));
        printResult(io, opts.output, s, () => (s.running ? `running at ${s.endpoint} (pid ${s.pid})` : 'not running; start it with: turnctl sandbox start'));
        return s.running ? ExitCode.ok : ExitCode.failure;
      }),
    );

  group
    .command('reset')
    .description('empty the running sandbox (all resources of every stage on it) and delete the local PGlite databases')
    .action(
      host.action(async () => {
        const { sandboxStatus, resetSandbox } = await sb();
        const dir = await projectDir(host);
        const s = await sandboxStatus(dir);
        if (!s.running) throw new TurnctlError('the local sandbox is not running; start it with: turnctl sandbox start');
        await resetSandbox(s.endpoint!);
        const { rmSync } = await import('node:fs');
        const { join } = await import('node:path');
        rmSync(join(dir, '.turnctl', 'pglite'), { recursive: true, force: true });
        io.out(`sandbox at ${s.endpoint} reset`);
      }),
    );
}
