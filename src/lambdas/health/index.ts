import { database } from '../lib/db.js';
import { missingEnv } from '../lib/env.js';
import { httpHandler } from '../lib/handler.js';
import type { Observability } from '../lib/observability.js';

/** Environment this function needs (read statically by turnctl's env-complete check). */
export const REQUIRED_ENV = ['STAGE', 'DATABASE_URL', 'ALLOWED_ORIGINS'] as const;

/** A health probe must answer well inside API Gateway's 29 s, even when the database hangs. */
const DB_PROBE_TIMEOUT_MS = 2500;

/** `GET /health`: 200 healthy, or 503 degraded naming what is wrong (database unreachable, environment missing). */
export const handler = httpHandler('health', [
  {
    method: 'GET',
    resource: '/health',
    async handle(_req, obs) {
      const missing = missingEnv(REQUIRED_ENV);
      const databaseUp = await probeDatabase(obs);
      const healthy = databaseUp && missing.length === 0;
      const body = {
        status: healthy ? 'healthy' : 'degraded',
        database: databaseUp ? 'connected' : 'unreachable',
        environment: missing.length === 0 ? 'configured' : `missing: ${missing.join(', ')}`,
      };
      obs.track('HealthChecked', body);
      return { status: healthy ? 200 : 503, json: body, headers: { 'Cache-Control': 'no-store' } };
    },
  },
]);

async function probeDatabase(obs: Observability): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    // Only the query is timed: for a server it includes connecting; the local stage's embedded engine starting up in a
    // fresh process (seconds on a busy machine) says nothing about reachability and is bounded by the function timeout.
    const db = await database();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${DB_PROBE_TIMEOUT_MS} ms`)), DB_PROBE_TIMEOUT_MS);
    });
    await Promise.race([db.raw('select 1'), timeout]);
    return true;
  } catch (err) {
    obs.logger.warn('database unreachable', { reason: (err as Error).message });
    return false;
  } finally {
    clearTimeout(timer);
  }
}
