import { GetGatewayResponseCommand } from '@aws-sdk/client-api-gateway';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { step } from '../../src/release/steps/gateway.js';
import { runCli } from '../helpers/cli.js';
import type { TestProject } from '../helpers/project.js';
import { apigw, createPortalPool, deployFunction, gatewayProject, gatewayResponses, plan, snapshot, writes } from './support.js';

const TYPES = ['ACCESS_DENIED', 'BAD_REQUEST_BODY', 'BAD_REQUEST_PARAMETERS', 'DEFAULT_4XX', 'DEFAULT_5XX', 'MISSING_AUTHENTICATION_TOKEN', 'QUOTA_EXCEEDED', 'THROTTLED', 'UNAUTHORIZED'];
const ALLOW_ORIGIN = 'gatewayresponse.header.Access-Control-Allow-Origin';

const journalled = <T>(v: T): T => JSON.parse(JSON.stringify(v));

describe('gateway responses on the sandbox', () => {
  let p: TestProject;
  beforeAll(async () => {
    p = gatewayProject();
    await Promise.all([deployFunction(p, 'health'), deployFunction(p, 'hello'), createPortalPool(p)]);
  });

  it('GIVEN an API without gateway responses WHEN applied THEN each type is put with CORS headers and the error body, re-plan is empty and a second apply writes nothing', async () => {
    const ctx = p.ctx('local');
    const first = await plan(ctx);
    expect(first.changes.filter((c) => c.id.startsWith('response:')).map((c) => `${c.action} ${c.id}`)).toEqual(TYPES.map((t) => `create response:${t}`));
    expect(first.changes.find((c) => c.id === 'response:BAD_REQUEST_BODY')?.after).toMatchObject({ status: 'default', headers: { 'Access-Control-Allow-Origin': 'method.request.header.Origin', Vary: "'Origin'" } });
    const w = await writes(() => step.apply(ctx, first.desired, first.changes));
    expect(w.filter((c) => c.endsWith('PutGatewayResponse'))).toHaveLength(TYPES.length);

    const api = (await snapshot(p))!;
    const read = await gatewayResponses(api.apiId);
    expect(Object.keys(read).sort()).toEqual(TYPES);
    expect(read.BAD_REQUEST_BODY).toEqual({
      status: null,
      headers: { [ALLOW_ORIGIN]: 'method.request.header.Origin', 'gatewayresponse.header.Vary': "'Origin'" },
      templates: { 'application/json': '{"error":"invalid_request","field":"body","reason":"$context.error.validationErrorString","requestId":"$context.requestId"}' },
    });
    expect(read.MISSING_AUTHENTICATION_TOKEN!.status).toBe('404');

    const again = await plan(p.ctx('local'));
    expect(again.changes).toEqual([]);
    expect(await writes(() => step.apply(p.ctx('local'), again.desired, again.changes))).toEqual([]);
  });

  it('GIVEN one allowed origin instead of two WHEN applied THEN every response gets it as a static value and the stage a new deployment; WHEN restored THEN a second client reads the previous definitions back', async () => {
    const api = (await snapshot(p))!;
    const beforeResponses = await gatewayResponses(api.apiId);
    p.config.stages.local.vars.webOrigins = 'https://app.test.example';
    p.writeConfig(p.config);
    const u = await plan(p.ctx('local'));
    const ids = u.changes.map((c) => `${c.action} ${c.id}`);
    expect(ids.filter((id) => id.includes('response:'))).toEqual(TYPES.map((t) => `update response:${t}`));
    expect(ids).toContain('update deployment');
    const d4 = u.changes.find((c) => c.id === 'response:DEFAULT_4XX')!;
    expect([d4.before, d4.after].map((v) => (v as { headers: Record<string, string> }).headers['Access-Control-Allow-Origin'])).toEqual([
      'method.request.header.Origin',
      "'https://app.test.example'",
    ]);
    const w = await writes(() => step.apply(p.ctx('local'), u.desired, u.changes));
    expect(w.filter((c) => c.endsWith('PutGatewayResponse'))).toHaveLength(TYPES.length);
    expect(w).toContain('apigateway CreateDeployment');
    const updated = await gatewayResponses(api.apiId);
    for (const t of TYPES) expect(updated[t]!.headers[ALLOW_ORIGIN]).toBe("'https://app.test.example'");
    expect((await snapshot(p))!.stage!.deploymentId).not.toBe(api.stage!.deploymentId);

    const r = await step.restore(p.ctx('local'), journalled(u.live), null);
    expect(r.restored).toEqual(expect.arrayContaining(['gateway: put gateway response DEFAULT_4XX', `gateway: stage local back on deployment ${api.stage!.deploymentId}`]));
    expect(await gatewayResponses(api.apiId)).toEqual(beforeResponses);
    expect(await snapshot(p)).toEqual(api);
    p.config.stages.local.vars.webOrigins = 'http://localhost:5173,https://app.test.example';
    p.writeConfig(p.config);
    expect((await plan(p.ctx('local'))).changes).toEqual([]);
  });

  it('GIVEN a type the release adds and one it leaves to API Gateway WHEN applied and restored THEN the added one is deleted (the default again) and the other put back', async () => {
    const api = (await snapshot(p))!;
    const beforeResponses = await gatewayResponses(api.apiId);
    p.config.gateway.responses = { types: { WAF_FILTERED: { error: 'forbidden' }, THROTTLED: false } };
    p.writeConfig(p.config);
    const c = await plan(p.ctx('local'));
    expect(c.changes.map((x) => `${x.action} ${x.id}`)).toEqual(['delete response:THROTTLED', 'create response:WAF_FILTERED', 'update deployment']);
    expect(await writes(() => step.apply(p.ctx('local'), c.desired, c.changes))).toEqual([
      'apigateway PutGatewayResponse',
      'apigateway DeleteGatewayResponse',
      'apigateway CreateDeployment',
    ]);
    const throttled = await apigw().send(new GetGatewayResponseCommand({ restApiId: api.apiId, responseType: 'THROTTLED' }));
    expect(throttled).toMatchObject({ defaultResponse: true, statusCode: '429' });

    const r = await step.restore(p.ctx('local'), journalled(c.live), null);
    expect(r.restored).toEqual(expect.arrayContaining(["gateway: delete gateway response WAF_FILTERED (API Gateway's default again)", 'gateway: put gateway response THROTTLED']));
    expect(await gatewayResponses(api.apiId)).toEqual(beforeResponses);
    delete p.config.gateway.responses;
    p.writeConfig(p.config);
  });

  it('GIVEN a before-state journalled by a turnctl that did not read gateway responses WHEN restored THEN they are left as they are', async () => {
    const api = (await snapshot(p))!;
    const current = await gatewayResponses(api.apiId);
    const old = journalled((await plan(p.ctx('local'))).live);
    delete old.shape.gatewayResponses;
    const w = await writes(() => step.restore(p.ctx('local'), old, null));
    expect(w.filter((c) => c.includes('GatewayResponse'))).toEqual([]);
    expect(await gatewayResponses(api.apiId)).toEqual(current);
  });
});

describe('gateway responses config (exit 65 at file:line)', () => {
  const lineOf = (dir: string, text: string) => readFileSync(`${dir}/turnctl.yaml`, 'utf8').split('\n').findIndex((l) => l.includes(text)) + 1;

  it('GIVEN an unknown response type, a non-mapping header value or a foreign pinned origin WHEN planned THEN exit 65 at its line with the fix', async () => {
    const p = gatewayProject();
    const planCli = () => runCli(['release', 'plan', `${p.dir}/releases/1.0.0.yaml`, '--stage', 'local'], p.dir);

    p.config.gateway.responses = { types: { THROTTLE: { error: 'throttled' } } };
    p.writeConfig(p.config);
    let r = await planCli();
    expect(r.code).toBe(65);
    expect(r.stderr).toContain(`turnctl.yaml:${lineOf(p.dir, 'THROTTLE:')}:`);
    expect(r.stderr).toContain('unknown key "gateway.responses.types.THROTTLE"; did you mean "THROTTLED"?');

    p.config.gateway.responses = { types: { DEFAULT_4XX: { headers: { 'Cache-Control': 'no-store' } } } };
    p.writeConfig(p.config);
    r = await planCli();
    expect(r.code).toBe(65);
    expect(r.stderr).toContain(`turnctl.yaml:${lineOf(p.dir, 'Cache-Control')}:`);
    expect(r.stderr).toMatch(/must be a quoted static value/);

    p.config.gateway.responses = { types: { DEFAULT_5XX: { status: '500' } } };
    p.writeConfig(p.config);
    r = await planCli();
    expect(r.code).toBe(65);
    expect(r.stderr).toMatch(/"gateway.responses.types.DEFAULT_5XX.status" must be a number/);

    p.config.gateway.responses = { allowOrigin: 'https://evil.example' };
    p.writeConfig(p.config);
    r = await planCli();
    expect(r.code).toBe(65);
    expect(r.stderr).toContain(`turnctl.yaml:${lineOf(p.dir, 'allowOrigin')}:`);
    expect(r.stderr).toMatch(/responses.allowOrigin "https:\/\/evil.example" is not one of the allowed origins/);
  });
});
