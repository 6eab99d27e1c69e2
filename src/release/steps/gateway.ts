import { createHash } from 'node:crypto';
import { applyGateway, restoreGateway, type GatewayApplyResult } from '../../gateway/apply.js';
import { gatewayDesired, type GatewayDesired } from '../../gateway/config.js';
import { diffGateway, gatewayWarnings } from '../../gateway/diff.js';
import { readGateway, type GatewayLive } from '../../gateway/read.js';
import { stageIndependentResponses } from '../../gateway/responses.js';
import { canonicalJson } from '../../gateway/shape.js';
import type { Step } from '../types.js';

/** The part of the desired API that is the same on every stage: no account, region, names or web origins. */
function stageIndependent(desired: GatewayDesired): unknown {
  const resources = Object.fromEntries(
    Object.entries(desired.shape.resources).map(([path, methods]) => [
      path,
      Object.fromEntries(
        Object.entries(methods).map(([http, m]) => {
          const route = desired.routes.find((r) => r.path === path && r.method === http);
          const integration = m.integration && {
            ...m.integration,
            uri: route ? `function:${route.function}` : null,
            responses: Object.fromEntries(Object.entries(m.integration.responses).map(([code, r]) => [code, { ...r, templates: Object.keys(r.templates) }])),
          };
          return [http, { ...m, integration }];
        }),
      ),
    ]),
  );
  return { ...desired.shape, resources, gatewayResponses: stageIndependentResponses(desired.shape.gatewayResponses), throttling: desired.throttling };
}

/** The API Gateway section of the checklist: REST API, routes, models, validators, CORS, throttling, deployment. */
export const step: Step<GatewayDesired, GatewayLive> = {
  section: 'gateway',
  dependsOn: ['bootstrap', 'functions'],
  desired: async (ctx, release) => ({ ...gatewayDesired(ctx), release: release.loaded.manifest.version }),
  digest: (desired) => createHash('sha256').update(canonicalJson(stageIndependent(desired))).digest('hex'),
  read: (ctx, desired) => readGateway(ctx, desired),
  diff: (desired, live) => diffGateway(desired, live),
  warnings: (desired, live) => gatewayWarnings(desired, live),
  apply: (ctx, desired, changes) => applyGateway(ctx, desired, changes, desired.release),
  restore: (ctx, before: GatewayLive, result) => restoreGateway(ctx, before, result as GatewayApplyResult | null | undefined),
};
