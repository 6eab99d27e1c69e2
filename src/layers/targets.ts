import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Ctx } from '../context.js';
import { displayPath } from '../config/yaml-file.js';
import { UsageError } from '../errors.js';
import { checkLayerJson, checkLockInSync, deployedLayerName, layerContentHash, layerDir, lockFilePath, readLockFile } from './resolve.js';

const DEFAULT_RUNTIME = 'nodejs22.x';

/** One thing to publish: a declared layer built for one runtime, identified by its content hash. */
export interface LayerTarget {
  layer: string;
  runtime: string;
  /** sha256(lock file + "\n" + runtime), hex. */
  hash: string;
  /** `<project>-<stage>-<layer>`. */
  deployedName: string;
  description?: string;
  /** Where it is built on this stage. */
  via: 'local' | 'codebuild';
  /** The stage's CodeBuild project (used when via = codebuild). */
  codebuildProject: string;
  timeoutMinutes: number;
  /** Absolute path of layers/<layer>/. */
  dir: string;
}

/**
 * The layers of the stack checked against the project: every layer a function names is declared, every declared
 * layer has layers/<name>/package.json and a lock file, and builds for the runtimes of the functions that use it.
 * Problems are invalid input (exit 65) pointing at turnctl.yaml file:line or the missing file.
 */
export function validateLayers(ctx: Ctx): void {
  const declared = ctx.stack.layers ?? {};
  const file = ctx.project.file;
  for (const [fn, cfg] of Object.entries(ctx.stack.functions)) {
    cfg.layers.forEach((name, i) => {
      const layer = declared[name];
      if (!layer) {
        const known = Object.keys(declared);
        throw file.error(['functions', fn, 'layers', i], `function "${fn}" names unknown layer "${name}"; declare it under "layers:" in turnctl.yaml${known.length ? ` (declared: ${known.join(', ')})` : ''}`);
      }
      if (layer.runtimes && !layer.runtimes.includes(cfg.runtime as never))
        throw file.error(['functions', fn, 'layers', i], `function "${fn}" runs ${cfg.runtime} but layer "${name}" is built for ${layer.runtimes.join(', ')}; add ${cfg.runtime} to layers.${name}.runtimes`);
    });
  }
  for (const name of Object.keys(declared)) {
    // CreateProject's name rule, after substitution: StartBuild with another name fails the layers step mid-apply.
    const project = declared[name]!.build.codebuild?.project;
    if (project !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_-]{1,254}$/.test(project))
      throw file.error(['layers', name, 'build', 'codebuild', 'project'], `layer "${name}": "${project}" is not a CodeBuild project name; use letters, digits, - and _ (starting with a letter or digit), e.g. \${project}-\${stage}-layers`);
    const pkg = join(layerDir(ctx.project.dir, name), 'package.json');
    if (!existsSync(pkg)) throw file.error(['layers', name], `layer "${name}": ${displayPath(pkg)} not found; create layers/${name}/ with a package.json and its package-lock.json`);
    checkLayerJson(pkg, `fix it and re-lock (npm install --package-lock-only in layers/${name})`);
    readLockFile(ctx.project.dir, name); // a missing lock file is named before its contents are looked at
    checkLayerJson(lockFilePath(ctx.project.dir, name), `resolve the conflict or re-create it with npm install --package-lock-only in layers/${name}`);
    checkLockInSync(ctx.project.dir, name);
  }
}

/** Runtimes a layer is built for: declared, else those of the functions naming it, else nodejs22.x. */
function runtimesOf(ctx: Ctx, name: string): string[] {
  const declared = ctx.stack.layers?.[name]?.runtimes;
  if (declared) return [...new Set(declared)];
  const used = Object.values(ctx.stack.functions).filter((f) => f.layers.includes(name)).map((f) => f.runtime);
  return used.length ? [...new Set(used)].sort() : [DEFAULT_RUNTIME];
}

/** The publish targets of the given layers (all declared layers when `only` is empty), validated; reads lock files. */
export function layerTargets(ctx: Ctx, only: readonly string[] = []): LayerTarget[] {
  validateLayers(ctx);
  const declared = ctx.stack.layers ?? {};
  for (const name of only)
    if (!declared[name]) throw new UsageError(`unknown layer "${name}"; layers in turnctl.yaml: ${Object.keys(declared).join(', ') || '(none)'}`);
  const names = only.length ? [...new Set(only)] : Object.keys(declared).sort();
  return names.flatMap((layer) => {
    const cfg = declared[layer]!;
    const via = cfg.build.via === 'auto' ? (ctx.stage.sandbox ? 'local' : 'codebuild') : cfg.build.via;
    return runtimesOf(ctx, layer).map((runtime) => ({
      layer,
      runtime,
      hash: layerContentHash(ctx.project.dir, layer, runtime),
      deployedName: deployedLayerName(ctx, layer),
      description: cfg.description,
      via,
      codebuildProject: cfg.build.codebuild?.project ?? ctx.names.scoped('layers'),
      timeoutMinutes: cfg.build.codebuild?.timeoutMinutes ?? 30,
      dir: layerDir(ctx.project.dir, layer),
    }));
  });
}

/** Short form of a content hash for humans. */
export const shortHash = (hash: string | undefined) => (hash ? hash.slice(0, 12) : '-');

/** Key of a target in plans and results: `layer:<name>`, or `layer:<name>:<runtime>` when the layer builds for several. */
export function changeId(t: LayerTarget, all: readonly LayerTarget[]): string {
  const several = all.filter((x) => x.layer === t.layer).length > 1;
  return several ? `layer:${t.layer}:${t.runtime}` : `layer:${t.layer}`;
}
