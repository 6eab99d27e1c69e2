import { readFileSync } from 'node:fs';
import { DeleteMethodCommand, GetResourcesCommand } from '@aws-sdk/client-api-gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWriteCommand } from '../../src/aws/clients.js';
import { loadCheck } from '../../src/checks/index.js';
import { recordAwsCalls, runCli } from '../helpers/cli.js';
import type { TestProject } from '../helpers/project.js';
import { ListUserPoolsCommand } from '@aws-sdk/client-cognito-identity-provider';
import { apigw, cognito, createPortalPool, gatewayProject, policySids, snapshot } from './support.js';

const ids = (plan: { steps: Array<{ section: string; changes: Array<{ id: string; action: string }> }> }, section = 'gateway') =>
  plan.steps.filter((s) => s.section === section).flatMap((s) => s.changes.map((c) => `${c.action} ${c.id}`));

describe('gateway step through release plan/apply/rollback on the sandbox', () => {
  let p: TestProject;
  let manifest: string;
  let poolArn: string;
  beforeAll(async () => {
    p = gatewayProject();
    manifest = `${p.dir}/releases/1.0.0.yaml`;
    poolArn = await createPortalPool(p);
  });
  afterAll(() => {});

  it('GIVEN a fresh stage WHEN planned THEN every resource, route, header, model, CORS preflight, gateway response, permission, throttling and the deployment is its own change', async () => {
    const r = await runCli(['release', 'plan', manifest, '--stage', 'local', '--output', 'json'], p.dir);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(ids(plan)).toEqual([
      'create api',
      'create model:HelloRequest',
      'create validator:turnctl-body',
      'create validator:turnctl-params',
      'create authorizer:cognito',
      'create resource:/health',
      'create resource:/hello',
      'create resource:/hello/{id}',
      'create route:GET /health',
      'create cors:/health',
      'create route:GET /hello',
      'create headers:GET /hello',
      'create cors:/hello',
      'create route:POST /hello',
      'create route:GET /hello/{id}',
      'create headers:GET /hello/{id}',
      'create cors:/hello/{id}',
      ...['ACCESS_DENIED', 'BAD_REQUEST_BODY', 'BAD_REQUEST_PARAMETERS', 'DEFAULT_4XX', 'DEFAULT_5XX', 'MISSING_AUTHENTICATION_TOKEN', 'QUOTA_EXCEEDED', 'THROTTLED', 'UNAUTHORIZED'].map(
        (t) => `create response:${t}`,
      ),
      'create permission:health',
      'create permission:hello',
      'create stage:throttling',
      'create deployment',
    ]);
    // Routes name functions the release creates: the engine applies gateway after functions.
    expect(plan.steps.map((s: { section: string }) => s.section).indexOf('gateway')).toBeGreaterThan(plan.steps.map((s: { section: string }) => s.section).indexOf('functions'));
  });

  it('GIVEN a fresh stage without the portal user pool WHEN planned THEN the authorizer says bootstrap creates the pool first, not that apply will stop; applied, the creation is audited', async () => {
    const fresh = gatewayProject();
    const r = await runCli(['release', 'plan', `${fresh.dir}/releases/1.0.0.yaml`, '--stage', 'local', '--output', 'json'], fresh.dir);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(ids(plan, 'bootstrap')).toContain(`create user-pool:${fresh.name}-local-portal`);
    const authorizer = plan.steps.flatMap((s: { changes: Array<{ id: string; note?: string }> }) => s.changes).find((c: { id: string }) => c.id === 'authorizer:cognito');
    expect(authorizer.note).toBe(`on the Cognito user pool ${fresh.name}-local-portal, which the bootstrap step creates first`);

    // WHEN applied THEN bootstrap creates the pool, and the users audit log says so as `users init` would
    const applied = await runCli(['release', 'apply', `${fresh.dir}/releases/1.0.0.yaml`, '--stage', 'local', '--yes', '--output', 'json'], fresh.dir);
    expect(applied.code, applied.stderr).toBe(0);
    const audit = await runCli(['audit', '--kind', 'users', '--stage', 'local', '--output', 'json'], fresh.dir);
    expect(audit.code, audit.stderr).toBe(0);
    const actions = JSON.parse(audit.stdout).entries.map((e: { action: string; target: string }) => `${e.action} ${e.target}`);
    expect(actions).toEqual(expect.arrayContaining([`create-pool ${fresh.name}-local-portal`, `create-groups ${fresh.name}-local-portal`]));
  });

  it('GIVEN users.pool names another pool and no gateway.authorizer.userPool WHEN applied THEN bootstrap creates that pool and the authorizer points at it (not at <project>-<stage>-portal)', async () => {
    const own = gatewayProject();
    own.config.users = { pool: '${project}-${stage}-customers' };
    own.writeConfig(own.config);
    const r = await runCli(['release', 'apply', `${own.dir}/releases/1.0.0.yaml`, '--stage', 'local', '--yes', '--output', 'json'], own.dir);
    expect(r.code, r.stderr).toBe(0);
    const pools = await cognito().send(new ListUserPoolsCommand({ MaxResults: 60 }));
    const pool = pools.UserPools?.find((x) => x.Name === `${own.name}-local-customers`);
    expect(pool).toBeDefined();
    expect(pools.UserPools?.some((x) => x.Name === `${own.name}-local-portal`)).toBe(false);
    const s = (await snapshot(own))!;
    expect(s.authorizers).toEqual([{ name: 'cognito', type: 'COGNITO_USER_POOLS', providers: [`arn:aws:cognito-idp:eu-central-1:123456789012:userpool/${pool!.Id}`] }]);
  });

  it('GIVEN gateway.authorizer.userPool names a pool that does not exist WHEN planned or applied THEN exit 65 at that key and no AWS write (it failed the gateway step after every earlier step and rolled the release back)', async () => {
    const other = gatewayProject();
    other.config.gateway.authorizer = { userPool: 'nobody-s-pool' };
    other.writeConfig(other.config);
    const line = readFileSync(`${other.dir}/turnctl.yaml`, 'utf8').split('\n').findIndex((l) => l.includes('nobody-s-pool')) + 1;
    const planned = await runCli(['release', 'plan', `${other.dir}/releases/1.0.0.yaml`, '--stage', 'local'], other.dir);
    expect(planned.code, planned.stderr).toBe(65);
    expect(planned.stderr).toMatch(new RegExp(`turnctl\\.yaml:${line}:\\d+: Cognito user pool "nobody-s-pool" \\(the authorizer of auth: cognito routes\\) not found in eu-central-1; create it, or remove gateway.authorizer.userPool`));
    const { result: applied, calls } = await recordAwsCalls(() => runCli(['release', 'apply', `${other.dir}/releases/1.0.0.yaml`, '--stage', 'local', '--yes'], other.dir));
    expect(applied.code, applied.stderr).toBe(65);
    expect(calls.filter((x) => isWriteCommand(x.command))).toEqual([]);
  });

  it('GIVEN a fresh stage WHEN the release is applied THEN the API is built as declared and the health and cors post-checks pass', async () => {
    const r = await runCli(['release', 'apply', manifest, '--stage', 'local', '--yes', '--output', 'json'], p.dir);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.postChecks.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual([
      ['smoke', true],
      ['health', true],
      ['cors', true],
    ]);

    const s = (await snapshot(p))!;
    expect(s.paths).toEqual(['/', '/health', '/hello', '/hello/{id}']);
    const uri = (fn: string) => `arn:aws:apigateway:eu-central-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-central-1:123456789012:function:${p.name}-local-${fn}:live/invocations`;
    expect(s.routes['GET /health']).toMatchObject({ auth: 'NONE', integration: 'AWS_PROXY', uri: uri('health') });
    expect(s.routes['GET /hello']).toMatchObject({ params: { 'method.request.querystring.page': true }, uri: uri('hello') });
    expect(s.routes['POST /hello']).toMatchObject({ auth: 'COGNITO_USER_POOLS', models: { 'application/json': 'HelloRequest' } });
    expect(s.routes['GET /hello/{id}']).toMatchObject({ params: { 'method.request.path.id': true }, responses: { '200': { 'method.response.header.ETag': false } } });
    const options = s.routes['OPTIONS /hello']!;
    expect(options.integration).toBe('MOCK');
    expect(options.integrationResponses['200']!.params).toMatchObject({
      'method.response.header.Access-Control-Allow-Methods': "'GET,POST,OPTIONS'",
      'method.response.header.Access-Control-Max-Age': "'300'",
    });
    expect(options.integrationResponses['200']!.templates['application/json']).toContain('["http://localhost:5173","https://app.test.example"]');
    expect(s.models.HelloRequest).toMatchObject({ required: ['name'] });
    expect(s.validators.sort((a, b) => a.name!.localeCompare(b.name!))).toEqual([
      { name: 'turnctl-body', body: true, params: false },
      { name: 'turnctl-params', body: false, params: true },
    ]);
    expect(s.authorizers).toEqual([{ name: 'cognito', type: 'COGNITO_USER_POOLS', providers: [poolArn] }]);
    expect(s.stage).toEqual({ deploymentId: s.deployments[0], throttling: { rate: 50, burst: 100 } });
    expect(s.deployments).toHaveLength(1);
    expect(await policySids(p, 'health')).toEqual([`turnctl-apigw-${s.apiId}`]);
    expect(await policySids(p, 'hello')).toEqual([`turnctl-apigw-${s.apiId}`]);
  });

  it('GIVEN an applied release WHEN planned and applied again THEN no changes and no write call', async () => {
    const plan = await runCli(['release', 'plan', manifest, '--stage', 'local', '--output', 'json', '--exit-code'], p.dir);
    expect(plan.code, plan.stdout).toBe(0);
    expect(JSON.parse(plan.stdout).summary).toEqual({ create: 0, update: 0, delete: 0 });
    const { result: r, calls } = await recordAwsCalls(() => runCli(['release', 'apply', manifest, '--stage', 'local', '--yes'], p.dir));
    expect(r.code, r.stderr).toBe(0);
    expect(calls.filter((c) => c.service === 'apigateway').length).toBeGreaterThan(0);
    expect(calls.filter((c) => isWriteCommand(c.command) && c.service !== 's3' && c.service !== 'logs')).toEqual([]);
  });

  it('GIVEN a new route, a changed CORS origin, a new required header and a re-coded gateway response WHEN applied and rolled back THEN the stage is back on its previous deployment and the API reads back as before', async () => {
    const before = (await snapshot(p))!;
    p.config.stages.local.vars.webOrigins = 'http://localhost:5173,https://app2.test.example';
    p.config.gateway.routes[2].requiredHeaders = ['X-Request-Id'];
    p.config.gateway.routes.push({ method: 'DELETE', path: '/hello/{id}', function: 'hello', auth: 'cognito' });
    p.config.gateway.responses = { types: { DEFAULT_4XX: { error: 'refused', status: 400 } } };
    p.writeConfig(p.config);

    const plan = await runCli(['release', 'plan', manifest, '--stage', 'local', '--output', 'json', '--exit-code'], p.dir);
    expect(plan.code, plan.stderr).toBe(2);
    expect(ids(JSON.parse(plan.stdout))).toEqual([
      'update cors:/health',
      'update cors:/hello',
      'create route:DELETE /hello/{id}',
      'update route:GET /hello/{id}',
      'update headers:GET /hello/{id}',
      'update cors:/hello/{id}',
      'update response:DEFAULT_4XX',
      'update deployment',
    ]);
    // and the deployment change shows the definition the stage serves now, not ∅
    const deployment = JSON.parse(plan.stdout).steps.flatMap((s: { changes: Array<{ id: string; before: { definition?: string } }> }) => s.changes).find((c: { id: string }) => c.id === 'deployment');
    expect(deployment.before.definition).toMatch(/^[0-9a-f]{16}$/);
    expect(plan.stdout).not.toMatch(/definition: ∅/);

    const applied = await runCli(['release', 'apply', manifest, '--stage', 'local', '--yes'], p.dir);
    expect(applied.code, applied.stderr).toBe(0);
    const after = (await snapshot(p))!;
    expect(after.routes['DELETE /hello/{id}']).toMatchObject({ auth: 'COGNITO_USER_POOLS', integration: 'AWS_PROXY' });
    expect(after.routes['GET /hello/{id}']!.params).toEqual({ 'method.request.path.id': true, 'method.request.header.X-Request-Id': true });
    expect(after.routes['OPTIONS /hello/{id}']!.integrationResponses['200']!.templates['application/json']).toContain('https://app2.test.example');
    expect(after.routes['OPTIONS /hello/{id}']!.integrationResponses['200']!.params['method.response.header.Access-Control-Allow-Methods']).toBe("'DELETE,GET,OPTIONS'");
    expect(after.stage!.deploymentId).not.toBe(before.stage!.deploymentId);
    expect(after.stage!.throttling).toEqual({ rate: 50, burst: 100 });
    expect(after.gatewayResponses.DEFAULT_4XX).toMatchObject({ status: '400', templates: { 'application/json': expect.stringContaining('"error":"refused"') } });

    const rb = await runCli(['release', 'rollback', '--stage', 'local', '--yes'], p.dir);
    expect(rb.code, rb.stderr).toBe(0);
    expect(await snapshot(p)).toEqual(before);
    delete p.config.gateway.responses; // the tests below plan from the other changes only
    p.writeConfig(p.config);
  });

  it('GIVEN the OPTIONS method of a resource removed behind turnctl\'s back WHEN the cors check runs THEN it fails naming the resource', async () => {
    // The config still has the update of the previous test; put the applied one back.
    p.config.stages.local.vars.webOrigins = 'http://localhost:5173,https://app.test.example';
    delete p.config.gateway.routes[2].requiredHeaders;
    p.config.gateway.routes.pop();
    p.writeConfig(p.config);
    const ctx = p.ctx('local');
    const cors = (await loadCheck('cors'))!;
    const input = { ctx, manifest: {} as never, digest: 'x', startedAt: new Date() };
    expect((await cors.run(input)).ok).toBe(true);

    const c = apigw();
    const s = (await snapshot(p))!;
    const res = await c.send(new GetResourcesCommand({ restApiId: s.apiId, limit: 500 }));
    const hello = res.items!.find((r) => r.path === '/hello')!;
    await c.send(new DeleteMethodCommand({ restApiId: s.apiId, resourceId: hello.id!, httpMethod: 'OPTIONS' }));
    const result = await cors.run(input);
    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(/OPTIONS \/hello from http:\/\/localhost:5173: HTTP 403: no OPTIONS method/);
    expect(result.items!.filter((i) => !i.ok).map((i) => i.name)).toEqual(['OPTIONS /hello from http://localhost:5173', 'OPTIONS /hello from https://app.test.example']);

    const plan = await runCli(['release', 'plan', manifest, '--stage', 'local', '--output', 'json'], p.dir);
    expect(ids(JSON.parse(plan.stdout))).toEqual(['create cors:/hello', 'update deployment']);
    const fixed = await runCli(['release', 'apply', manifest, '--stage', 'local', '--yes'], p.dir);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect((await cors.run(input)).ok).toBe(true);
  });

  it('GIVEN a health route made to fail WHEN applied THEN the health post-check fails and the release is rolled back with exit 3', async () => {
    p.config.functions.health.environment.HEALTH_STATUS = 'degraded';
    p.writeConfig(p.config);
    const r = await runCli(['release', 'apply', manifest, '--stage', 'local', '--yes'], p.dir);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/post-check failed: health \(GET \/health answered 200 status degraded/);
    const status = await runCli(['release', 'status', '--stage', 'local', '--output', 'json'], p.dir);
    expect(JSON.parse(status.stdout).run.failedCheck).toBe('health');
    delete p.config.functions.health.environment.HEALTH_STATUS;
    p.writeConfig(p.config);
    const health = (await loadCheck('health'))!;
    const res = await health.run({ ctx: p.ctx('local'), manifest: {} as never, digest: 'x', startedAt: new Date() });
    expect(res).toMatchObject({ ok: true, detail: 'GET /health answered 200 status healthy' });
    const cli = await runCli(['check', 'run', 'post', '--stage', 'local', '--checks', 'health,cors', '--output', 'json'], p.dir);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain('OPTIONS /hello/{id} from https://app.test.example');
  });
});
