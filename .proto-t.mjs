import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
const t0=Date.now();
const db = new PGlite('/tmp/proto/data', { extensions: { btree_gist } });
await db.waitReady;
console.log('ready', Date.now()-t0);
await db.exec(`create extension if not exists btree_gist; create table if not exists s (id serial primary key, v int, period daterange, exclude using gist (v with =, period with &&))`);
await db.exec(`insert into s(v, period) values (1, '[2025-01-01,2025-03-01)')`);
try { await db.exec(`insert into s(v, period) values (1, '[2025-02-01,2025-04-01)')`); } catch (e) { console.log('err', e.code, e.message); }
console.log((await db.query('select version()')).rows);
console.log(Date.now()-t0);
