import { describe, expect, it } from 'vitest';
import { schemaProblem } from '../../src/gateway/model-schema.js';

describe('model schemas: what API Gateway would refuse is found before any AWS call (pure)', () => {
  it('GIVEN valid draft-4 schemas THEN there is no problem', () => {
    expect(schemaProblem({ $schema: 'http://json-schema.org/draft-04/schema#', title: 'T', type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, pattern: '^[a-z\\-]+$' } } })).toBeUndefined();
    expect(schemaProblem({ type: ['string', 'null'], enum: ['a', null] })).toBeUndefined();
    expect(schemaProblem({ type: 'array', items: [{ type: 'number', minimum: 0, exclusiveMinimum: true }], additionalItems: false, uniqueItems: true })).toBeUndefined();
    expect(schemaProblem({ type: 'object', additionalProperties: { type: 'integer', multipleOf: 5 }, definitions: { a: { type: 'string' } }, oneOf: [{ required: ['a'] }, { required: ['b'] }] })).toBeUndefined();
  });

  it('GIVEN a wrong type anywhere THEN the path of the keyword and what it must be', () => {
    expect(schemaProblem({ type: 'objekt' })).toEqual({ path: ['type'], problem: expect.stringMatching(/^"type" "objekt" is not a JSON schema type; use one \(or a list\) of array, /) });
    expect(schemaProblem({ type: 'object', properties: { car: { type: 'object', properties: { seats: { type: 'int' } } } } })?.path).toEqual(['properties', 'car', 'properties', 'seats', 'type']);
    expect(schemaProblem({ type: 'object', required: 'name' })).toEqual({ path: ['required'], problem: '"required" must be a non-empty list of distinct property names (draft 4)' });
    expect(schemaProblem({ type: 'object', required: [] })?.path).toEqual(['required']);
    expect(schemaProblem({ type: 'object', properties: [{ type: 'string' }] })).toEqual({ path: ['properties'], problem: '"properties" must be an object of schemas' });
    expect(schemaProblem({ type: 'array', items: [{ type: 'string' }, 'number'] })).toEqual({ path: ['items', 1], problem: 'a schema must be a JSON object' });
    expect(schemaProblem({ type: 'string', maxLength: -1 })?.problem).toBe('"maxLength" must be a whole number ≥ 0');
    expect(schemaProblem({ type: 'number', exclusiveMinimum: 3 })?.problem).toBe('"exclusiveMinimum" must be true or false (draft 4)');
    expect(schemaProblem({ type: 'string', enum: [] })?.path).toEqual(['enum']);
    expect(schemaProblem({ anyOf: {} })?.path).toEqual(['anyOf']);
  });
});
