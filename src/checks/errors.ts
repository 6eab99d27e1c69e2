import { InvalidInputError } from '../errors.js';
import { errorEntries, type FunctionErrors } from '../monitoring/logs.js';
import type { Check } from './types.js';

const DURATION = /^(\d+)\s*(s|m|h)$/;

/** Milliseconds of the manifest's `checks.errors.window` (e.g. 0s, 30s, 1m). */
export function windowMs(window: string): number {
  const m = DURATION.exec(window.trim());
  if (!m) throw new InvalidInputError(undefined, `checks.errors.window "${window}" is not a duration; use e.g. 0s, 30s, 1m or 1h in the release manifest`);
  return Number(m[1]) * { s: 1e3, m: 6e4, h: 36e5 }[m[2] as 's' | 'm' | 'h'];
}

const POLL_MS = 5000;

/**
 * Post-check: error-level log entries of the stack's functions since the apply started stay at or under
 * `checks.errors.threshold` (default 0) through a watch window (`checks.errors.window`, default 1m) after deploy.
 * It fails as soon as the threshold is exceeded, and passes when the window is over.
 */
export const check: Check = {
  name: 'errors',
  phase: 'post',
  async run({ ctx, manifest, startedAt }) {
    const { window = '1m', threshold = 0 } = manifest.checks.errors ?? {};
    const deadline = Date.now() + windowMs(window);
    const functions = Object.keys(ctx.stack.functions);
    let found: FunctionErrors[];
    for (;;) {
      ctx.progress(`errors: watching logs of ${functions.length} function(s)`);
      found = await errorEntries(ctx, startedAt, functions);
      const total = found.reduce((n, f) => n + f.count, 0);
      const remaining = deadline - Date.now();
      if (total > threshold || remaining <= 0) break;
      // The watch window: new log lines can still arrive; poll again rather than sleep through it.
      await new Promise((r) => setTimeout(r, Math.min(POLL_MS, remaining)));
    }
    const total = found.reduce((n, f) => n + f.count, 0);
    const ok = total <= threshold;
    // An entry is often several lines (console.error of an Error prints its stack): the detail stays one line.
    const worst = found.filter((f) => f.count > 0).map((f) => `${f.function}: ${f.count} (${f.entries[0]!.message.replace(/\s*[\r\n]\s*/g, ' ').trim().slice(0, 120)})`);
    return {
      name: 'errors',
      ok,
      detail: ok
        ? `${total} error-level log entr${total === 1 ? 'y' : 'ies'} since ${startedAt.toISOString()} (threshold ${threshold}, window ${window})`
        : `${total} error-level log entries since ${startedAt.toISOString()}, threshold ${threshold}: ${worst.join('; ')}; see turnctl logs errors --stage ${ctx.stage.name}`,
      items: found.map((f) => ({ name: f.function, ok: f.count === 0, detail: `${f.count} error-level entr${f.count === 1 ? 'y' : 'ies'}` })),
    };
  },
};
