import { CreateUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { beforeAll, describe, expect, it } from 'vitest';
import { step } from '../../src/release/steps/gateway.js';
import type { TestProject } from '../helpers/project.js';
import { cognito, createPortalPool, deployFunction, gatewayProject, HELLO_MODEL, policySids, plan, snapshot, writes } from './support.js';


describe('gateway step module on the sandbox', () => {
  let p: TestProject;
  beforeAll(async () => {
    p = gatewayProject();
    await Promise.all([deployFunction(p, 'health'), deployFunction(p, 'hello')]);
  });

  it('GIVEN no user pool yet WHEN planned and applied THEN the plan notes it and apply stops before any write, naming the pool', async () => {
    const ctx = p.ctx('local');
    const { desired, changes } = await plan(ctx);
    expect(changes.find((c) => c.id === 'authorizer:cognito')?.note).toMatch(/user pool does not exist yet/);
    let message = '';
    const w = await writes(() => step.apply(ctx, desired, changes).catch((e: Error) => (message = e.message)));
    expect(message).toBe(
      `Cognito user pool "${p.name}-local-portal" not found in eu-central-1: routes with auth: cognito need the portal user pool; create it first (turnctl users init --stage local) or set gateway.authorizer.userPool, then plan again`,
    );
    expect(w).toEqual([]);
    expect(await snapshot(p)).toBeNull();
  });

  it('GIVEN nothing WHEN applied from nothing and restored to the recorded before-state THEN the API is kept but empty, stage, deployments, gateway responses and permissions are gone', async () => {
    const poolArn = await createPortalPool(p);
    const ctx = p.ctx('local');
    const first = await plan(ctx);
    expect(first.live.apiId).toBeNull();
    const before = JSON.parse(JSON.stringify(step.record ? step.record(first.live) : first.live));
    const result = await step.apply(ctx, first.desired, first.changes);
    const built = (await snapshot(p))!;
    expect(built.authorizers).toEqual([{ name: 'cognito', type: 'COGNITO_USER_POOLS', providers: [poolArn] }]);
    expect(Object.keys(built.routes).sort()).toEqual(['GET /health', 'GET /hello', 'GET /hello/{id}', 'OPTIONS /health', 'OPTIONS /hello', 'OPTIONS /hello/{id}', 'POST /hello']);
    expect(await policySids(p, 'hello')).toEqual([`turnctl-apigw-${built.apiId}`]);
    expect((await plan(ctx)).changes).toEqual([]);

    const restored = await step.restore(ctx, before, JSON.parse(JSON.stringify(result)));
    expect(restored.restored).toContain('gateway: deleted stage local (the release created it)');
    expect(restored.kept).toEqual([`gateway: REST API ${p.name}-local-api (${built.apiId}) created by the release, now without routes`]);
    const after = (await snapshot(p))!;
    expect(after).toMatchObject({ apiId: built.apiId, paths: ['/'], routes: {}, validators: [], authorizers: [], deployments: [], stage: null, gatewayResponses: {} });
    expect(Object.keys(after.models)).toEqual([]);
    expect(await policySids(p, 'hello')).toEqual([]);
    expect(await policySids(p, 'health')).toEqual([]);
  });

  it('GIVEN an applied API WHEN only throttling changes THEN the stage is updated without a new deployment; WHEN the model changes THEN UpdateModel and a deployment; restore puts both back', async () => {
    const ctx = p.ctx('local');
    const initial = await plan(ctx);
    await step.apply(ctx, initial.desired, initial.changes);
    const base = (await snapshot(p))!;

    p.config.gateway.throttling = { rate: 10, burst: 20 };
    p.writeConfig(p.config);
    const t = await plan(p.ctx('local'));
    expect(t.changes.map((c) => `${c.action} ${c.id}`)).toEqual(['update stage:throttling']);
    expect(await writes(() => step.apply(p.ctx('local'), t.desired, t.changes))).toEqual(['apigateway UpdateStage']);
    expect((await snapshot(p))!.stage).toEqual({ deploymentId: base.stage!.deploymentId, throttling: { rate: 10, burst: 20 } });
    await step.restore(p.ctx('local'), JSON.parse(JSON.stringify(t.live)), null);
    expect(await snapshot(p)).toEqual(base);

    p.config.gateway.throttling = { rate: 50, burst: 100 };
    p.writeConfig(p.config);
    p.write('gateway/models/hello-request.json', JSON.stringify({ ...HELLO_MODEL, properties: { name: { type: 'string', maxLength: 40 } } }));
    const m = await plan(p.ctx('local'));
    expect(m.changes.map((c) => `${c.action} ${c.id}`)).toEqual(['update model:HelloRequest', 'update deployment']);
    expect(await writes(() => step.apply(p.ctx('local'), m.desired, m.changes))).toEqual(['apigateway UpdateModel', 'apigateway CreateDeployment']);
    expect((await snapshot(p))!.models.HelloRequest.properties.name).toEqual({ type: 'string', maxLength: 40 });
    const r = await step.restore(p.ctx('local'), JSON.parse(JSON.stringify(m.live)), null);
    expect(r.restored).toEqual(expect.arrayContaining(['gateway: update model HelloRequest', `gateway: stage local back on deployment ${base.stage!.deploymentId}`]));
    expect(await snapshot(p)).toEqual(base);
    p.write('gateway/models/hello-request.json', JSON.stringify(HELLO_MODEL));
  });

  it('GIVEN an applied API WHEN a path variable is renamed ({id} → {helloId}) THEN apply deletes the old resource before creating its sibling (API Gateway allows one variable child per resource); restore puts {id} back', async () => {
    // GIVEN the applied API (the sandbox refuses a second variable child, as API Gateway does: sandbox/patches/apigateway_resources.py)
    const base = (await snapshot(p))!;
    expect(base.paths).toContain('/hello/{id}');

    // WHEN the route's variable is renamed and applied
    const route = p.config.gateway.routes.find((r: { path: string }) => r.path === '/hello/{id}');
    route.path = '/hello/{helloId}';
    p.writeConfig(p.config);
    const r = await plan(p.ctx('local'));
    expect(r.changes.map((c) => `${c.action} ${c.id}`)).toEqual(expect.arrayContaining(['delete resource:/hello/{id}', 'create resource:/hello/{helloId}']));
    await step.apply(p.ctx('local'), r.desired, r.changes);

    // THEN the API has the new resource with its route and preflight, the old one is gone, and a re-plan is empty
    const renamed = (await snapshot(p))!;
    expect(renamed.paths).toContain('/hello/{helloId}');
    expect(renamed.paths).not.toContain('/hello/{id}');
    expect(Object.keys(renamed.routes).filter((k) => k.includes('/hello/{'))).toEqual(['GET /hello/{helloId}', 'OPTIONS /hello/{helloId}']);
    expect((await plan(p.ctx('local'))).changes).toEqual([]);

    // WHEN restored to the recorded before-state THEN {id} is back (deleted {helloId} first, for the same reason)
    await step.restore(p.ctx('local'), JSON.parse(JSON.stringify(r.live)), null);
    const restored = (await snapshot(p))!;
    expect(restored.paths).toEqual(base.paths);
    expect(Object.keys(restored.routes).sort()).toEqual(Object.keys(base.routes).sort());
    route.path = '/hello/{id}';
    p.writeConfig(p.config);
    expect((await plan(p.ctx('local'))).changes).toEqual([]);
  });

  it('GIVEN the user pool was recreated WHEN planned THEN the authorizer is updated in place to the new pool', async () => {
    const ctx = p.ctx('local');
    const { DeleteUserPoolCommand, ListUserPoolsCommand } = await import('@aws-sdk/client-cognito-identity-provider');
    const pools = await cognito().send(new ListUserPoolsCommand({ MaxResults: 60 }));
    await cognito().send(new DeleteUserPoolCommand({ UserPoolId: pools.UserPools!.find((x) => x.Name === `${p.name}-local-portal`)!.Id! }));
    const fresh = await cognito().send(new CreateUserPoolCommand({ PoolName: `${p.name}-local-portal` }));
    const a = await plan(ctx);
    expect(a.changes.map((c) => `${c.action} ${c.id}`)).toEqual(['update authorizer:cognito', 'update deployment']);
    expect(await writes(() => step.apply(ctx, a.desired, a.changes))).toEqual(['apigateway UpdateAuthorizer', 'apigateway CreateDeployment']);
    expect((await snapshot(p))!.authorizers).toEqual([{ name: 'cognito', type: 'COGNITO_USER_POOLS', providers: [fresh.UserPool!.Arn] }]);
    expect((await plan(ctx)).changes).toEqual([]);
  });

  it('GIVEN a route to a function without a live alias WHEN planned THEN read does not fail; WHEN applied THEN it says to deploy the function first', async () => {
    p.config.functions.extra = { memory: 128, timeout: 3 };
    p.write('src/lambdas/extra/index.ts', 'export const handler = async () => ({ statusCode: 200, body: "{}" });');
    p.config.gateway.routes.push({ method: 'GET', path: '/extra', function: 'extra' });
    p.writeConfig(p.config);
    const ctx = p.ctx('local');
    const e = await plan(ctx);
    expect(e.live.permissions.extra).toBe(false);
    expect(e.changes.map((c) => c.id)).toContain('permission:extra');
    await expect(step.apply(ctx, e.desired, e.changes)).rejects.toThrow(
      `function ${p.name}-local-extra has no "live" alias yet, so the route to it cannot be granted; deploy the function first (release apply with the functions section)`,
    );
    // The grant comes before the definition: nothing of the route was written.
    expect((await snapshot(p))!.paths).not.toContain('/extra');
  });
});
