import type { Path } from '../config/yaml-file.js';

/** Where a model's JSON schema breaks draft 4, and how. */
export interface SchemaProblem {
  path: Path;
  problem: string;
}

const TYPES = ['array', 'boolean', 'integer', 'null', 'number', 'object', 'string'];
const COUNTS = ['minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks the keywords of a JSON schema (draft 4) for the types the meta-schema requires. API Gateway validates a
 * model against that meta-schema on CreateModel/UpdateModel, so a schema it would refuse must be caught here (exit 65,
 * file:line) rather than fail the gateway step half-way through a release; moto accepts anything. Pure.
 */
export function schemaProblem(schema: unknown, path: Path = []): SchemaProblem | undefined {
  if (!isObject(schema)) return { path, problem: 'a schema must be a JSON object' };
  const at = (key: string | number, problem: string): SchemaProblem => ({ path: [...path, key], problem });
  const sub = (key: string, value: unknown): SchemaProblem | undefined => schemaProblem(value, [...path, key]);
  const subs = (key: string, list: unknown): SchemaProblem | undefined => {
    if (!Array.isArray(list) || list.length === 0) return at(key, `"${key}" must be a non-empty list of schemas`);
    for (const [i, s] of list.entries()) {
      const bad = schemaProblem(s, [...path, key, i]);
      if (bad) return bad;
    }
    return undefined;
  };
  const map = (key: string, value: unknown): SchemaProblem | undefined => {
    if (!isObject(value)) return at(key, `"${key}" must be an object of schemas`);
    for (const [k, s] of Object.entries(value)) {
      const bad = schemaProblem(s, [...path, key, k]);
      if (bad) return bad;
    }
    return undefined;
  };

  for (const [key, value] of Object.entries(schema)) {
    let bad: SchemaProblem | undefined;
    switch (key) {
      case 'type': {
        const list = Array.isArray(value) ? value : [value];
        const wrong = list.find((t) => !TYPES.includes(t as string));
        if (list.length === 0 || wrong !== undefined || new Set(list).size !== list.length)
          bad = at(key, `"type" ${JSON.stringify(value)} is not a JSON schema type; use one (or a list) of ${TYPES.join(', ')}`);
        break;
      }
      case 'required':
        if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string') || new Set(value).size !== value.length)
          bad = at(key, '"required" must be a non-empty list of distinct property names (draft 4)');
        break;
      case 'enum':
        if (!Array.isArray(value) || value.length === 0) bad = at(key, '"enum" must be a non-empty list of values');
        break;
      case 'properties':
      case 'patternProperties':
      case 'definitions':
        bad = map(key, value);
        break;
      case 'items':
        bad = Array.isArray(value) ? subs(key, value) : sub(key, value);
        break;
      case 'additionalProperties':
      case 'additionalItems':
        if (typeof value !== 'boolean') bad = sub(key, value);
        break;
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
        bad = subs(key, value);
        break;
      case 'not':
        bad = sub(key, value);
        break;
      case 'minimum':
      case 'maximum':
        if (typeof value !== 'number') bad = at(key, `"${key}" must be a number`);
        break;
      case 'multipleOf':
        if (typeof value !== 'number' || value <= 0) bad = at(key, '"multipleOf" must be a number greater than 0');
        break;
      case 'exclusiveMinimum':
      case 'exclusiveMaximum':
      case 'uniqueItems':
        if (typeof value !== 'boolean') bad = at(key, `"${key}" must be true or false (draft 4)`);
        break;
      case 'pattern':
      case '$ref':
      case 'title':
      case 'description':
      case 'format':
        if (typeof value !== 'string') bad = at(key, `"${key}" must be a string`);
        break;
      default:
        if (COUNTS.includes(key) && !(Number.isInteger(value) && (value as number) >= 0)) bad = at(key, `"${key}" must be a whole number ≥ 0`);
    }
    if (bad) return bad;
  }
  return undefined;
}
