// knex's internal modules, imported directly so the bundle holds only the postgres dialect (see db.ts).
declare module 'knex/lib/knex-builder/make-knex.js' {
  import type { Knex } from 'knex';
  const makeKnex: (client: unknown) => Knex;
  export default makeKnex;
}

declare module 'knex/lib/dialects/postgres/index.js' {
  const ClientPG: new (config: object) => object;
  export default ClientPG;
}

declare module 'knex-pglite' {
  const ClientPGLite: new (config: object) => object;
  export default ClientPGLite;
}
