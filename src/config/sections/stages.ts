import { z } from 'zod';
import { regionSchema, secretRefSchema, ssmRefSchema } from './common.js';

export const stageSchema = z.strictObject({
  /** The 12-digit AWS account id; the credentials pre-check compares it with STS. */
  account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id (quote it)'),
  region: regionSchema.optional(),
  /** Named credentials profile (~/.aws/config). */
  profile: z.string().optional(),
  /** Explicit endpoint for every AWS client (e.g. a LocalStack); `sandbox: true` uses turnctl's local sandbox. */
  endpoint: z.url().optional(),
  sandbox: z.boolean().default(false),
  /** Applying asks to type the stage name. */
  confirm: z.boolean().default(false),
  /** This stage only accepts releases whose digest passed post-checks on that stage. */
  promoteFrom: z.string().optional(),
  /** Per-stage values used in the stack as ${var.NAME} (an SSM/secret reference only as a whole value, e.g. in env). */
  vars: z
    .record(
      z.string(),
      z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), ssmRefSchema, secretRefSchema], {
        error: 'must be a string, a number, a boolean, a list of strings, { ssm: /parameter/name } or { secret: id, key: jsonKey } (key optional)',
      }),
    )
    .default({}),
  /** Bounded concurrency per AWS service (requests in flight). */
  concurrency: z.number().int().min(1).max(64).default(8),
});
export type StageConfig = z.output<typeof stageSchema>;
