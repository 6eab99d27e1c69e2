// A fresh database on the test Postgres server (TURNCTL_TEST_PG_URL, a superuser URL) and an independent inspector.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Inspector } from './support.js';

/** Creates an empty database; returns its URL (with `password` inlined, which trust auth ignores) and a dropper. */
export async function freshDatabase(password?: string): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const admin = process.env.TURNCTL_TEST_PG_URL!;
  const name = `turnctl_${randomBytes(5).toString('hex')}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`create database ${name}`);
  await c.end();
  const u = new URL(admin);
  u.pathname = `/${name}`;
  if (password) u.password = password;
  return {
    url: u.toString(),
    name,
    async drop() {
      const d = new pg.Client({ connectionString: admin });
      await d.connect();
      await d.query(`drop database if exists ${name} with (force)`);
      await d.end();
    },
  };
}

/** Reads a Postgres database through its own pg client. */
export function pgInspector(url: string): Inspector {
  return inspectorOver(async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query(sql, params)).rows as T[];
    } finally {
      await c.end();
    }
  });
}

/** The Inspector over any way of running a query (a pg client, a PGlite of the test's own). */
export function inspectorOver(query: <T>(sql: string, params?: unknown[]) => Promise<T[]>): Inspector {
  return {
    tables: async () => (await query<{ table_name: string }>(`select table_name from information_schema.tables where table_schema = 'public' order by 1`)).map((r) => r.table_name),
    columns: async (t) => (await query<{ column_name: string }>(`select column_name from information_schema.columns where table_name = $1 order by 1`, [t])).map((r) => r.column_name),
    migrations: async () => {
      const has = await query<{ n: number }>(`select count(*)::int as n from information_schema.tables where table_name = 'knex_migrations'`);
      return has[0]?.n ? query<{ name: string; batch: number }>(`select name, batch from knex_migrations order by id`) : [];
    },
  };
}
