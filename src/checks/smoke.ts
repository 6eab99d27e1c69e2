import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ctx } from '../context.js';
import { mapLimit } from '../aws/clients.js';
import { InvalidInputError } from '../errors.js';
import { invokeFunction } from '../invoke/invoke.js';
import type { Check } from './types.js';

/** The smoke event of a function: `smoke:` in turnctl.yaml, else src/lambdas/<fn>/smoke.json, else {}. */
export function smokeEvent(ctx: Ctx, fn: string): unknown {
  const cfg = ctx.stack.functions[fn]!;
  const rel = cfg.smoke ?? `src/lambdas/${fn}/smoke.json`;
  const file = join(ctx.project.dir, rel);
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InvalidInputError(rel, `smoke event is not valid JSON: ${(err as Error).message}`);
  }
}

/** Post-check: every deployed function's `live` alias answers its smoke event without error (status < 400). */
export const check: Check = {
  name: 'smoke',
  phase: 'post',
  async run({ ctx }) {
    const fns = Object.keys(ctx.stack.functions);
    const items = await mapLimit(fns, ctx.concurrency, async (fn) => {
      const r = await invokeFunction(ctx, fn, smokeEvent(ctx, fn));
      const ok = r.ok && (r.statusCode === undefined || r.statusCode < 400);
      return { name: fn, ok, detail: r.error ?? (r.statusCode !== undefined ? `HTTP ${r.statusCode}` : 'ok') };
    });
    const failed = items.filter((i) => !i.ok);
    return {
      name: 'smoke',
      ok: failed.length === 0,
      detail: failed.length ? failed.map((f) => `${f.name}: ${f.detail}`).join('; ') : `${items.length} function(s) answered`,
      items,
    };
  },
};
