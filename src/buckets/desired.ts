import { isAbsolute, join } from 'node:path';
import type { Ctx } from '../context.js';
import type { Access, BucketConfig, CorsRuleConfig } from '../config/sections/buckets.js';
import { webOriginProblem } from '../config/sections/common.js';
import { readYamlFile } from '../config/yaml-file.js';
import { asPolicy, bucketPolicyProblem, policyShapeProblem, type PolicyDoc, type PolicyStatement } from './policy-doc.js';
import { bucketArn, bucketNameProblem, roleName } from './names.js';

/** Public access block, in S3's shape. */
export interface PublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

/** Default encryption of a bucket. */
export interface Encryption {
  algorithm: 'AES256' | 'aws:kms';
  key?: string;
  bucketKey?: boolean;
}

/** One CORS rule, in S3's shape (empty lists kept as []). */
export interface CorsRule {
  AllowedOrigins: string[];
  AllowedMethods: string[];
  AllowedHeaders: string[];
  ExposeHeaders: string[];
  MaxAgeSeconds?: number;
}

/** One grant of a function to a bucket, resolved for a stage. */
export interface Grant {
  bucket: string;
  bucketKey: string;
  function: string;
  role: string;
  access: Access[];
  /** Key prefix ('' for the whole bucket). */
  prefix: string;
  /** Where it is declared (turnctl.yaml:line:col), for messages. */
  where: string;
  /** Short label: `<function> read+list s3://bucket/prefix`. */
  label: string;
}

/** A declared bucket, resolved for a stage. */
export interface BucketSpec {
  key: string;
  name: string;
  versioning: boolean;
  publicAccessBlock: PublicAccessBlock;
  encryption: Encryption;
  cors: CorsRule[] | null;
  policy: PolicyDoc | null;
}

/** The turnctl-buckets inline policy one function role should have (null: none). */
export interface RolePolicySpec {
  /** Functions using this role (a role may be shared through `functions.<fn>.role`). */
  functions: string[];
  role: string;
  policy: PolicyDoc | null;
}

/** Desired state of the buckets section for one stage. */
export interface BucketsDesired {
  buckets: BucketSpec[];
  grants: Grant[];
  roles: RolePolicySpec[];
  /** IAM roles of the stage's account that bucket policies name as principals (S3 refuses a policy naming a missing one). */
  principalRoles: PrincipalRole[];
  /** Stage-independent source (raw config + policy files) for the release digest. */
  source: unknown;
}

/** A role a bucket policy names as its principal, and where the policy is. */
export interface PrincipalRole {
  bucketKey: string;
  arn: string;
  role: string;
  where: string;
}

/** The roles of `account` a policy names under Principal.AWS (role ARNs of other accounts cannot be looked up). */
function principalRolesOf(doc: PolicyDoc, account: string): Array<{ arn: string; role: string }> {
  const out: Array<{ arn: string; role: string }> = [];
  for (const st of doc.Statement ?? []) {
    const p = (st as { Principal?: unknown }).Principal;
    const aws = p && typeof p === 'object' ? (p as { AWS?: unknown }).AWS : undefined;
    for (const arn of Array.isArray(aws) ? aws : [aws]) {
      const m = typeof arn === 'string' ? /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[^*]*\/)?([\w+=,.@-]+)$/.exec(arn) : null;
      if (m && m[1] === account) out.push({ arn: arn as string, role: m[2]! });
    }
  }
  return out;
}

const ALL_BLOCKED: PublicAccessBlock = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

function publicAccessBlockOf(v: BucketConfig['publicAccessBlock']): PublicAccessBlock {
  if (v === true) return ALL_BLOCKED;
  if (v === false) return { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false };
  return { BlockPublicAcls: v.blockPublicAcls, IgnorePublicAcls: v.ignorePublicAcls, BlockPublicPolicy: v.blockPublicPolicy, RestrictPublicBuckets: v.restrictPublicBuckets };
}

function encryptionOf(v: BucketConfig['encryption']): Encryption {
  return v.algorithm === 'AES256' ? { algorithm: 'AES256' } : { algorithm: 'aws:kms', key: v.key!, bucketKey: v.bucketKey ?? true };
}

/** Origins from a list or comma-separated strings (stage vars like webOrigins are "a,b"). */
export function splitOrigins(v: unknown): string[] {
  const list = Array.isArray(v) ? v : [v];
  return list.flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter(Boolean);
}

function corsOf(rules: CorsRuleConfig[] | undefined): CorsRule[] | null {
  if (!rules || rules.length === 0) return null;
  return rules.map((r) => ({
    AllowedOrigins: splitOrigins(r.origins),
    AllowedMethods: [...r.methods],
    AllowedHeaders: [...r.headers],
    ExposeHeaders: [...r.exposeHeaders],
    ...(r.maxAge !== undefined ? { MaxAgeSeconds: r.maxAge } : {}),
  }));
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const KEY_ID = `(?:${UUID}|mrk-[0-9a-f]{32})`;
const ALIAS = 'alias/[A-Za-z0-9/_-]{1,250}';

/** Why `key` cannot name a KMS key S3 can use for a bucket in `region` (S3 needs a key of the bucket's region). */
export function kmsKeyProblem(key: string, region: string): string | undefined {
  if (new RegExp(`^(?:${KEY_ID}|${ALIAS})$`).test(key)) return undefined;
  const arn = new RegExp(`^arn:aws[a-z-]*:kms:([a-z0-9-]+):\\d{12}:(?:key/${KEY_ID}|${ALIAS})$`).exec(key);
  if (!arn) return `"${key}" is not a KMS key id, alias (alias/<name>) or key/alias ARN (arn:aws:kms:<region>:<account>:key/<id>)`;
  if (arn[1] !== region) return `"${key}" is in ${arn[1]}; S3 encrypts a bucket of ${region} only with a KMS key of ${region}`;
  return undefined;
}

const pascal = (s: string) => s.split(/[^a-zA-Z0-9]+/).filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');

/** IAM statements of one grant (one per access kind, so each can be named and checked on its own). */
export function grantStatements(g: Grant, index: number): PolicyStatement[] {
  const objects = `${bucketArn(g.bucket)}/${g.prefix}*`;
  const sid = (a: Access) => `Turnctl${pascal(g.bucketKey)}${index}${pascal(a)}`;
  return g.access.map((a): PolicyStatement => {
    if (a === 'read') return { Sid: sid(a), Effect: 'Allow', Action: ['s3:GetObject'], Resource: objects };
    if (a === 'write') return { Sid: sid(a), Effect: 'Allow', Action: ['s3:PutObject', 's3:DeleteObject'], Resource: objects };
    return {
      Sid: sid(a),
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: bucketArn(g.bucket),
      ...(g.prefix ? { Condition: { StringLike: { 's3:prefix': [`${g.prefix}*`] } } } : {}),
    };
  });
}

/** One request per action a grant allows: what the permissions check asks IAM (or the local evaluator). */
export interface GrantRequest {
  action: string;
  resource: string;
  context: Record<string, string>;
}

/** The requests that must be allowed for a grant to be in effect. */
export function grantRequests(g: Grant): GrantRequest[] {
  const object = `${bucketArn(g.bucket)}/${g.prefix}turnctl-permissions-check`;
  return g.access.flatMap((a): GrantRequest[] => {
    if (a === 'read') return [{ action: 's3:GetObject', resource: object, context: {} }];
    if (a === 'write') return ['s3:PutObject', 's3:DeleteObject'].map((action) => ({ action, resource: object, context: {} }));
    return [{ action: 's3:ListBucket', resource: bucketArn(g.bucket), context: g.prefix ? { 's3:prefix': g.prefix } : {} }];
  });
}

// Policy files may use ${bucket} (this bucket's name) as well as the stage substitutions.
function substitute(value: unknown, vars: Record<string, string>, fail: (token: string) => never): unknown {
  if (typeof value === 'string') return value.replace(/\$\{([a-z]+)\}/g, (m, n: string) => (n in vars ? vars[n]! : fail(m)));
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars, fail));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars, fail)]));
  return value;
}

function loadPolicy(ctx: Ctx, key: string, bucket: string, policy: string | Record<string, unknown>, blockPublicPolicy: boolean): { doc: PolicyDoc; source: unknown; where: string } {
  const at = ['buckets', key, 'policy'];
  if (typeof policy !== 'string') {
    const shape = policyShapeProblem(policy) ?? bucketPolicyProblem(asPolicy(policy), bucket, blockPublicPolicy);
    if (shape) throw ctx.project.file.error([...at, ...shape.path], `bucket "${key}" policy: ${shape.problem}`);
    return { doc: asPolicy(policy), source: null, where: ctx.project.file.where(at) }; // inline: already part of the raw section in the digest
  }
  const file = isAbsolute(policy) ? policy : join(ctx.project.dir, policy);
  let src;
  try {
    src = readYamlFile(file);
  } catch (err) {
    if ((err as { problem?: string }).problem === 'file not found')
      throw ctx.project.file.error(at, `bucket "${key}": policy file ${policy} not found; create it or give the policy inline`);
    throw err;
  }
  const vars = { bucket, project: ctx.project.config.project, stage: ctx.stage.name, region: ctx.stage.region, account: ctx.stage.account };
  const doc = substitute(src.value, vars, (token) => {
    throw src.error([], `unknown substitution ${token} in a bucket policy; use \${bucket}, \${project}, \${stage}, \${region} or \${account}`);
  });
  const shape = policyShapeProblem(doc) ?? bucketPolicyProblem(asPolicy(doc), bucket, blockPublicPolicy);
  if (shape) throw src.error(shape.path, `bucket policy: ${shape.problem}`);
  return { doc: asPolicy(doc), source: src.text, where: src.where([]) };
}

/** Resolves the buckets section for the stage: names, grants and role policies; bad input is exit 65 at file:line. */
export function desiredBuckets(ctx: Ctx): BucketsDesired {
  const section = ctx.stack.buckets ?? {};
  const file = ctx.project.file;
  const functions = Object.keys(ctx.stack.functions);
  const buckets: BucketSpec[] = [];
  const grants: Grant[] = [];
  const policySources: Record<string, unknown> = {};
  const seen = new Map<string, string>();
  const principalRoles: PrincipalRole[] = [];
  for (const [key, b] of Object.entries(section)) {
    const name = b.name ?? ctx.names.scoped(key);
    const nameAt = b.name ? ['buckets', key, 'name'] : ['buckets', key];
    const problem = bucketNameProblem(name);
    if (problem) throw file.error(nameAt, `${problem}; fix buckets.${key}.name`);
    if (seen.has(name)) throw file.error(nameAt, `bucket "${key}" has the same name ${name} as bucket "${seen.get(name)}"; give each bucket its own name`);
    seen.set(name, key);
    let policy: PolicyDoc | null = null;
    const publicAccessBlock = publicAccessBlockOf(b.publicAccessBlock);
    if (b.policy !== undefined) {
      const loaded = loadPolicy(ctx, key, name, b.policy, publicAccessBlock.BlockPublicPolicy === true);
      policy = loaded.doc;
      policySources[key] = loaded.source;
      for (const r of principalRolesOf(loaded.doc, ctx.stage.account)) principalRoles.push({ bucketKey: key, ...r, where: loaded.where });
    }
    // S3 takes any string here, but a rule without origins is refused mid-apply (MalformedXML), an origin with a path
    // or not in the form a browser sends (upper-case host, default port) never matches its Origin header, and "*"
    // opens the bucket's CORS to every site.
    (b.cors ?? []).forEach((rule, i) => {
      const at = ['buckets', key, 'cors', i, 'origins'];
      const origins = splitOrigins(rule.origins);
      if (origins.length === 0) throw file.error(at, `bucket "${key}" cors rule ${i + 1} has no origins; list the allowed web origins (e.g. https://app.example.com)`);
      for (const o of origins) {
        const problem = webOriginProblem(o);
        if (problem) throw file.error(at, `bucket "${key}" CORS origin "${o}" ${problem}`);
      }
      // S3 refuses (PutBucketCors, mid-apply) an allowed header with more than one "*" (x-amz-* is fine).
      rule.headers.forEach((h, j) => {
        if (h.split('*').length > 2)
          throw file.error(['buckets', key, 'cors', i, 'headers', j], `bucket "${key}" CORS header "${h}" has more than one "*"; S3 allows one wildcard per header (e.g. x-amz-*)`);
      });
    });
    const kmsProblem = b.encryption.algorithm === 'aws:kms' ? kmsKeyProblem(b.encryption.key!, ctx.stage.region) : undefined;
    if (kmsProblem) throw file.error(['buckets', key, 'encryption', 'key'], `bucket "${key}" encryption key ${kmsProblem}`);
    buckets.push({ key, name, versioning: b.versioning, publicAccessBlock, encryption: encryptionOf(b.encryption), cors: corsOf(b.cors), policy });
    b.grants.forEach((g, i) => {
      const at = ['buckets', key, 'grants', i];
      if (!ctx.stack.functions[g.function])
        throw file.error([...at, 'function'], `bucket "${key}" grants to unknown function "${g.function}"; functions in turnctl.yaml: ${functions.join(', ') || '(none)'}`);
      const prefix = g.prefix ?? '';
      if (/[*?]/.test(prefix) || prefix.startsWith('/')) throw file.error([...at, 'prefix'], `grant prefix "${prefix}" must be a plain key prefix like "uploads/" (no wildcards, no leading /)`);
      const access = [...new Set(g.access)];
      grants.push({ bucket: name, bucketKey: key, function: g.function, role: roleName(ctx.names.role(g.function)), access, prefix, where: file.where(at), label: `${g.function} ${access.join('+')} s3://${name}/${prefix}` });
    });
  }
  const roles: RolePolicySpec[] = [];
  for (const fn of functions) {
    const role = roleName(ctx.names.role(fn));
    const spec = roles.find((r) => r.role === role) ?? roles[roles.push({ functions: [], role, policy: null }) - 1]!;
    spec.functions.push(fn);
    // Numbered within the role's own grants on the bucket: removing another role's grant must not renumber (and so
    // rewrite) this role's statements.
    const ofRole = grants.filter((x) => roleName(ctx.names.role(x.function)) === role);
    const statements = grants.filter((g) => g.function === fn).flatMap((g) => grantStatements(g, ofRole.filter((x) => x.bucketKey === g.bucketKey).indexOf(g)));
    if (statements.length) spec.policy = { Version: '2012-10-17', Statement: [...(spec.policy?.Statement ?? []), ...statements] };
  }
  return { buckets, grants, roles, principalRoles, source: { section: ctx.project.config.buckets ?? {}, policyFiles: policySources } };
}
