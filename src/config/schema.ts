import { z } from 'zod';
import { nameSchema, regionSchema } from './sections/common.js';
import { functionSchema } from './sections/functions.js';
import { stageSchema } from './sections/stages.js';
import { layersSchema } from './sections/layers.js';
import { gatewaySchema } from './sections/gateway.js';
import { bucketsSchema } from './sections/buckets.js';
import { databaseSchema } from './sections/database.js';
import { monitoringSchema } from './sections/monitoring.js';
import { usersSchema } from './sections/users.js';
import { legalSchema } from './sections/legal.js';

/** turnctl.yaml: the project, its stages and the desired state of the stack. */
export const configSchema = z.strictObject({
  project: nameSchema,
  region: regionSchema.default('eu-central-1'),
  stages: z.record(nameSchema, stageSchema),
  functions: z.record(nameSchema, functionSchema).default({}),
  layers: layersSchema,
  gateway: gatewaySchema,
  buckets: bucketsSchema,
  database: databaseSchema,
  monitoring: monitoringSchema,
  users: usersSchema,
  legal: legalSchema,
});
export type Config = z.output<typeof configSchema>;

export const SECTIONS = ['layers', 'gateway', 'env', 'buckets', 'database', 'functions', 'monitoring', 'legal'] as const;
export type Section = (typeof SECTIONS)[number];

/** releases/<version>.yaml: one release. */
export const manifestSchema = z.strictObject({
  version: z.string().regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/, 'must be a semantic version like 1.4.0'),
  notes: z.string().default(''),
  /** Checklist sections this release touches (default: all). */
  scope: z.array(z.enum(SECTIONS)).optional(),
  checks: z
    .strictObject({
      pre: z.array(z.string()).default(['credentials']),
      post: z.array(z.string()).default(['smoke']),
      /** Watch window and threshold of the `errors` post-check. */
      errors: z.strictObject({ window: z.string().default('1m'), threshold: z.number().int().min(0).default(0) }).optional(),
    })
    .default({ pre: ['credentials'], post: ['smoke'] }),
  rollback: z.enum(['auto', 'manual']).default('auto'),
  /** Destructive migrations (file names) this release is allowed to run. */
  allowDestructive: z.array(z.string()).default([]),
  /** Legal documents (ids under legal/) published as part of the release. */
  legal: z.array(z.string()).default([]),
});
export type Manifest = z.output<typeof manifestSchema>;
