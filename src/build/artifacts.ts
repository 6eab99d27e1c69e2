import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A built zip in the artifact cache. */
export interface Artifact {
  /** sha256 of the zip, hex (the cache key). */
  sha256: string;
  /** The same hash as Lambda reports it (CodeSha256: base64). */
  codeSha256: string;
  path: string;
  size: number;
}

export const artifactsDir = (stateDir: string) => join(stateDir, 'artifacts');

/** Lambda's CodeSha256 (base64) as the hex cache key. */
export const codeShaToHex = (codeSha256: string) => Buffer.from(codeSha256, 'base64').toString('hex');

/** Path of a cached artifact by its CodeSha256, if present. */
export function artifactByCodeSha(stateDir: string, codeSha256: string): string | undefined {
  const p = join(artifactsDir(stateDir), `${codeShaToHex(codeSha256)}.zip`);
  return existsSync(p) ? p : undefined;
}

/** Stores zip bytes under .turnctl/artifacts/<sha256>.zip (atomically; once). */
export function storeArtifact(stateDir: string, zip: Uint8Array): Artifact {
  const digest = createHash('sha256').update(zip).digest();
  const sha256 = digest.toString('hex');
  const dir = artifactsDir(stateDir);
  const path = join(dir, `${sha256}.zip`);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, zip);
    renameSync(tmp, path);
  }
  return { sha256, codeSha256: digest.toString('base64'), path, size: zip.byteLength };
}
