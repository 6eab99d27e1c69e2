import { createHash } from 'node:crypto';
import type { Ctx } from '../../context.js';
import { mapLimit } from '../../aws/clients.js';
import { layerVersions, type LayerVersion } from '../../layers/resolve.js';
import { deleteLayerVersions, ensurePublished, versionWithHash, type PublishOutcome } from '../../layers/publish.js';
import { changeId, layerTargets, shortHash, type LayerTarget } from '../../layers/targets.js';
import type { Change, RestoreResult, Step } from '../types.js';

/** Desired: one target per declared layer and runtime. */
export interface LayersDesired {
  targets: LayerTarget[];
}

/** Live: every published version of each declared layer (oldest first). */
export type LayersLive = Record<string, LayerVersion[]>;

/** Journal form of the live state: per layer the newest version and the highest version number seen. */
export type LayersRecord = Record<string, { deployedName: string; latest: { version: number; hash?: string } | null; maxVersion: number }>;

/** Journalled result of apply: the versions this release published. */
export interface LayersResult {
  published: Array<PublishOutcome & { deployedName: string }>;
}

/** Builds at most this many layers at once (npm ci / CodeBuild builds are heavy). */
const BUILD_CONCURRENCY = 2;

function latestOf(versions: readonly LayerVersion[] | undefined): LayerVersion | undefined {
  return versions?.at(-1);
}

/** The layers step: publishes a new layer version only when no version carries the desired content hash. */
export const step: Step<LayersDesired, LayersLive> = {
  section: 'layers',

  async desired(ctx) {
    return { targets: layerTargets(ctx) };
  },

  digest(desired) {
    const h = createHash('sha256');
    for (const t of desired.targets) h.update(`${t.layer}:${t.runtime}:${t.hash}\n`);
    return h.digest('hex');
  },

  async read(ctx, desired) {
    const names = [...new Set(desired.targets.map((t) => t.layer))];
    const all = await mapLimit(names, ctx.concurrency, (n) => layerVersions(ctx, n));
    const live = Object.fromEntries(names.map((n, i) => [n, all[i]!]));
    // A build this plan will start needs its CodeBuild project: refused now rather than by StartBuild mid-apply.
    const builds = desired.targets.filter((t) => t.via === 'codebuild' && !versionWithHash(live[t.layer] ?? [], t.hash));
    if (builds.length) await (await import('../../layers/codebuild.js')).assertCodebuildProjects(ctx, builds);
    return live;
  },

  diff(desired, live) {
    const changes: Change[] = [];
    for (const t of desired.targets) {
      const versions = live[t.layer] ?? [];
      if (versionWithHash(versions, t.hash)) continue;
      // The version this one replaces is the newest for the same runtime: a layer built for two runtimes has two lines.
      const latest = versions.filter((v) => v.runtimes?.includes(t.runtime)).at(-1) ?? latestOf(versions);
      changes.push({
        id: changeId(t, desired.targets),
        action: latest ? 'update' : 'create',
        before: latest ? { version: latest.version, hash: latest.hash ?? null, runtime: latest.runtimes?.join(',') ?? null } : null,
        after: { hash: t.hash, runtime: t.runtime },
        note: `publish ${t.deployedName} (${t.runtime}) ${shortHash(t.hash)}, built ${t.via === 'local' ? 'locally' : `in CodeBuild ${t.codebuildProject}`}`,
      });
    }
    return changes;
  },

  record(live): LayersRecord {
    return Object.fromEntries(
      Object.entries(live).map(([layer, versions]) => {
        const latest = latestOf(versions);
        const deployedName = latest?.arn.split(':').at(-2) ?? '';
        return [layer, { deployedName, latest: latest ? { version: latest.version, hash: latest.hash } : null, maxVersion: latest?.version ?? 0 }];
      }),
    );
  },

  async apply(ctx, desired, changes): Promise<LayersResult> {
    const wanted = new Set(changes.map((c) => c.id));
    const targets = desired.targets.filter((t) => wanted.has(changeId(t, desired.targets)));
    const published: LayersResult['published'] = [];
    // Builds run to the end even when one fails (no half-finished CodeBuild runs); a failed apply journals no result,
    // so restore then finds this release's versions as those newer than the recorded before-state.
    const errors: unknown[] = [];
    await mapLimit(targets, BUILD_CONCURRENCY, async (t) => {
      try {
        const out = await ensurePublished(ctx, t);
        if (out.published) published.push({ ...out, deployedName: t.deployedName });
      } catch (err) {
        errors.push(err);
      }
    });
    if (errors.length) throw errors[0];
    return { published };
  },

  async restore(ctx: Ctx, before: LayersRecord | undefined, result: LayersResult | undefined): Promise<RestoreResult> {
    let toDelete: Array<{ layer: string; deployedName: string; version: number }>;
    if (result?.published) toDelete = result.published;
    else {
      // No journalled result (apply failed mid-way): versions newer than the recorded ones that turnctl published.
      toDelete = [];
      for (const [layer, rec] of Object.entries(before ?? {})) {
        for (const v of await layerVersions(ctx, layer)) {
          if (v.version > rec.maxVersion && v.hash) toDelete.push({ layer, deployedName: v.arn.split(':').at(-2)!, version: v.version });
        }
      }
    }
    const restored = await deleteLayerVersions(ctx, toDelete);
    return { restored: restored.length ? restored : ['layers: nothing published by this release'] };
  },
};
