import { createHash, scryptSync } from 'node:crypto';

// scrypt instead of a bare sha256: fingerprints are shown in plans, CI job summaries and journals, and a fast hash of
// a weak password can be guessed offline at billions a second. The salt is fixed so that the same value gives the same
// fingerprint on every machine (saved plans stay comparable); the cost (N = 2^13, ≈ 20 ms) makes every guess that
// expensive. Each distinct value is derived once per process.
const SALT = 'turnctl/fingerprint/v1';
const memo = new Map<string, string>();

/** A short, one-way fingerprint of a value: what plans, journals and errors show instead of it. */
export function fingerprint(value: string): string {
  let f = memo.get(value);
  if (f === undefined) {
    f = `scrypt:${scryptSync(value, SALT, 5, { N: 1 << 13, r: 8, p: 1 }).toString('hex')}`;
    memo.set(value, f);
  }
  return f;
}

/** A fast content hash of text that holds no secret (e.g. a map of fingerprints). */
export function contentHash(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 10)}`;
}

// Every secret value this process resolved. Process-wide on purpose: an AWS error can echo a value back (Lambda's
// "environment variables exceeded 4KB" quotes them) from any client, long after the context that resolved it.
const known = new Set<string>();

/** Remembers a resolved secret so that error messages can be scrubbed of it (values shorter than 4 are not). */
export function rememberSecret(value: string): void {
  if (value.length >= 4) known.add(value);
}

/** Replaces every occurrence of the given secret values (default: every one resolved so far) by its fingerprint. */
export function redact(text: string, secrets: Iterable<string> = known): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4 && out.includes(s)) out = out.split(s).join(fingerprint(s));
  return out;
}
