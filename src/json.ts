/**
 * JSON with object keys sorted at every level: equal plain data gives equal text, so it serves as a comparison key
 * and as the input of fingerprints and digests. `undefined` object members are dropped (as JSON.stringify does);
 * `undefined` itself is "null".
 */
export function canonicalJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
        : v,
    ) ?? 'null'
  );
}
