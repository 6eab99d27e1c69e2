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

// Every secret value this process resolved, by each form it can take in text (see formsOf) → the value. Process-wide on
// purpose: an AWS error can echo a value back (Lambda's "environment variables exceeded 4KB" quotes them) from any
// client, long after the context that resolved it.
const known = new Map<string, string>();
let longestFirst: string[] | undefined;

/**
 * The forms a value takes in what turnctl prints or records: itself; trimmed (a secret stored with a trailing newline
 * is used trimmed, e.g. a database URL); JSON-escaped once and twice, as the value sits in a JSON log line, a JSON body,
 * that body inside a payload, or an AWS error quoting a JSON request; URL-encoded, as a token sits in a logged request
 * URL. A generated password holds `"` and `\`, which JSON escapes, a base64 token `+` and `/`, which URLs encode:
 * matching the raw value alone missed them there.
 */
function formsOf(value: string): string[] {
  const forms = new Set([value, value.trim()]);
  for (const v of [...forms]) {
    const once = JSON.stringify(v).slice(1, -1);
    forms.add(once).add(JSON.stringify(once).slice(1, -1)).add(urlEncoded(v));
  }
  return [...forms].filter((f) => f.length >= 4);
}

/** encodeURIComponent, or the value itself when it holds a lone surrogate (which encodeURIComponent refuses). */
function urlEncoded(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Remembers a resolved secret so that error messages can be scrubbed of it (values shorter than 4 are not). */
export function rememberSecret(value: string): void {
  if (value.length < 4) return;
  for (const form of formsOf(value)) if (!known.has(form)) (known.set(form, value), (longestFirst = undefined));
}

/**
 * Replaces every remembered secret in `text`, in each of its forms, by the value's fingerprint. Longest first: a value
 * that holds another (a JSON secret and one of its keys) is replaced whole.
 */
export function redact(text: string): string {
  longestFirst ??= [...known.keys()].sort((a, b) => b.length - a.length);
  let out = text;
  for (const form of longestFirst) if (out.includes(form)) out = out.split(form).join(fingerprint(known.get(form)!));
  return out;
}

/** A value as it may be printed or recorded: every remembered secret in its strings (keys too) replaced. */
export function redactValue<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(redactValue) as T;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k), redactValue(v)])) as T;
}

/**
 * Text as it may be printed or saved (a sink's redaction): like `redact`, but a JSON document or line (`--output json`,
 * a saved plan) stays valid JSON — only its strings are redacted. A secret that reads as a JSON token (an SSM flag
 * "true", a port "3000") replaced in the raw text would have broken `"sensitive": true` or `"timeout": 3000`.
 */
export function redactText(text: string): string {
  const clean = redact(text);
  if (clean === text || !/^\s*[[{]/.test(text)) return clean;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return clean;
  }
  const json = JSON.stringify(redactValue(value), null, /^[[{]\n/.test(text.trimStart()) ? 2 : undefined);
  return text.endsWith('\n') ? `${json}\n` : json;
}
