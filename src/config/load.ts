import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InvalidInputError, UsageError } from '../errors.js';
import { configSchema, manifestSchema, type Config, type Manifest } from './schema.js';
import type { StageConfig } from './sections/stages.js';
import { displayPath, loadYaml, type Path, type SourceFile } from './yaml-file.js';

export const CONFIG_FILE = 'turnctl.yaml';

/** A loaded project: its directory and validated turnctl.yaml (values not yet substituted per stage). */
export interface Project {
  readonly dir: string;
  readonly file: SourceFile<Config>;
  readonly config: Config;
}

/** A stage resolved from turnctl.yaml. */
export interface Stage extends StageConfig {
  readonly name: string;
  readonly region: string;
}

/** The project directory: the one of `dir` and its parents that holds turnctl.yaml (the file is not read). */
export function findProjectDir(dir = process.cwd()): string {
  let d = resolve(dir);
  while (!existsSync(join(d, CONFIG_FILE))) {
    const up = dirname(d);
    if (up === d) throw new InvalidInputError(undefined, `no ${CONFIG_FILE} found in ${displayPath(resolve(dir))} or any parent directory; run turnctl from the project directory`);
    d = up;
  }
  return d;
}

/** Finds turnctl.yaml in `dir` or a parent, and validates it. */
export function loadProject(dir = process.cwd()): Project {
  const d = findProjectDir(dir);
  const file = loadYaml(join(d, CONFIG_FILE), configSchema);
  for (const [name, stage] of Object.entries(file.value.stages)) {
    if (stage.promoteFrom && !file.value.stages[stage.promoteFrom])
      throw file.error(['stages', name, 'promoteFrom'], `stage "${name}" promotes from unknown stage "${stage.promoteFrom}"; use one of: ${Object.keys(file.value.stages).join(', ')}`);
    if (stage.sandbox && (stage.endpoint || stage.profile))
      throw file.error(['stages', name, 'sandbox'], `stage "${name}" uses the sandbox; remove its endpoint/profile`);
  }
  // A misspelt stage here is silently never used: that stage would fall back to no database (or the sandbox default).
  for (const name of Object.keys(file.value.database?.stages ?? {}))
    if (!file.value.stages[name])
      throw file.error(['database', 'stages', name], `database.stages names unknown stage "${name}"; use one of: ${Object.keys(file.value.stages).join(', ')}`);
  for (const [name, fn] of Object.entries(file.value.functions)) {
    const entry = fn.entry ?? `src/lambdas/${name}/index.ts`;
    if (!existsSync(join(d, entry))) throw file.error(['functions', name, ...(fn.entry ? ['entry'] : [])], `function "${name}": entry file ${entry} not found; create it or set "entry"`);
    if (fn.smoke && !existsSync(join(d, fn.smoke))) throw file.error(['functions', name, 'smoke'], `function "${name}": smoke event ${fn.smoke} not found`);
  }
  return { dir: d, file, config: file.value };
}

/** The named stage of the project; an unknown name is invalid input listing the known ones. */
export function resolveStage(project: Project, name: string | undefined): Stage {
  if (!name) throw new UsageError('missing --stage <name>');
  const stage = project.config.stages[name];
  if (!stage)
    throw new InvalidInputError(project.file.where(['stages']), `unknown stage "${name}"; stages in ${CONFIG_FILE}: ${Object.keys(project.config.stages).join(', ')}`);
  return { ...stage, name, region: stage.region ?? project.config.region };
}

/** The stack of turnctl.yaml with ${stage}, ${project}, ${region}, ${account}, ${dir} (the project directory) and ${var.NAME} substituted for one stage. */
export function stackFor(project: Project, stage: Stage): Config {
  const vars: Record<string, unknown> = { stage: stage.name, project: project.config.project, region: stage.region, account: stage.account, dir: project.dir };
  const sub = (value: unknown, path: Path): unknown => {
    if (typeof value === 'string') {
      const whole = /^\$\{var\.([A-Za-z0-9_]+)\}$/.exec(value);
      if (whole) {
        if (!(whole[1]! in stage.vars)) throw project.file.error(path, `unknown variable \${var.${whole[1]}} for stage "${stage.name}"; add it under stages.${stage.name}.vars`);
        // A variable may itself use ${stage}, ${dir}, … (not other variables).
        const v = stage.vars[whole[1]!];
        return typeof v === 'string' && !v.includes('${var.') ? sub(v, path) : v;
      }
      return value.replace(/\$\{([a-z]+)(?:\.([A-Za-z0-9_]+))?\}/g, (m, name: string, v?: string) => {
        if (name === 'var' && v) {
          if (!(v in stage.vars)) throw project.file.error(path, `unknown variable \${var.${v}} for stage "${stage.name}"; add it under stages.${stage.name}.vars`);
          const val = stage.vars[v];
          if (val !== null && typeof val === 'object' && !Array.isArray(val)) throw project.file.error(path, `\${var.${v}} is a reference (ssm/secret); use it as the whole value, not inside a string`);
          return String(val);
        }
        if (!v && name in vars) return String(vars[name]);
        throw project.file.error(path, `unknown substitution ${m}; use \${stage}, \${project}, \${region}, \${account}, \${dir} or \${var.NAME}`);
      });
    }
    if (Array.isArray(value)) return value.map((v, i) => sub(v, [...path, i]));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sub(v, [...path, k])]));
    return value;
  };
  const { stages, ...rest } = project.config;
  return { ...(sub(rest, []) as Omit<Config, 'stages'>), stages };
}

/** A loaded release manifest. */
export interface LoadedManifest {
  readonly file: SourceFile<Manifest>;
  readonly manifest: Manifest;
}

/** Loads and validates releases/<version>.yaml; the version must match the file name. */
export function loadManifest(file: string): LoadedManifest {
  if (!existsSync(file)) throw new InvalidInputError(displayPath(file), 'release manifest not found; pass a path like releases/1.0.0.yaml');
  const src = loadYaml(file, manifestSchema);
  const stem = basename(file).replace(/\.ya?ml$/, '');
  if (/^\d+\.\d+\.\d+/.test(stem) && stem !== src.value.version)
    throw src.error(['version'], `version "${src.value.version}" does not match the file name ${basename(file)}; rename the file or fix the version`);
  return { file: src, manifest: src.value };
}
