import { describe, expect, it } from 'vitest';
import { findDestructive } from '../../src/db/destructive.js';

// Each case: a migration source and the destructive findings expected (kind and exact line).
const wrap = (body: string) => `// migration\nexport async function up(knex) {\n${body}\n}\n\nexport async function down(knex) {\n  await knex.schema.dropTable('anything');\n}\n`;
// In `wrap`, the body starts on line 3.

describe('findDestructive', () => {
  const cases: Array<{ name: string; source: string; expected: Array<{ kind: string; line: number }> }> = [
    { name: 'drop table', source: wrap(`  await knex.schema.dropTable('cars');`), expected: [{ kind: 'drop table', line: 3 }] },
    { name: 'drop table if exists', source: wrap(`  await knex.schema\n    .dropTableIfExists('cars');`), expected: [{ kind: 'drop table', line: 4 }] },
    { name: 'drop column', source: wrap(`  await knex.schema.alterTable('cars', (t) => {\n    t.dropColumn('plate');\n  });`), expected: [{ kind: 'drop column', line: 4 }] },
    { name: 'drop columns', source: wrap(`  await knex.schema.table('cars', (t) => { t.dropColumns('a', 'b'); });`), expected: [{ kind: 'drop column', line: 3 }] },
    { name: 'rename table', source: wrap(`  await knex.schema.renameTable('cars', 'vehicles');`), expected: [{ kind: 'rename table', line: 3 }] },
    // Were not flagged: each loses data like the drop / TRUNCATE forms above.
    { name: 'dropTimestamps (drops created_at and updated_at)', source: wrap(`  await knex.schema.alterTable('cars', (t) => {\n    t.dropTimestamps();\n  });`), expected: [{ kind: 'drop column', line: 4 }] },
    { name: 'drop schema (cascade drops its tables)', source: wrap(`  await knex.schema.dropSchemaIfExists('legacy', true);`), expected: [{ kind: 'drop schema', line: 3 }] },
    { name: 'truncate through the query builder', source: wrap(`  await knex('cars')\n    .truncate();`), expected: [{ kind: 'truncate', line: 4 }] },
    { name: 'rename column', source: wrap(`  await knex.schema.alterTable('cars', (t) => {\n\n    t.renameColumn('plate', 'registration');\n  });`), expected: [{ kind: 'rename column', line: 5 }] },
    { name: 'type change with .alter()', source: wrap(`  await knex.schema.alterTable('cars', (t) => {\n    t.bigInteger('km').nullable().alter();\n  });`), expected: [{ kind: 'type change', line: 4 }] },
    { name: 'alterType', source: wrap(`  await knex.schema.alterTable('cars', (t) => {\n    t.alterType('km', 'bigint');\n  });`), expected: [{ kind: 'type change', line: 4 }] },
    {
      name: 'NOT NULL added without default',
      source: wrap(`  await knex.schema.alterTable('customers', (t) => {\n    t.string('country')\n      .notNullable();\n  });`),
      expected: [{ kind: 'NOT NULL without default', line: 5 }],
    },
    { name: 'dropNullable (sets NOT NULL)', source: wrap(`  await knex.schema.alterTable('customers', (t) => { t.dropNullable('email'); });`), expected: [{ kind: 'NOT NULL without default', line: 3 }] },
    { name: 'raw DROP', source: wrap(`  await knex.raw('DROP TABLE legacy');`), expected: [{ kind: 'raw SQL', line: 3 }] },
    {
      name: 'raw ALTER ... TYPE in a multi-line template',
      source: wrap("  await knex.schema.raw(`\n    ALTER TABLE cars\n      ALTER COLUMN km TYPE bigint\n  `);"),
      expected: [{ kind: 'raw SQL', line: 4 }],
    },
    { name: 'raw RENAME', source: wrap(`  await knex.raw("alter table cars rename to vehicles");`), expected: [{ kind: 'raw SQL', line: 3 }] },
    {
      name: 'several in one file, each with its line',
      source: wrap(`  await knex.schema.dropTable('a');\n  await knex.schema.renameTable('b', 'c');`),
      expected: [
        { kind: 'drop table', line: 3 },
        { kind: 'rename table', line: 4 },
      ],
    },
    // An arrow callback with an expression body inside `up` is not `up` itself: the scan covers all of up's body.
    {
      name: 'drop after an expression-bodied callback',
      source: wrap(`  await knex.schema.alterTable('cars', (t) => t.string('vin'));\n  await knex.schema.dropTable('old_cars');`),
      expected: [{ kind: 'drop table', line: 4 }],
    },
    {
      name: 'rename after a one-line callback with a raw drop later',
      source: wrap(`  const rows = await knex('cars').select('id').then((r) => r.map((x) => x.id));\n  await knex.schema.renameTable('cars', 'vehicles');\n  await knex.raw('DROP TABLE legacy');`),
      expected: [
        { kind: 'rename table', line: 4 },
        { kind: 'raw SQL', line: 5 },
      ],
    },
    // Not destructive:
    {
      name: "one-line up with a callback: down's drop is not up's",
      source: `export async function up(knex) { await knex.schema.createTable('zzz', (t) => t.increments('id')) }\nexport async function down(knex) { await knex.schema.dropTable('zzz'); }\n`,
      expected: [],
    },
    { name: 'create table with NOT NULL columns', source: wrap(`  await knex.schema.createTable('cars', (t) => {\n    t.string('plate').notNullable();\n  });`), expected: [] },
    { name: 'NOT NULL added with a default', source: wrap(`  await knex.schema.alterTable('cars', (t) => {\n    t.string('country').notNullable().defaultTo('DE');\n  });`), expected: [] },
    { name: 'adding a nullable column', source: wrap(`  await knex.schema.alterTable('cars', (t) => { t.string('color'); });`), expected: [] },
    { name: 'drops only in down', source: wrap(`  await knex.schema.createTable('x', (t) => { t.increments('id'); });`), expected: [] },
    { name: 'commented-out drop', source: wrap(`  // await knex.schema.dropTable('cars');\n  /* t.dropColumn('x') */`), expected: [] },
    { name: 'the word drop inside a plain string', source: wrap(`  await knex('notes').insert({ text: 'please DROP by; rename later' });`), expected: [] },
    { name: 'raw SQL that only adds', source: wrap(`  await knex.raw('CREATE INDEX cars_plate ON cars (plate)');`), expected: [] },
  ];

  it.each(cases)('$name', ({ source, expected }) => {
    // GIVEN a migration source / WHEN it is scanned
    const found = findDestructive(source).map(({ kind, line }) => ({ kind, line }));
    // THEN exactly the expected statements are flagged, at their lines
    expect(found).toEqual(expected);
  });

  it('names the offending source line', () => {
    const [f] = findDestructive(wrap(`  await knex.schema.dropTable('cars');`));
    expect(f!.text).toBe(`await knex.schema.dropTable('cars');`);
  });

  it('scans arrow-function exports too', () => {
    const src = `export const up = async (knex) => {\n  await knex.schema.dropTable('x');\n};\nexport const down = async () => {};\n`;
    expect(findDestructive(src).map((f) => f.line)).toEqual([2]);
  });

  it('scans arrow exports with an expression body, and function expressions, up to their end only', () => {
    const expr = `export const up = (knex) =>\n  knex.schema.alterTable('cars', (t) => t.dropColumn('vin'));\nexport const down = (knex) => knex.schema.dropTable('cars');\n`;
    expect(findDestructive(expr).map((f) => [f.kind, f.line])).toEqual([['drop column', 2]]);
    const fnExpr = `export const up = async function (knex) {\n  await knex.schema.alterTable('cars', (t) => t.string('vin'));\n  await knex.schema.dropTable('old');\n};\nexport const down = async function () { await knex.schema.dropTable('x'); };\n`;
    expect(findDestructive(fnExpr).map((f) => [f.kind, f.line])).toEqual([['drop table', 3]]);
    const destructured = `export async function up({ schema }) {\n  await schema.alterTable('cars', (t) => t.string('vin'));\n  await schema.dropTable('old');\n}\nexport async function down({ schema }) { await schema.dropTable('x'); }\n`;
    expect(findDestructive(destructured).map((f) => [f.kind, f.line])).toEqual([['drop table', 3]]);
  });
});
