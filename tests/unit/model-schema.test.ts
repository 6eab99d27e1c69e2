import { describe, expect, it } from 'vitest';
import { schemaProblem } from '../../src/gateway/model-schema.js';

describe('model schemas: what API Gateway would refuse is found before any AWS call (pure)', () => {
  it('GIVEN valid draft-4 schemas THEN there is no problem', () => {
    expect(schemaProblem({ $schema: 'http://json-schema.org/draft-04/schema#', title: 'T', type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, pattern: '^[a-z\\-]+$' } } })).toBeUndefined();
    expect(schemaProblem({ type: ['string', 'null'], enum: ['a', null] })).toBeUndefined();
    expect(schemaProblem({ type: 'array', items: [{ type: 'number', minimum: 0, exclusiveMinimum: true }], additionalItems: false, uniqueItems: true })).toBeUndefined();
    expect(schemaProblem({ type: 'object', additionalProperties: { type: 'integer', multipleOf: 5 }, definitions: { a: { type: 'string' } }, oneOf: [{ required: ['a'] }, { required: ['b'] }] })).toBeUndefined();
  });

  it('GIVEN a keyword of the wrong kind anywhere THEN the path of the keyword and what the draft-4 meta-schema wants', () => {
    expect(schemaProblem({ type: 'objekt' })).toEqual({ path: ['type'], problem: '"type" must be equal to one of the allowed values: array, boolean, integer, null, number, object, string' });
    expect(schemaProblem({ type: 'object', properties: { car: { type: 'object', properties: { seats: { type: 'int' } } } } })?.path).toEqual(['properties', 'car', 'properties', 'seats', 'type']);
    expect(schemaProblem({ type: 'object', required: 'name' })).toEqual({ path: ['required'], problem: '"required" must be array' });
    expect(schemaProblem({ type: 'object', required: [] })).toEqual({ path: ['required'], problem: '"required" must NOT have fewer than 1 items' });
    expect(schemaProblem({ type: 'object', properties: [{ type: 'string' }] })).toEqual({ path: ['properties'], problem: '"properties" must be object' });
    expect(schemaProblem({ type: 'array', items: [{ type: 'string' }, 'number'] })).toEqual({ path: ['items', 1], problem: '"items.1" must be object' });
    expect(schemaProblem({ type: 'string', maxLength: -1 })?.problem).toBe('"maxLength" must be >= 0');
    // draft 4: exclusiveMinimum is a flag on minimum, not a number of its own
    expect(schemaProblem({ type: 'number', minimum: 0, exclusiveMinimum: 3 })).toEqual({ path: ['exclusiveMinimum'], problem: '"exclusiveMinimum" must be boolean' });
    expect(schemaProblem({ type: 'number', exclusiveMinimum: true })).toEqual({ path: [], problem: 'the schema must have property minimum when property exclusiveMinimum is present' });
    expect(schemaProblem({ type: 'string', enum: [] })?.path).toEqual(['enum']);
    expect(schemaProblem({ anyOf: {} })?.path).toEqual(['anyOf']);
  });
});
