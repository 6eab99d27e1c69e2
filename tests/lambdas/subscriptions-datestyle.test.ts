import { describe, expect, it } from 'vitest';
import { handler } from '../../src/lambdas/subscriptions/index.js';
import { closeDatabase, openKnex } from '../../src/lambdas/lib/db.js';
import { apiEvent, bodyOf } from './helpers/events.js';
import { BACKENDS, useHandlerDatabase } from './helpers/databases.js';

const ALICE = { sub: 'a1a1a1a1-0000-4000-8000-00000000a11c' };
const TESLA = '6f1c2a4e-0002-4c2b-9a51-7d2f3e9b1a02';

// DateStyle and TimeZone are server/database settings (a parameter group, ALTER DATABASE … SET); the API's dates
// must not depend on them.
describe.each(BACKENDS.filter((b) => b.kind === 'postgres'))('subscription dates on $kind', ({ create }) => {
  const backend = useHandlerDatabase(create, { ALLOWED_ORIGINS: '', STAGE: 'test' });

  it.each([
    ['SQL, DMY', 'Pacific/Auckland'],
    ['German', 'America/Los_Angeles'],
  ])('GIVEN the database sets DateStyle %s and TimeZone %s THEN dates are still YYYY-MM-DD and createdAt ISO 8601 UTC', async (dateStyle, timeZone) => {
    const admin = await openKnex(backend.db().url);
    const name = (await admin.raw('select current_database() as db')).rows[0].db as string;
    await admin.raw(`ALTER DATABASE ${name} SET datestyle = '${dateStyle}'`);
    await admin.raw(`ALTER DATABASE ${name} SET timezone = '${timeZone}'`);
    await admin.destroy();
    await closeDatabase(); // new sessions pick the settings up

    const created = await handler(apiEvent({ method: 'POST', path: '/subscriptions', claims: ALICE, body: { vehicleId: TESLA, termMonths: 1, startDate: dateStyle === 'German' ? '2091-01-31' : '2090-01-31' } }));
    expect(created.statusCode, created.body).toBe(201);
    const sub = bodyOf<{ id: string; startDate: string; endDate: string; createdAt: string }>(created);
    expect(sub.startDate).toMatch(/^209\d-01-31$/);
    expect(sub.endDate).toMatch(/^209\d-02-28$/);
    expect(sub.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Math.abs(Date.parse(sub.createdAt) - Date.now())).toBeLessThan(3_600_000);
    const read = bodyOf<{ startDate: string; createdAt: string }>(await handler(apiEvent({ path: `/subscriptions/${sub.id}`, resource: '/subscriptions/{id}', pathParameters: { id: sub.id }, claims: ALICE })));
    expect(read).toMatchObject({ startDate: sub.startDate, createdAt: sub.createdAt });
  });
});
