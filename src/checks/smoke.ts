import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Ctx } from '../context.js';
import { mapLimit } from '../aws/clients.js';
import { displayPath, readYamlFile } from '../config/yaml-file.js';
import { InvalidInputError } from '../errors.js';
import { invokeFunction } from '../invoke/invoke.js';
import type { Check } from './types.js';

/**
 * An event file (a smoke event, `invoke --event`): JSON (YAML is read too), a syntax error at file:line:column, an
 * empty file refused rather than sent as null.
 */
export function readEventFile(file: string): unknown {
  const src = readYamlFile(file);
  if (src.value === null || src.value === undefined) throw new InvalidInputError(`${displayPath(file)}:1`, 'the event file is empty; write the event as JSON (e.g. {})');
  return src.value;
}

/** The smoke event of a function: `smoke:` in turnctl.yaml, else src/lambdas/<fn>/smoke.json, else {}. */
export function smokeEvent(ctx: Ctx, fn: string): unknown {
  const cfg = ctx.stack.functions[fn]!;
  const file = join(ctx.project.dir, cfg.smoke ?? `src/lambdas/${fn}/smoke.json`);
  return existsSync(file) ? readEventFile(file) : {};
}

/** Post-check: every deployed function's `live` alias answers its smoke event without error (status < 400). */
export const check: Check = {
  name: 'smoke',
  phase: 'post',
  // The events are read only after every step is applied: a broken event file would roll the release back. Read them
  // when planning, so it is invalid input at its file:line before anything is written.
  configProblem(ctx) {
    for (const fn of Object.keys(ctx.stack.functions)) smokeEvent(ctx, fn);
    return undefined;
  },
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
