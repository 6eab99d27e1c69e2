import { z } from 'zod';
import { envValueSchema } from './common.js';

/** One Lambda function of the stack. */
export const functionSchema = z.strictObject({
  /** Entry file of the handler, bundled by esbuild (default src/lambdas/<name>/index.ts). */
  entry: z.string().optional(),
  handler: z.string().default('index.handler'),
  runtime: z.enum(['nodejs22.x', 'nodejs20.x']).default('nodejs22.x'),
  memory: z.number().int().min(128).max(10240).default(256),
  timeout: z.number().int().min(1).max(900).default(10),
  /** Execution role name; default `<project>-<stage>-<function>`; created when missing. */
  role: z.string().optional(),
  description: z.string().optional(),
  environment: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'environment keys must be letters, digits and _'), envValueSchema).default({}),
  /** Layers (names under `layers:`) attached to every new version. */
  layers: z.array(z.string()).default([]),
  /** Modules left out of the bundle (resolved at run time). */
  external: z.array(z.string()).default([]),
  /** Smoke event (JSON file) invoked by the smoke post-check; default src/lambdas/<name>/smoke.json when present. */
  smoke: z.string().optional(),
});
export type FunctionConfig = z.output<typeof functionSchema>;
