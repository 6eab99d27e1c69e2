import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ctx } from '../context.js';
import { functionEntry } from '../build/bundle.js';
import type { Check } from './types.js';

/** The environment a function's source declares it requires: `export const REQUIRED_ENV = ['A', 'B']`. */
export function requiredEnv(ctx: Ctx, fn: string): string[] {
  const src = readFileSync(join(ctx.project.dir, functionEntry(fn, ctx.stack.functions[fn]!)), 'utf8');
  const m = /REQUIRED_ENV\s*(?::[^=]+)?=\s*\[([^\]]*)\]/.exec(src);
  if (!m) return [];
  return [...m[1]!.matchAll(/['"`]([A-Za-z_][A-Za-z0-9_]*)['"`]/g)].map((x) => x[1]!);
}

/** Pre-check: every variable a function's source requires is set by turnctl.yaml for this stage. */
export const check: Check = {
  name: 'env-complete',
  phase: 'pre',
  async run({ ctx }) {
    const items = Object.keys(ctx.stack.functions).map((fn) => {
      const declared = Object.keys(ctx.stack.functions[fn]!.environment);
      const missing = requiredEnv(ctx, fn).filter((k) => !declared.includes(k));
      return { name: fn, ok: missing.length === 0, detail: missing.length ? `missing ${missing.join(', ')}` : 'complete' };
    });
    const bad = items.filter((i) => !i.ok);
    return {
      name: 'env-complete',
      ok: bad.length === 0,
      detail: bad.length ? `${bad.map((b) => `${b.name}: ${b.detail}`).join('; ')} — add them under functions.<name>.environment in turnctl.yaml` : `${items.length} function(s) have all required variables`,
      items,
    };
  },
};
