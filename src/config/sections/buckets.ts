import { z } from 'zod';

// The buckets section of turnctl.yaml: S3 buckets of the stack and the access functions get to them
// (docs/buckets-monitoring.md). Owned by the buckets step (src/buckets, src/release/steps/buckets.ts).

/** What a grant gives a function's role: read → GetObject, write → PutObject/DeleteObject, list → ListBucket. */
export const ACCESS = ['read', 'write', 'list'] as const;
export type Access = (typeof ACCESS)[number];

const grantSchema = z.strictObject({
  /** A function under `functions:`. */
  function: z.string().min(1),
  access: z.array(z.enum(ACCESS)).min(1),
  /** Key prefix the grant is limited to (e.g. "uploads/"); default the whole bucket. */
  prefix: z.string().optional(),
});
export type GrantConfig = z.output<typeof grantSchema>;

const corsRuleSchema = z.strictObject({
  /** Allowed origins: a list, or a comma-separated string (e.g. ${var.webOrigins}). */
  origins: z.union([z.string(), z.array(z.string())], { error: 'must be a list of web origins or a comma-separated string of them' }),
  methods: z.array(z.enum(['GET', 'PUT', 'POST', 'DELETE', 'HEAD'])).min(1),
  headers: z.array(z.string()).default([]),
  exposeHeaders: z.array(z.string()).default([]),
  maxAge: z.number().int().min(0).optional(),
});
export type CorsRuleConfig = z.output<typeof corsRuleSchema>;

const publicAccessBlockSchema = z
  .union([
    z.boolean(),
    z.strictObject({
      blockPublicAcls: z.boolean().default(true),
      ignorePublicAcls: z.boolean().default(true),
      blockPublicPolicy: z.boolean().default(true),
      restrictPublicBuckets: z.boolean().default(true),
    }),
  ], { error: 'must be true, false or { blockPublicAcls, ignorePublicAcls, blockPublicPolicy, restrictPublicBuckets } (each true or false)' })
  .default(true);

const encryptionSchema = z
  .strictObject({
    algorithm: z.enum(['AES256', 'aws:kms']).default('AES256'),
    /** KMS key id/ARN/alias (aws:kms only). */
    key: z.string().optional(),
    /** S3 Bucket Key for aws:kms (fewer KMS calls); default true. */
    bucketKey: z.boolean().optional(),
  })
  .superRefine((e, c) => {
    if (e.algorithm === 'aws:kms' && !e.key) c.addIssue({ code: 'custom', path: ['algorithm'], message: 'aws:kms needs "key" (a KMS key id, ARN or alias)' });
    if (e.algorithm === 'AES256' && (e.key || e.bucketKey !== undefined)) c.addIssue({ code: 'custom', path: ['key'], message: '"key"/"bucketKey" apply only to algorithm aws:kms' });
  })
  .default({ algorithm: 'AES256' });

const bucketSchema = z.strictObject({
  /** The S3 bucket name; default `<project>-<stage>-<key>`. */
  name: z.string().optional(),
  versioning: z.boolean().default(false),
  /** true (default): all four blocks on; false: all off; or each flag. */
  publicAccessBlock: publicAccessBlockSchema,
  encryption: encryptionSchema,
  cors: z.array(corsRuleSchema).optional(),
  /** Bucket policy: a JSON file (relative to the project) or an inline policy document. */
  policy: z.union([z.string().min(1), z.record(z.string(), z.unknown())], { error: 'must be the path of a JSON policy file or an inline policy document ({ Version, Statement: [...] })' }).optional(),
  grants: z.array(grantSchema).default([]),
});
export type BucketConfig = z.output<typeof bucketSchema>;

export const bucketsSchema = z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'bucket keys must be lower-case letters, digits and dashes'), bucketSchema).optional();
export type BucketsConfig = z.output<typeof bucketsSchema>;
