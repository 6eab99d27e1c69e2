import type { Change } from '../release/types.js';
import type { BucketsDesired, BucketSpec } from './desired.js';
import type { BucketLive, BucketsLive, RolePolicyLive } from './live.js';
import { GRANTS_POLICY } from './names.js';
import { samePolicy, type PolicyDoc } from './policy-doc.js';
import { canonicalJson } from '../json.js';

/** Bucket aspects in the order they are written (public access block before the policy it may restrict). */
export const ASPECTS = ['versioning', 'encryption', 'publicAccessBlock', 'cors', 'policy'] as const;
export type Aspect = (typeof ASPECTS)[number];

/** JSON with sorted keys: a comparison key for plain data (the project's one canonical JSON). */
export const stableJson = canonicalJson;

const same = (aspect: Aspect, a: unknown, b: unknown) => (aspect === 'policy' ? samePolicy(a, b) : stableJson(a ?? null) === stableJson(b ?? null));

/** Change id of a bucket (`s3:<name>`) or one of its aspects (`s3:<name>:<aspect>`). */
export const bucketChangeId = (name: string, aspect?: Aspect) => (aspect ? `s3:${name}:${aspect}` : `s3:${name}`);
/** Change id of a role's grants policy. */
export const roleChangeId = (role: string) => `iam:${role}:${GRANTS_POLICY}`;

/** Parses a change id back into what it addresses. */
export function parseChangeId(id: string): { kind: 'bucket'; bucket: string; aspect?: Aspect } | { kind: 'role'; role: string } {
  const [svc, name, rest] = id.split(':');
  if (svc === 'iam') return { kind: 'role', role: name! };
  return { kind: 'bucket', bucket: name!, ...(rest ? { aspect: rest as Aspect } : {}) };
}

/** The live-shaped state a declared bucket should have, given what is live (versioning cannot go back to "never"). */
export function bucketTarget(spec: BucketSpec, live: BucketLive | undefined): BucketLive {
  const liveVersioning = live?.versioning ?? null;
  return {
    name: spec.name,
    exists: true,
    versioning: spec.versioning ? 'Enabled' : liveVersioning === null ? null : 'Suspended',
    publicAccessBlock: spec.publicAccessBlock,
    encryption: spec.encryption,
    cors: spec.cors,
    policy: spec.policy,
  };
}

/**
 * Pure: the changes that turn bucket `live` into `target` (both in the live shape), one per aspect.
 * A target without versioning over a versioned bucket becomes "Suspended": S3 cannot turn versioning off.
 */
export function compareBucket(target: BucketLive, live: BucketLive | undefined): Change[] {
  const changes: Change[] = [];
  const exists = Boolean(live?.exists);
  if (!target.exists) return changes; // deleting a bucket is restore's business (only when empty)
  if (!exists) changes.push({ id: bucketChangeId(target.name), action: 'create', before: null, after: { name: target.name } });
  for (const aspect of ASPECTS) {
    const before = exists ? (live![aspect] ?? null) : null;
    let after: unknown = target[aspect] ?? null;
    if (aspect === 'versioning' && after === null) {
      if (before !== 'Enabled') continue;
      after = 'Suspended';
    }
    if (same(aspect, before, after)) continue;
    changes.push({ id: bucketChangeId(target.name, aspect), action: before === null ? 'create' : after === null ? 'delete' : 'update', before, after });
  }
  return changes;
}

/** Pure: the change that puts `target` as the role's grants policy (none when equal). */
export function compareRole(role: string, target: PolicyDoc | null, live: RolePolicyLive | undefined): Change[] {
  const before = live?.policy ?? null;
  if (samePolicy(before, target)) return [];
  return [{ id: roleChangeId(role), action: before === null ? 'create' : target === null ? 'delete' : 'update', before, after: target }];
}

/** Pure: every change of the buckets section. */
export function diffBuckets(desired: BucketsDesired, live: BucketsLive): Change[] {
  const changes: Change[] = [];
  for (const spec of desired.buckets) {
    const l = live.buckets[spec.name];
    changes.push(...compareBucket(bucketTarget(spec, l), l));
  }
  for (const r of desired.roles) changes.push(...compareRole(r.role, r.policy, live.roles[r.role]));
  return changes;
}
