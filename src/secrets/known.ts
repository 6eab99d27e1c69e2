import { createHash } from 'node:crypto';

/** A short, one-way fingerprint of a value: what plans, journals and errors show instead of it. */
export function fingerprint(value: string): string {
  return `sha256:${createHash('sha256').update(value).digest('hex').slice(0, 10)}`;
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
