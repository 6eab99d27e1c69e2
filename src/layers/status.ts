import type { Ctx } from '../context.js';
import { mapLimit } from '../aws/clients.js';
import { getFunctionConfig } from '../aws/lambda.js';
import { layerVersions } from './resolve.js';
import { versionWithHash } from './publish.js';
import { layerTargets } from './targets.js';

/** One declared layer × runtime on a stage, as `layers list` shows it. */
export interface LayerStatus {
  layer: string;
  runtime: string;
  deployedName: string;
  /** Content hash of the current lock file for this runtime. */
  hash: string;
  /** The version carrying that hash; null when the current lock file is not published. */
  current: { version: number; arn: string } | null;
  /** Newest published version (any hash). */
  latest: { version: number; hash?: string } | null;
  versions: number;
  /** Functions naming the layer (same runtime) and the version their `live` alias carries (null: not deployed / not attached). */
  functions: Array<{ function: string; attachedVersion: number | null }>;
}

/** Published and attached state of the declared layers (read-only). */
export async function layerStatus(ctx: Ctx, only: readonly string[] = []): Promise<LayerStatus[]> {
  const targets = layerTargets(ctx, only);
  const names = [...new Set(targets.map((t) => t.layer))];
  const versions = new Map(await mapLimit(names, ctx.concurrency, async (n) => [n, await layerVersions(ctx, n)] as const));
  const fns = Object.keys(ctx.stack.functions).filter((fn) => ctx.stack.functions[fn]!.layers.some((l) => names.includes(l)));
  const liveLayers = new Map(
    await mapLimit(fns, ctx.concurrency, async (fn) => [fn, ((await getFunctionConfig(ctx, ctx.names.fn(fn), ctx.names.alias))?.Layers ?? []).map((l) => l.Arn!)] as const),
  );
  return targets.map((t) => {
    const vs = versions.get(t.layer) ?? [];
    const cur = versionWithHash(vs, t.hash);
    const latest = vs.at(-1);
    const prefix = `:layer:${t.deployedName}:`;
    return {
      layer: t.layer,
      runtime: t.runtime,
      deployedName: t.deployedName,
      hash: t.hash,
      current: cur ? { version: cur.version, arn: cur.arn } : null,
      latest: latest ? { version: latest.version, hash: latest.hash } : null,
      versions: vs.length,
      functions: fns
        .filter((fn) => ctx.stack.functions[fn]!.layers.includes(t.layer) && ctx.stack.functions[fn]!.runtime === t.runtime)
        .map((fn) => {
          const arn = liveLayers.get(fn)?.find((a) => a.includes(prefix));
          return { function: fn, attachedVersion: arn ? Number(arn.split(':').at(-1)) : null };
        }),
    };
  });
}
