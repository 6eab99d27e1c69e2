import { gatewayDesired, type GatewayDesired } from '../gateway/config.js';
import { bodyExcerpt, transportFor, type GatewayTransport } from '../gateway/transport.js';
import { gatewayErrorItems } from './cors-errors.js';
import type { Check, CheckResult } from './types.js';

/** An origin no stage allows: a preflight from it must not get it back (nor an API Gateway error, unless reflected by design). */
export const FOREIGN_ORIGIN = 'https://evil.example';

/**
 * Runs the CORS check through a transport (exported for tests of the HTTPS path): the preflight of every resource
 * with routes, then an error API Gateway answers itself (src/checks/cors-errors.ts), from each allowed origin and a
 * foreign one.
 */
export async function checkCors(desired: GatewayDesired, transport: GatewayTransport | null): Promise<CheckResult> {
  if (desired.origins.length === 0) return { name: 'cors', ok: false, detail: 'no gateway.cors.origins: the web client is allowed nowhere; declare the stage web origins' };
  if (!transport) return { name: 'cors', ok: false, detail: `REST API ${desired.apiName} not found; apply a release first` };
  const paths = [...new Set(desired.routes.map((r) => r.path))];
  const items: NonNullable<CheckResult['items']> = [];
  for (const path of paths) {
    const method = desired.routes.find((r) => r.path === path && r.method !== 'ANY')?.method ?? 'GET';
    for (const origin of [...desired.origins, FOREIGN_ORIGIN]) {
      const allowed = origin !== FOREIGN_ORIGIN;
      const name = `OPTIONS ${path} from ${origin}`;
      try {
        const res = await transport.preflight(path, { Origin: origin, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': 'content-type' });
        const echoed = res.headers['access-control-allow-origin'];
        const methods = (res.headers['access-control-allow-methods'] ?? '').split(',').map((m) => m.trim().toUpperCase());
        if (allowed) {
          const ok = res.status >= 200 && res.status < 300 && echoed === origin && (methods.includes(method) || methods.includes('*'));
          items.push({
            name,
            ok,
            detail: ok
              ? `allowed (${method})`
              : res.status >= 300 || res.status < 200
                ? `HTTP ${res.status}${res.body.trim() ? `: ${bodyExcerpt(res.body, 160)}` : ''}`
                : echoed !== origin
                  ? `Access-Control-Allow-Origin is ${echoed === undefined ? 'missing' : `"${echoed}"`}`
                  : `Access-Control-Allow-Methods "${methods.join(',')}" lacks ${method}`,
          });
        } else {
          const ok = echoed !== origin && echoed !== '*';
          items.push({ name, ok, detail: ok ? 'refused (origin not echoed)' : `foreign origin allowed (Access-Control-Allow-Origin: ${echoed})` });
        }
      } catch (err) {
        items.push({ name, ok: false, detail: (err as Error).message });
      }
    }
  }
  const errors = await gatewayErrorItems(desired, transport, FOREIGN_ORIGIN);
  items.push(...errors.items);
  const failed = items.filter((i) => !i.ok);
  return {
    name: 'cors',
    ok: failed.length === 0,
    detail: failed.length
      ? failed.map((f) => `${f.name}: ${f.detail}`).join('; ')
      : `${paths.length} resource(s): ${desired.origins.length} origin(s) allowed, ${FOREIGN_ORIGIN} refused; ${errors.summary}`,
    items,
  };
}

/**
 * Post-check: a preflight from each allowed web origin gets that origin back, and so does an error API Gateway answers
 * itself; a foreign origin does not (on those errors: unless turnctl.yaml reflects the Origin by design).
 */
export const check: Check = {
  name: 'cors',
  phase: 'post',
  configProblem: (ctx) => (gatewayDesired(ctx).origins.length === 0 ? 'the cors post-check needs gateway.cors.origins in turnctl.yaml (without them it always fails); declare the stage web origins or remove the check' : undefined),
  async run({ ctx }) {
    const desired = gatewayDesired(ctx);
    return checkCors(desired, await transportFor(ctx, desired));
  },
};
