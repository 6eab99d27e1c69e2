import { AbortedError, InterruptedError, UsageError } from './errors.js';
import { redact, redactText } from './secrets/known.js';

/** A progress indicator; a no-op when output is not a TTY. */
export interface Spinner {
  update(text: string): void;
  succeed(text?: string): void;
  fail(text?: string): void;
  stop(): void;
}

/**
 * All user I/O goes through one object handed to commands: results to stdout, everything else to stderr.
 * Tests hand in a recording implementation (see tests/helpers/io.ts).
 */
export interface Io {
  readonly interactive: boolean;
  readonly color: boolean;
  /** A result line (stdout). */
  out(text: string): void;
  /** Progress, notes, warnings (stderr). */
  err(text: string): void;
  spinner(text: string): Spinner;
  /** Yes/no question; only called when interactive. */
  confirm(message: string): Promise<boolean>;
  /** Free text question; only called when interactive. */
  ask(message: string): Promise<string>;
}

/**
 * A prompt's answer. Inquirer reads Ctrl-C in raw mode (no SIGINT reaches the process) and rejects with
 * ExitPromptError; that is the user backing out, not a turnctl bug, so it is one line and exit 130.
 */
async function interruptible<T>(prompt: Promise<T>): Promise<T> {
  try {
    return await prompt;
  } catch (err) {
    if ((err as { name?: string } | null)?.name === 'ExitPromptError') throw new InterruptedError('aborted at the prompt (Ctrl-C): nothing was changed');
    throw err;
  }
}

const noSpinner: Spinner = { update() {}, succeed() {}, fail() {}, stop() {} };

/**
 * stderr as ora sees it. A terminal that reports a width of 0 (`script`, `docker run -t`, some CI runners) makes ora
 * divide by it and loop forever clearing lines; such a terminal gets the 80 columns ora assumes when none is reported.
 */
function sizedStderr(): NodeJS.WriteStream {
  const stream = process.stderr;
  return new Proxy(stream, {
    get(target, key) {
      if (key === 'columns') return target.columns || 80;
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The terminal implementation: ora spinners and inquirer prompts only on a TTY, colour unless NO_COLOR. */
export function terminalIo(): Io {
  const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY);
  const color = Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
  return {
    interactive,
    color,
    out: (text) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => void process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    spinner(text) {
      // Without a TTY there is no spinner and no progress chatter: stderr keeps only results, warnings and errors.
      if (!color) return noSpinner;
      let handle: { update(t: string): void; succeed(t?: string): void; fail(t?: string): void; stop(): void } | undefined;
      let pending = text;
      let finished = false;
      void import('ora').then(({ default: ora }) => {
        // Finished before ora loaded: its line is already written, and a spinner started now would never stop.
        if (finished) return;
        const s = ora({ text: pending, stream: sizedStderr() }).start();
        handle = { update: (t) => (s.text = t), succeed: (t) => s.succeed(t), fail: (t) => s.fail(t), stop: () => s.stop() };
      });
      const finish = (fn: (h: NonNullable<typeof handle>) => void, t?: string, mark = '') => {
        if (finished) return;
        finished = true;
        if (handle) fn(handle);
        else process.stderr.write(`${mark}${t ?? pending}\n`);
      };
      return {
        update: (t) => (handle ? handle.update(t) : (pending = t)),
        succeed: (t) => finish((h) => h.succeed(t), t, '✔ '),
        fail: (t) => finish((h) => h.fail(t), t, '✖ '),
        stop: () => {
          finished = true;
          handle?.stop();
        },
      };
    },
    async confirm(message) {
      const { confirm } = await import('@inquirer/prompts');
      return interruptible(confirm({ message, default: false }, { output: process.stderr }));
    },
    async ask(message) {
      const { input } = await import('@inquirer/prompts');
      return interruptible(input({ message }, { output: process.stderr }));
    },
  };
}

/**
 * The one point all output passes: every line, spinner text and prompt has the secrets this process resolved or read
 * replaced by their fingerprints (secrets/known.ts), whichever command, check or error put it together.
 */
export function redactingIo(io: Io): Io {
  const r = (t: string | undefined) => (t === undefined ? t : redact(t));
  return {
    interactive: io.interactive,
    color: io.color,
    out: (t) => io.out(redactText(t)),
    err: (t) => io.err(redactText(t)),
    spinner(text) {
      const s = io.spinner(redact(text));
      return { update: (t) => s.update(redact(t)), succeed: (t) => s.succeed(r(t)), fail: (t) => s.fail(r(t)), stop: () => s.stop() };
    },
    confirm: (message) => io.confirm(redact(message)),
    ask: (message) => io.ask(redact(message)),
  };
}

/**
 * Asks for confirmation before a change: on a TTY a yes/no (or, when `typed` is set, typing that word);
 * without a TTY a missing `--yes` is a usage error that names it.
 */
export async function confirmOrRefuse(io: Io, opts: { yes?: boolean; message: string; typed?: string }): Promise<void> {
  if (opts.yes) return;
  if (!io.interactive) throw new UsageError(`${opts.message.replace(/\?$/, '')}: refusing without confirmation (not a TTY); pass --yes`);
  if (opts.typed) {
    const answer = await io.ask(`${opts.message} Type "${opts.typed}" to confirm:`);
    if (answer.trim() !== opts.typed) throw new AbortedError(`aborted: you typed "${answer.trim()}", not "${opts.typed}"`);
    return;
  }
  if (!(await io.confirm(opts.message))) throw new AbortedError('aborted: nothing was changed');
}
