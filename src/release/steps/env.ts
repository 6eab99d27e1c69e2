import type { Ctx } from '../../context.js';
import { getFunctionConfig, waitUpdated } from '../../aws/lambda.js';
import { mapLimit } from '../../aws/clients.js';
import type { EnvValue } from '../../config/sections/common.js';
import { maskEnv, resolveFunctionEnv, sourceOf } from '../../secrets/resolve.js';
import type { Change, Step } from '../types.js';

/** Desired environment per function: resolved values stay in memory; only fingerprints leave this module. */
export interface EnvDesired {
  functions: Record<string, { values: Record<string, string>; masked: Record<string, string>; sources: Record<string, string> }>;
}

/** Live environment per function as the `live` alias sees it (fingerprints only), and the alias version. */
export interface EnvLive {
  functions: Record<string, { exists: boolean; aliasVersion: string | null; masked: Record<string, string> }>;
}

/**
 * Environment variables. Values are written to $LATEST here; they go live with the new version the functions step
 * publishes (code, env and layers change together in one version), so rollback is the alias move back plus
 * $LATEST's env copied back from the recorded version.
 */
export const step: Step<EnvDesired, EnvLive> = {
  section: 'env',

  async desired(ctx) {
    const functions: EnvDesired['functions'] = {};
    for (const fn of Object.keys(ctx.stack.functions)) {
      const values = await resolveFunctionEnv(ctx, fn);
      const sources = Object.fromEntries(Object.entries(ctx.stack.functions[fn]!.environment).map(([k, v]) => [k, sourceOf(v as EnvValue)]));
      functions[fn] = { values, masked: maskEnv(values), sources };
    }
    return { functions };
  },

  async read(ctx, desired) {
    const names = Object.keys(desired.functions);
    const rows = await mapLimit(names, ctx.concurrency, async (fn) => {
      const live = await getFunctionConfig(ctx, ctx.names.fn(fn), ctx.names.alias);
      if (live) return [fn, { exists: true, aliasVersion: live.Version ?? null, masked: maskEnv(live.Environment?.Variables) }] as const;
      const latest = await getFunctionConfig(ctx, ctx.names.fn(fn));
      return [fn, { exists: Boolean(latest), aliasVersion: null, masked: maskEnv(latest?.Environment?.Variables) }] as const;
    });
    return { functions: Object.fromEntries(rows) };
  },

  diff(desired, live) {
    const changes: Change[] = [];
    for (const [fn, d] of Object.entries(desired.functions)) {
      const l = live.functions[fn]?.masked ?? {};
      for (const key of [...new Set([...Object.keys(d.masked), ...Object.keys(l)])].sort()) {
        const before = l[key] ?? null;
        const after = d.masked[key] ?? null;
        if (before === after) continue;
        const action = before === null ? 'create' : after === null ? 'delete' : 'update';
        changes.push({ id: `env:${fn}:${key}`, action, before, after, sensitive: true, ...(d.sources[key] && d.sources[key] !== 'plain' ? { note: `from ${d.sources[key]}` } : {}) });
      }
    }
    return changes;
  },

  async apply(ctx, desired, changes) {
    const l = await import('@aws-sdk/client-lambda');
    const lambda = await ctx.aws.lambda();
    const fns = [...new Set(changes.map((c) => c.id.split(':')[1]!))];
    await mapLimit(fns, ctx.concurrency, async (fn) => {
      const name = ctx.names.fn(fn);
      const latest = await getFunctionConfig(ctx, name);
      if (!latest) return; // a new function: the functions step creates it with this environment
      const want = desired.functions[fn]!;
      if (JSON.stringify(maskEnv(latest.Environment?.Variables)) === JSON.stringify(want.masked)) return; // already applied (resume)
      ctx.progress(`env: ${fn}`);
      await waitUpdated(lambda, name);
      await lambda.send(new l.UpdateFunctionConfigurationCommand({ FunctionName: name, Environment: { Variables: want.values } }));
      await waitUpdated(lambda, name);
    });
    return { functions: fns };
  },

  async restore(ctx, before: EnvLive) {
    const l = await import('@aws-sdk/client-lambda');
    const lambda = await ctx.aws.lambda();
    const restored: string[] = [];
    await mapLimit(Object.entries(before.functions), ctx.concurrency, async ([fn, b]) => {
      if (!b.exists || !b.aliasVersion) return; // created by the release: the functions step deletes it
      const name = ctx.names.fn(fn);
      const [version, latest] = await Promise.all([getFunctionConfig(ctx, name, b.aliasVersion), getFunctionConfig(ctx, name)]);
      if (!version || !latest) return;
      const vars = version.Environment?.Variables ?? {};
      if (JSON.stringify(maskEnv(latest.Environment?.Variables)) === JSON.stringify(maskEnv(vars))) return;
      await waitUpdated(lambda, name);
      await lambda.send(new l.UpdateFunctionConfigurationCommand({ FunctionName: name, Environment: { Variables: vars } }));
      await waitUpdated(lambda, name);
      restored.push(`env of ${fn} back to version ${b.aliasVersion}`);
    });
    return { restored };
  },
};
