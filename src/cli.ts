import { Command, CommanderError, Option } from 'commander';
import { describeFailure, exitCodeOf, ExitCode } from './errors.js';
import { redactingIo, terminalIo, type Io } from './io.js';

/** What a command group gets: the I/O object, the working directory and the action wrapper. */
export interface CommandHost {
  readonly io: Io;
  readonly cwd: string;
  /** Wraps an action so its returned number becomes the exit code (void = 0). */
  action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void>;
}

/** A command group module: adds its subcommands to `group`. */
export interface GroupModule {
  register(group: Command, host: CommandHost): void;
}

interface GroupEntry {
  name: string;
  description: string;
  load: () => Promise<GroupModule>;
}

/** Command groups; each module is imported only when its group runs, so --help loads no AWS SDK. */
const GROUPS: GroupEntry[] = [
  { name: 'sandbox', description: 'start, stop, reset the local AWS sandbox (moto) used by the local stage', load: () => import('./commands/sandbox.js') },
  { name: 'release', description: 'plan, apply, roll back, resume and inspect releases of a stage', load: () => import('./commands/release.js') },
  { name: 'build', description: 'bundle functions into deterministic zips (cached by sha256)', load: () => import('./commands/build.js') },
  { name: 'invoke', description: "invoke a deployed function's live alias (locally on the sandbox)", load: () => import('./commands/invoke.js') },
  { name: 'env', description: "show a function's live environment (values masked)", load: () => import('./commands/env.js') },
  { name: 'check', description: 'run the pre- or post-checks of a stage', load: () => import('./commands/check.js') },
  { name: 'layers', description: 'build, publish, attach and list Lambda layers; CodeBuild history', load: () => import('./commands/layers.js') },
  { name: 'db', description: 'database migrations: status, migrate, rollback, make, seed', load: () => import('./commands/db.js') },
  { name: 'logs', description: 'tail function logs and list recent errors (CloudWatch Logs)', load: () => import('./commands/logs.js') },
  { name: 'users', description: 'portal users in the Cognito user pool: add, list, import, disable, remove', load: () => import('./commands/users.js') },
  { name: 'legal', description: 'legal documents: publish, status, diff, history, rollback', load: () => import('./commands/legal.js') },
  { name: 'audit', description: "who did what, when: the stage's audit log of user and legal changes", load: () => import('./commands/audit.js') },
];

/** Options for running the CLI in-process (tests). */
export interface MainOptions {
  io?: Io;
  cwd?: string;
}

/** Runs turnctl with `argv` (without node and script); resolves to the exit code. Never exits the process. */
export async function main(argv: string[], opts: MainOptions = {}): Promise<number> {
  if (argv.includes('--no-color')) process.env.NO_COLOR = '1';
  const io = redactingIo(opts.io ?? terminalIo());
  const debug = argv.includes('--debug');
  let exitCode: number = ExitCode.ok;
  const host: CommandHost = {
    io,
    cwd: opts.cwd ?? process.cwd(),
    action:
      (fn) =>
      async (...args) => {
        exitCode = (await fn(...args)) ?? ExitCode.ok;
      },
  };
  const program = new Command('turnctl')
    .description('Release and operate the TURN backend on AWS Lambda: the release checklist as code')
    .version(await version(), '-V, --version')
    .addOption(new Option('--debug', 'show stack traces of errors'))
    .addOption(new Option('--no-color', 'no colour (also NO_COLOR)'))
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, '')),
      writeErr: (s) => io.err(s.replace(/\n$/, '')),
      // One line, like every other failure: commander puts its "(Did you mean …?)" on a line of its own.
      outputError: (s, write) => write(s.trimEnd().replace(/\n\((Did you mean [^)]*)\)/, (_m, hint: string) => `; ${hint.charAt(0).toLowerCase()}${hint.slice(1)}`)),
    })
    .showSuggestionAfterError(true);
  // The group to load: the first word, or the one after `help` (`turnctl help release` lists release's commands).
  const words = argv.filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  for (const g of GROUPS) {
    const cmd = program.command(g.name).description(g.description).exitOverride();
    cmd.configureOutput(program.configureOutput());
    if (g.name === name) (await g.load()).register(cmd, host);
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.ok;
      // `turnctl` or `turnctl release` without a command: the help was shown, but nothing was asked for. `turnctl help`
      // asked for it (commander's exit code 0 then).
      if (err.code === 'commander.help') return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
      if (err.code === 'commander.executeSubCommandAsync') return ExitCode.ok;
      return ExitCode.usage;
    }
    const e = describeFailure(err);
    io.err(`error: ${e.message}`);
    if (debug) io.err(String((err as Error)?.stack ?? err));
    return exitCodeOf(e);
  }
}

async function version(): Promise<string> {
  const { readFileSync } = await import('node:fs');
  const { packageRoot } = await import('./paths.js');
  return JSON.parse(readFileSync(`${packageRoot()}/package.json`, 'utf8')).version as string;
}
