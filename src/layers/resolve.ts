import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ctx } from '../context.js';
import { displayPath, readYamlFile } from '../config/yaml-file.js';
import { InvalidInputError, isAwsError } from '../errors.js';

/** The lock file of a layer; its bytes (with the runtime) are the layer's identity. */
export const LOCK_FILE = 'package-lock.json';

/** Directory of a layer's sources: `layers/<name>/`. */
export function layerDir(projectDir: string, layerName: string): string {
  return join(projectDir, 'layers', layerName);
}

/** Path of a layer's lock file. */
export function lockFilePath(projectDir: string, layerName: string): string {
  return join(layerDir(projectDir, layerName), LOCK_FILE);
}

/** The lock file bytes; a missing lock file is invalid input (exit 65) naming the file and the fix. */
export function readLockFile(projectDir: string, layerName: string): Buffer {
  const file = lockFilePath(projectDir, layerName);
  try {
    return readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const dir = displayPath(layerDir(projectDir, layerName));
    throw new InvalidInputError(
      displayPath(file),
      code === 'ENOENT'
        ? `layer "${layerName}" has no lock file; run \`npm install --package-lock-only\` in ${dir} and commit ${LOCK_FILE}`
        : `cannot read the lock file of layer "${layerName}" (${code})`,
    );
  }
}

/** `line:column` (1-based) of a character offset in `text`. */
function lineCol(text: string, offset: number): string {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const line = before.split('\n').length;
  return `${line}:${before.length - before.lastIndexOf('\n')}`;
}

/**
 * Checks that a layer's package.json / lock file is JSON: npm ci would otherwise fail half-way through a release (or a
 * CodeBuild build) with a message about a missing lock file. A merge conflict left in a lock file is the usual cause.
 */
export function checkLayerJson(file: string, fix: string): void {
  const text = readFileSync(file, 'utf8');
  try {
    JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const at = /at position (\d+)/.exec(message);
    const reason = message.replace(/ in JSON at position \d+.*$/, '').replace(/ \(line \d+ column \d+\)$/, '');
    throw new InvalidInputError(`${displayPath(file)}:${lineCol(text, at ? Number(at[1]) : text.length)}`, `not valid JSON (${reason}); ${fix}`);
  }
}

const DEPENDENCY_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies', 'devDependencies'] as const;

/**
 * Checks that a layer's lock file was made from its package.json: the lock's root package (`packages[""]`) declares
 * the same dependencies with the same specs. The layer's identity is the lock file, so a dependency added to
 * package.json without re-locking changed nothing turnctl publishes (plan: no changes), and npm ci refuses such a
 * pair ("can only install packages when your package.json and package-lock.json … are in sync") wherever no cached
 * build exists. Lock files without a root entry (lockfileVersion 1) are compared by dependency name.
 * Call after checkLayerJson on both files.
 */
export function checkLockInSync(projectDir: string, layerName: string): void {
  const dir = layerDir(projectDir, layerName);
  const pkgFile = join(dir, 'package.json');
  const lockFile = lockFilePath(projectDir, layerName);
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as Record<string, unknown>;
  const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as { packages?: Record<string, Record<string, unknown>>; dependencies?: Record<string, unknown> };
  const specs = (o: Record<string, unknown> | undefined, field: string) => {
    const v = o?.[field];
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, string>) : {};
  };
  const fix = `run \`npm install --package-lock-only\` in ${displayPath(dir)} and commit ${LOCK_FILE}`;
  const root = lock.packages?.[''];
  for (const field of DEPENDENCY_FIELDS) {
    const want = specs(pkg, field);
    // lockfileVersion 1 records installed packages only, not the root's specs.
    const have = root ? specs(root, field) : field === 'peerDependencies' ? want : specs(lock as Record<string, unknown>, 'dependencies');
    for (const [name, spec] of Object.entries(want)) {
      if (name in have && (!root || have[name] === spec)) continue;
      const problem = name in have ? `${field}.${name} is "${spec}" but ${LOCK_FILE} was made for "${have[name]}"` : `${field}.${name} ("${spec}") is not in ${LOCK_FILE}`;
      throw new InvalidInputError(readYamlFile(pkgFile).where([field, name]), `layer "${layerName}": ${problem}; the lock file is out of sync with package.json (the layer is built from the lock file); ${fix}`);
    }
    if (!root) continue;
    for (const name of Object.keys(have))
      if (!(name in want))
        throw new InvalidInputError(
          readYamlFile(lockFile).where(['packages', '', field, name]),
          `layer "${layerName}": ${name} is locked as a ${field.replace(/ies$/, 'y')} but package.json no longer has it; the lock file is out of sync with package.json (the layer would still ship it); ${fix}`,
        );
  }
}

/** Content hash of a layer: sha256 over its lock file bytes + "\n" + the target runtime (hex). */
export function layerContentHash(projectDir: string, layerName: string, runtime: string): string {
  return createHash('sha256').update(readLockFile(projectDir, layerName)).update('\n').update(runtime).digest('hex');
}

/** Deployed layer name: `<project>-<stage>-<layer>`. */
export function deployedLayerName(ctx: Ctx, layerName: string): string {
  return ctx.names.scoped(layerName);
}

/** The marker written into a published version's Description; `hashFromDescription` reads it back. */
export function hashDescription(hash: string, runtime: string, text?: string): string {
  const marker = `turnctl sha256=${hash} runtime=${runtime}`;
  // Lambda caps Description at 256 characters; the marker always fits and always comes last.
  const room = 256 - marker.length - 3;
  return text ? `${text.slice(0, room)} | ${marker}` : marker;
}

/** The content hash recorded on a layer version's Description, if turnctl published it. */
export function hashFromDescription(description: string | undefined): string | undefined {
  return /turnctl sha256=([0-9a-f]{64})/.exec(description ?? '')?.[1];
}

/** One published version of a layer. */
export interface LayerVersion {
  arn: string;
  version: number;
  hash?: string;
  runtimes?: string[];
  createdDate?: string;
}

/** All published versions of a layer with the content hash recorded on each (from its Description, e.g. "turnctl sha256=<hash>"); [] when none. All pages. */
export async function layerVersions(ctx: Ctx, layerName: string): Promise<LayerVersion[]> {
  const { ListLayerVersionsCommand } = await import('@aws-sdk/client-lambda');
  const lambda = await ctx.aws.lambda();
  const name = deployedLayerName(ctx, layerName);
  const out: LayerVersion[] = [];
  let marker: string | undefined;
  do {
    let page;
    try {
      page = await lambda.send(new ListLayerVersionsCommand({ LayerName: name, Marker: marker }));
    } catch (err) {
      // AWS answers an empty list for an unknown layer; some emulators answer ResourceNotFound instead.
      if (isAwsError(err, 'ResourceNotFoundException')) return [];
      throw err;
    }
    for (const v of page.LayerVersions ?? []) {
      if (!v.LayerVersionArn || v.Version === undefined) continue;
      out.push({
        arn: v.LayerVersionArn,
        version: Number(v.Version),
        hash: hashFromDescription(v.Description),
        runtimes: v.CompatibleRuntimes,
        createdDate: v.CreatedDate,
      });
    }
    marker = page.NextMarker;
  } while (marker);
  return out.sort((a, b) => a.version - b.version);
}

/** The ARN of the newest version of a layer that carries `hash`, if one was published. */
export async function layerVersionArn(ctx: Ctx, layerName: string, hash: string): Promise<string | undefined> {
  const versions = await layerVersions(ctx, layerName);
  return versions.filter((v) => v.hash === hash).at(-1)?.arn;
}
