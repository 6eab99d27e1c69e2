/** An IAM / S3 policy document as turnctl handles it. */
export interface PolicyDoc {
  Version?: string;
  Id?: string;
  Statement: PolicyStatement[];
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

/** Problem with a policy's shape (path inside the document + text), or undefined when it looks like a policy. */
export function policyShapeProblem(doc: unknown): { path: Array<string | number>; problem: string } | undefined {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return { path: [], problem: 'a policy must be a JSON object with "Statement"' };
  const st = (doc as { Statement?: unknown }).Statement;
  if (st === undefined) return { path: [], problem: 'a policy needs "Statement" (a list of statements)' };
  const list = Array.isArray(st) ? st : [st];
  for (let i = 0; i < list.length; i++) {
    const s = list[i] as Record<string, unknown> | null;
    const at = Array.isArray(st) ? ['Statement', i] : ['Statement'];
    if (!s || typeof s !== 'object') return { path: at, problem: 'a statement must be an object' };
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') return { path: [...at, 'Effect'], problem: 'Effect must be "Allow" or "Deny"' };
    if (s.Action === undefined && s.NotAction === undefined) return { path: at, problem: 'a statement needs "Action" or "NotAction"' };
  }
  return undefined;
}

/**
 * What S3 would refuse in a bucket's policy (PutBucketPolicy), found before anything is written: a statement
 * without a principal or a resource ("Missing required field"), a resource outside this bucket ("Policy has invalid
 * resource"), and — while the bucket blocks public policies — an Allow to everyone without a condition (AccessDenied;
 * AWS also counts some conditioned statements as public, which only S3 itself can judge). moto checks none of
 * these, so the plan does.
 */
export function bucketPolicyProblem(doc: PolicyDoc, bucket: string, blockPublicPolicy: boolean): { path: Array<string | number>; problem: string } | undefined {
  const own = new RegExp(`^arn:[a-z-]+:s3:::${bucket.replace(/[.]/g, '\\.')}(/.*)?$`);
  const everyone = (p: unknown) => p === '*' || (p !== null && typeof p === 'object' && [(p as { AWS?: unknown }).AWS].flat().includes('*'));
  for (let i = 0; i < doc.Statement.length; i++) {
    const s = doc.Statement[i]!;
    const at = ['Statement', i];
    if (s.Principal === undefined && s.NotPrincipal === undefined) return { path: at, problem: 'a bucket policy statement needs "Principal" (S3 refuses it without)' };
    if (s.Resource === undefined && s.NotResource === undefined) return { path: at, problem: 'a bucket policy statement needs "Resource" (S3 refuses it without)' };
    for (const r of [s.Resource ?? s.NotResource].flat())
      if (typeof r !== 'string' || !own.test(r))
        return { path: [...at, s.Resource !== undefined ? 'Resource' : 'NotResource'], problem: `resource ${JSON.stringify(r)} is not bucket ${bucket} (arn:aws:s3:::${bucket} or arn:aws:s3:::${bucket}/…); S3 refuses it` };
    if (blockPublicPolicy && s.Effect === 'Allow' && everyone(s.Principal) && !s.Condition)
      return { path: [...at, 'Principal'], problem: `allows everyone ("*") while the bucket blocks public policies (publicAccessBlock); S3 refuses it — name the principals, add a condition, or set publicAccessBlock.blockPublicPolicy: false` };
  }
  return undefined;
}

/** A policy with `Statement` always a list (AWS accepts a single object). */
export function asPolicy(doc: unknown): PolicyDoc {
  const d = doc as PolicyDoc & { Statement: PolicyStatement | PolicyStatement[] };
  return { ...d, Statement: Array.isArray(d.Statement) ? d.Statement : [d.Statement] };
}

// Keys whose value AWS treats as a set: "x" equals ["x"], and order does not matter.
const SET_KEYS = new Set(['Action', 'NotAction', 'Resource', 'NotResource', 'AWS', 'Service', 'Federated', 'CanonicalUser']);

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      out[k] = k === 'Condition' ? canonicalCondition(v) : SET_KEYS.has(k) ? asSet(v) : canonical(v);
    }
    return out;
  }
  return value;
}

function asSet(v: unknown): unknown[] {
  return (Array.isArray(v) ? v : [v]).map(canonical).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

function canonicalCondition(cond: unknown): unknown {
  if (!cond || typeof cond !== 'object') return cond;
  const out: Record<string, Record<string, unknown>> = {};
  for (const op of Object.keys(cond).sort()) {
    const keys = (cond as Record<string, Record<string, unknown>>)[op] ?? {};
    out[op] = Object.fromEntries(Object.keys(keys).sort().map((k) => [k, asSet(keys[k]).map(String)]));
  }
  return out;
}

/** A stable string of a policy for comparison: key order, single-vs-list and set order do not matter. */
export function policyKey(doc: unknown): string | null {
  if (doc === null || doc === undefined) return null;
  const p = asPolicy(doc);
  return JSON.stringify(canonical({ ...p, Version: p.Version ?? '2008-10-17' }));
}

/** True when two policies (or nulls) say the same thing. */
export function samePolicy(a: unknown, b: unknown): boolean {
  return policyKey(a) === policyKey(b);
}

/** Parses a policy document as IAM returns it (URL-encoded JSON) or S3 returns it (JSON). */
export function parsePolicyText(text: string): PolicyDoc {
  const raw = text.trim().startsWith('{') ? text : decodeURIComponent(text);
  return asPolicy(JSON.parse(raw));
}
