import { gatewayDesired, type GatewayDesired } from '../gateway/config.js';
import { bodyExcerpt, transportFor, type GatewayTransport } from '../gateway/transport.js';
import type { Check, CheckResult } from './types.js';

/** The health route: GET served by the `health` function, else GET /health. */
export function healthRoute(desired: GatewayDesired) {
  return desired.routes.find((r) => r.method === 'GET' && r.function === 'health') ?? desired.routes.find((r) => r.method === 'GET' && r.path === '/health');
}

/** Runs the health check through a transport (exported for tests of the HTTPS path). */
export async function checkHealth(desired: GatewayDesired, transport: GatewayTransport | null): Promise<CheckResult> {
  const route = healthRoute(desired);
  if (!route) return { name: 'health', ok: false, detail: 'no health route in gateway.routes; declare GET /health → health in turnctl.yaml' };
  if (!transport) return { name: 'health', ok: false, detail: `REST API ${desired.apiName} not found; apply a release first` };
  const label = `GET ${route.path}`;
  let res;
  try {
    res = await transport.request(route, { Accept: 'application/json' });
  } catch (err) {
    return { name: 'health', ok: false, detail: `${label} via ${transport.where}: ${(err as Error).message}` };
  }
  let status: unknown;
  try {
    status = (JSON.parse(res.body) as { status?: unknown }).status;
  } catch {
    status = undefined;
  }
  const ok = res.status === 200 && status === 'healthy';
  const body = bodyExcerpt(res.body, 200);
  return {
    name: 'health',
    ok,
    detail: ok ? `${label} answered 200 status healthy` : `${label} answered ${res.status}${status !== undefined ? ` status ${String(status)}` : ''}: ${body}`,
    items: [{ name: label, ok, detail: `HTTP ${res.status}` }],
  };
}

/** Post-check: the health route answers 200 with `status: healthy`. */
export const check: Check = {
  name: 'health',
  phase: 'post',
  configProblem: (ctx) => (healthRoute(gatewayDesired(ctx)) ? undefined : 'the health post-check needs a health route in gateway.routes (without one it always fails); declare GET /health → health in turnctl.yaml or remove the check'),
  async run({ ctx }) {
    const desired = gatewayDesired(ctx);
    return checkHealth(desired, await transportFor(ctx, desired));
  },
};
