import { z } from 'zod';
import { envValueSchema } from './common.js';

/** How one stage reaches its database. */
export const databaseStageSchema = z.strictObject({
  /**
   * The connection URL (`postgres://…`, or `pglite://<dir>` for an embedded PGlite directory), or a reference
   * resolved at run time and never printed: `{ssm: name}` (SecureString, decrypted) or `{secret: id, key?}`.
   * Optional on sandbox stages (default: PGlite in `.turnctl/pglite/<stage>`).
   */
  url: envValueSchema.optional(),
  /** `direct`: turnctl connects itself; `lambda`: it invokes the shipped `migrate` function (databases in private subnets). */
  via: z.enum(['direct', 'lambda']).default('direct'),
});
export type DatabaseStageConfig = z.output<typeof databaseStageSchema>;

// The database section of turnctl.yaml (see docs/database.md). Owned by the database step / service.
export const databaseSchema = z
  .strictObject({
    /** knex migrations (`*.mjs` exporting up/down), relative to the project. */
    migrations: z.string().min(1).default('db/migrations'),
    /** Seeds for sandbox stages (`*.mjs` exporting seed), relative to the project. */
    seeds: z.string().min(1).default('db/seeds/local'),
    /**
     * PGlite contrib extensions loaded whenever turnctl opens a PGlite database (e.g. btree_gist): a migration's
     * CREATE EXTENSION only works when the opener loaded it (names from @electric-sql/pglite/contrib/).
     */
    pgliteExtensions: z.array(z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be a PGlite contrib extension name like btree_gist')).default([]),
    /** Connection per stage name. */
    stages: z.record(z.string(), databaseStageSchema).default({}),
  })
  .optional();
export type DatabaseConfig = z.output<typeof databaseSchema>;
