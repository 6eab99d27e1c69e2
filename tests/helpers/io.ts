import type { Io, Spinner } from '../../src/io.js';

/** An Io that records what was printed; answers prompts from a queue. */
export interface RecordingIo extends Io {
  stdout: string[];
  stderr: string[];
  answers: Array<boolean | string>;
  text(): string;
}

export function recordingIo(opts: { interactive?: boolean; answers?: Array<boolean | string> } = {}): RecordingIo {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const answers = [...(opts.answers ?? [])];
  const spinner = (t: string): Spinner => {
    stderr.push(t);
    return { update: (x) => stderr.push(x), succeed: (x) => stderr.push(x ?? t), fail: (x) => stderr.push(x ?? t), stop() {} };
  };
  return {
    interactive: opts.interactive ?? false,
    color: false,
    stdout,
    stderr,
    answers,
    out: (t) => void stdout.push(t),
    err: (t) => void stderr.push(t),
    spinner,
    confirm: async (m) => {
      stderr.push(m);
      return Boolean(answers.shift());
    },
    ask: async (m) => {
      stderr.push(m);
      return String(answers.shift() ?? '');
    },
    text: () => [...stdout, ...stderr].join('\n'),
  };
}
