import type { Ctx } from '../context.js';
import { mapLimit } from '../aws/clients.js';
import { getFunctionConfig, publishAndPoint, waitUpdated } from '../aws/lambda.js';
import { LockHeldError, TurnctlError } from '../errors.js';
import { describeLock, readLock } from '../release/lock.js';
import { layerVersions, type LayerVersion } from './resolve.js';
import { versionWithHash } from './publish.js';
import { layerTargets, type LayerTarget } from './targets.js';

/** What `layers attach` did to one function. */
export interface AttachOutcome {
  function: string;
  /** The layer version ARNs now on the function's `live` alias, in declared order. */
  layers: string[];
  /** The newly published function version the alias points at; undefined when nothing changed. */
  version?: string;
  changed: boolean;
}

/** The version ARNs a function should carry: for each layer it names, the version with the content hash for its runtime. */
function wantedArns(ctx: Ctx, fn: string, targets: readonly LayerTarget[], versions: ReadonlyMap<string, LayerVersion[]>): string[] {
  const cfg = ctx.stack.functions[fn]!;
  return cfg.layers.map((name) => {
    const t = targets.find((x) => x.layer === name && x.runtime === cfg.runtime)!;
    const v = versionWithHash(versions.get(name) ?? [], t.hash);
    if (!v) throw new TurnctlError(`layer "${name}" (${cfg.runtime}) has no published version of its current lock file; run \`turnctl layers publish ${name} --stage ${ctx.stage.name}\` first`);
    return v.arn;
  });
}

/**
 * Attaches the published versions of the given layers (all when empty) to every function naming them: per function
 * UpdateFunctionConfiguration(Layers) + the Lambda waiter, then a new published version and the `live` alias moved
 * to it — the same sequence as the functions step, so code, env and layers still change together per version.
 */
export async function attachLayers(ctx: Ctx, only: readonly string[] = [], confirm?: (functions: string[]) => Promise<void>): Promise<AttachOutcome[]> {
  const targets = layerTargets(ctx);
  const selected = only.length ? new Set(only) : new Set(targets.map((t) => t.layer));
  if (only.length) layerTargets(ctx, only); // unknown names are a usage error
  // A release apply writes the same functions (configuration, versions, `live`): an attach during one races its
  // functions step (Lambda refuses an update while another is in progress) and its rollback undoes the attach.
  const held = await readLock(ctx);
  if (held) throw new LockHeldError(describeLock(ctx, held));
  const fns = Object.keys(ctx.stack.functions)
    .filter((fn) => ctx.stack.functions[fn]!.layers.some((l) => selected.has(l)))
    .sort();
  const layerNames = [...new Set(fns.flatMap((fn) => ctx.stack.functions[fn]!.layers))];
  const versions = new Map(await mapLimit(layerNames, ctx.concurrency, async (n) => [n, await layerVersions(ctx, n)] as const));
  const wanted = new Map(fns.map((fn) => [fn, wantedArns(ctx, fn, targets, versions)]));

  // Read every function first: the confirmation names those that change, and a stage where none would change asks
  // nothing (no --yes needed off a TTY), like a release apply without changes.
  const current = await mapLimit(fns, ctx.concurrency, async (fn) => {
    const name = ctx.names.fn(fn);
    const live = await getFunctionConfig(ctx, name, ctx.names.alias);
    const latest = live ? await getFunctionConfig(ctx, name) : null;
    if (!latest) throw new TurnctlError(`function "${fn}" (${name}) has no \`${ctx.names.alias}\` alias on stage ${ctx.stage.name}; deploy it with \`turnctl release apply\` first`);
    const arns = (c: typeof live) => (c?.Layers ?? []).map((x) => x.Arn!);
    return { fn, name, latest, attached: JSON.stringify(arns(live)) === JSON.stringify(wanted.get(fn)), latestHas: JSON.stringify(arns(latest)) === JSON.stringify(wanted.get(fn)) };
  });
  const pending = current.filter((c) => !c.attached).map((c) => c.fn);
  if (pending.length) await confirm?.(pending);

  const l = await import('@aws-sdk/client-lambda');
  const lambda = await ctx.aws.lambda();
  return mapLimit(current, ctx.concurrency, async ({ fn, name, latest, attached, latestHas }) => {
    const want = wanted.get(fn)!;
    if (attached) return { function: fn, layers: want, changed: false };
    ctx.progress(`attach: ${fn}`);
    if (!latestHas) {
      await lambda.send(new l.UpdateFunctionConfigurationCommand({ FunctionName: name, Layers: want }));
      await waitUpdated(lambda, name);
    }
    // No Description override: a version's Description is what GetFunctionConfiguration(live) answers, and the
    // functions step diffs it against functions.<fn>.description — a note here made every later plan redeploy.
    const version = await publishAndPoint(ctx, name, latest.CodeSha256);
    return { function: fn, layers: want, version, changed: true };
  });
}
