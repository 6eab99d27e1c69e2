import { eventsInLogs } from '../../../src/checks/tracking-plan.js';

/**
 * Captures what the functions write to stdout and stderr (Powertools logs and EMF, as Lambda would ship them to
 * CloudWatch) and keeps it out of the test output.
 */
export function captureOutput(): { lines(): string[]; events(): Set<string>; clear(): void; restore(): void } {
  let buffer: string[] = [];
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((s) => s.write);
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      buffer.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      (rest.find((r) => typeof r === 'function') as (() => void) | undefined)?.();
      return true;
    }) as typeof stream.write;
  }
  const lines = () => buffer.join('').split('\n').filter(Boolean);
  return {
    lines,
    events: () => eventsInLogs(lines()),
    clear: () => {
      buffer = [];
    },
    restore: () => streams.forEach((s, i) => (s.write = originals[i]!)),
  };
}
