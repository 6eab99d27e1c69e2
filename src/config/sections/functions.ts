import { z } from 'zod';
import { envValueSchema } from './common.js';

/** Keys the Lambda runtime sets itself; UpdateFunctionConfiguration refuses them (moto does not), so the plan does. */
export const RESERVED_ENV_KEYS = new Set([
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_INITIALIZATION_TYPE', 'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR', 'TZ',
]);

const envKeySchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'environment keys must be letters, digits and _, not starting with a digit')
  .refine((k) => !RESERVED_ENV_KEYS.has(k), { message: 'reserved by the Lambda runtime (it sets this variable itself); remove it or use another name' });

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
  environment: z.record(envKeySchema, envValueSchema).default({}),
  /** Layers (names under `layers:`) attached to every new version. */
  layers: z.array(z.string()).default([]),
  /** Modules left out of the bundle (resolved at run time). */
  external: z.array(z.string()).default([]),
  /** Smoke event (JSON file) invoked by the smoke post-check; default src/lambdas/<name>/smoke.json when present. */
  smoke: z.string().optional(),
});
export type FunctionConfig = z.output<typeof functionSchema>;
