import type { Ctx } from '../context.js';
import { getFunctionConfig } from '../aws/lambda.js';
import { isAwsError } from '../errors.js';
import { rememberSecret } from './known.js';

export { redactValue } from './known.js';

/** The environment keys of a function that turnctl.yaml takes from SSM or Secrets Manager. */
export function secretKeys(ctx: Ctx, fn: string): string[] {
  const env = ctx.stack.functions[fn]?.environment ?? {};
  return Object.entries(env)
    .filter(([, v]) => typeof v !== 'string')
    .map(([k]) => k);
}

/** Remembers, for redaction, the values a function's environment holds under its secret keys. */
export function rememberEnvSecrets(ctx: Ctx, fn: string, vars: Record<string, string> | undefined): void {
  for (const k of secretKeys(ctx, fn)) if (vars?.[k] !== undefined) rememberSecret(vars[k]);
}

const read = new WeakMap<Ctx, Map<string, Promise<void>>>();

/**
 * What a function prints is its own (log lines, an invocation's payload), but turnctl prints it: a function that logs
 * its configuration would put a secret on the operator's screen or into a journal. The values every version of the
 * function holds under the keys turnctl.yaml takes from SSM / Secrets Manager are read from its configuration (no
 * secret read permission needed; once per function and process) so that `redact` replaces them by their fingerprints.
 * Every version, not only the one `live` points at: log lines written before a release that rotated a secret hold the
 * old value, and `logs tail --since` reads them after it.
 */
export function rememberLiveSecrets(ctx: Ctx, fn: string): Promise<void> {
  if (!secretKeys(ctx, fn).length) return Promise.resolve();
  let m = read.get(ctx);
  if (!m) read.set(ctx, (m = new Map()));
  let p = m.get(fn);
  if (!p) {
    p = (async () => {
      const { paginateListVersionsByFunction } = await import('@aws-sdk/client-lambda');
      try {
        for await (const page of paginateListVersionsByFunction({ client: await ctx.aws.lambda() }, { FunctionName: ctx.names.fn(fn) }))
          for (const v of page.Versions ?? []) rememberEnvSecrets(ctx, fn, v.Environment?.Variables);
      } catch (err) {
        if (isAwsError(err, 'ResourceNotFoundException')) return; // not deployed: it has printed nothing
        if (!isAwsError(err, 'AccessDeniedException')) throw err;
        // A role without lambda:ListVersionsByFunction (a logs reader, say): the live version's values at least.
        const cfg = await getFunctionConfig(ctx, ctx.names.fn(fn), ctx.names.alias);
        rememberEnvSecrets(ctx, fn, cfg?.Environment?.Variables);
      }
    })();
    m.set(fn, p);
  }
  return p;
}
