/** A document version: dotted numbers, e.g. 1, 1.1, 2.0.3. */
export const VERSION_PATTERN = /^\d+(?:\.\d+){0,2}$/;

/** Compares dotted versions numerically (1.10 > 1.9; 1.0 equals 1): negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The next minor version, for messages ("bump it, e.g. to 1.1"). */
export function nextVersion(v: string): string {
  const parts = v.split('.').map(Number);
  if (parts.length === 1) return `${parts[0]! + 1}`;
  parts[1] = parts[1]! + 1;
  return parts.slice(0, 2).join('.') + (parts.length > 2 ? '.0' : '');
}
