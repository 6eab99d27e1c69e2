import { createRequire } from 'node:module';
import type { Ajv as AjvInstance, ErrorObject } from 'ajv';
import type { Path } from '../config/yaml-file.js';

/** Where a model's JSON schema breaks draft 4, and how. */
export interface SchemaProblem {
  path: Path;
  problem: string;
}

let validator: AjvInstance | undefined;

/** Ajv with the draft-04 meta-schema (the draft API Gateway models are written in), made on first use. */
function draft4(): AjvInstance {
  if (!validator) {
    // ajv-draft-04 is CommonJS with a default export; createRequire keeps it out of start-up and gives the class as is.
    const Ajv04 = createRequire(import.meta.url)('ajv-draft-04') as { default: new (opts: object) => AjvInstance };
    validator = new Ajv04.default({ strict: false, allErrors: false });
  }
  return validator;
}

/** The one error to report: the most specific (deepest path), not the `anyOf` summary above it. */
function mostSpecific(errors: ErrorObject[]): ErrorObject {
  const concrete = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf');
  const pool = concrete.length ? concrete : errors;
  return pool.reduce((best, e) => (e.instancePath.split('/').length > best.instancePath.split('/').length ? e : best));
}

const decode = (segment: string) => segment.replace(/~1/g, '/').replace(/~0/g, '~');

/**
 * Validates a model's JSON schema against the draft-04 meta-schema. API Gateway does the same on CreateModel /
 * UpdateModel, so a schema it would refuse must be caught here (exit 65, file:line) rather than fail the gateway step
 * half-way through a release; moto accepts anything. Pure.
 */
export function schemaProblem(schema: unknown): SchemaProblem | undefined {
  const ajv = draft4();
  if (ajv.validateSchema(schema as object)) return undefined;
  const e = mostSpecific(ajv.errors ?? []);
  const path: Path = e.instancePath.split('/').slice(1).map(decode).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const where = path.length ? `"${path.join('.')}"` : 'the schema';
  const allowed = e.keyword === 'enum' ? `: ${(e.params as { allowedValues: unknown[] }).allowedValues.map(String).join(', ')}` : '';
  return { path, problem: `${where} ${e.message ?? 'is invalid'}${allowed}` };
}
