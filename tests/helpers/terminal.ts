import { spawn } from 'node:child_process';
import { BIN } from './cli.js';

/** Terminal output without its escape sequences (colour, cursor moves). */
export const plain = (text: string) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

/**
 * Runs turnctl on a real pseudo-terminal (util-linux `script`), typing `input` line by line once the prompt shows
 * (an entry starting with \x03 is sent as is: Ctrl-C); `cols` sizes the terminal first (0: left unsized, as `script`
 * or `docker -t` leave it).
 */
export function onTerminal(args: string[], cwd: string, opts: { cols: number; input?: string[] }): Promise<{ code: number | null; text: string }> {
  const size = opts.cols ? `stty cols ${opts.cols} rows 40; ` : '';
  const cmd = `${size}${process.execPath} ${BIN} ${args.map((a) => `'${a}'`).join(' ')}`;
  return new Promise((resolve) => {
    const { NO_COLOR: _n, FORCE_COLOR: _f, ...env } = process.env; // colour as an engineer's terminal has it
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let text = '';
    const pending = [...(opts.input ?? [])];
    child.stdout.on('data', (d: Buffer) => {
      text += d.toString();
      if (pending.length && /\? .*(\(y\/N\)|to confirm:)/.test(plain(text))) {
        const next = pending.shift()!;
        child.stdin.write(next.startsWith('\x03') ? next : `${next}\r`);
      }
    });
    // A hung CLI (a spinner that never stops) must fail the test, not hold the suite.
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, text: plain(text) });
    });
  });
}
