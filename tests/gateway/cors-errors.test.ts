import { DeleteGatewayResponseCommand, GetGatewayResponseCommand, PutGatewayResponseCommand } from '@aws-sdk/client-api-gateway';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCheck } from '../../src/checks/index.js';
import type { CheckResult } from '../../src/checks/types.js';
import { step } from '../../src/release/steps/gateway.js';
import type { TestProject } from '../helpers/project.js';
import { apigw, createPortalPool, deployFunction, gatewayProject, plan, snapshot } from './support.js';

const ALLOW_ORIGIN = 'gatewayresponse.header.Access-Control-Allow-Origin';
const ORIGINS = ['http://localhost:5173', 'https://app.test.example'];

/** The error items of a cors result: name → [ok, detail]. */
const errorItems = (r: CheckResult) => Object.fromEntries(r.items!.filter((i) => i.name.startsWith('gateway error')).map((i) => [i.name, [i.ok, i.detail]]));

/**
 * The cors check's API Gateway errors on the sandbox: moto serves no stage URL, so the check evaluates the live gateway
 * responses (GetGatewayResponses) for MISSING_AUTHENTICATION_TOKEN; a second client changes them behind turnctl's back.
 */
describe('cors check: the errors API Gateway answers itself, on the sandbox', () => {
  let p: TestProject;
  let apiId: string;
  const run = async () => (await loadCheck('cors'))!.run({ ctx: p.ctx('local'), manifest: {} as never, digest: 'x', startedAt: new Date() });
  const applyGateway = async () => {
    const planned = await plan(p.ctx('local'));
    await step.apply(p.ctx('local'), planned.desired, planned.changes);
  };
  const put = async (type: string, change: (params: Record<string, string>) => Record<string, string>) => {
    const c = apigw();
    const r = await c.send(new GetGatewayResponseCommand({ restApiId: apiId, responseType: type as never }));
    await c.send(new PutGatewayResponseCommand({ restApiId: apiId, responseType: type as never, statusCode: r.statusCode, responseParameters: change({ ...r.responseParameters }), responseTemplates: r.responseTemplates }));
  };

  beforeAll(async () => {
    p = gatewayProject();
    await Promise.all([deployFunction(p, 'health'), deployFunction(p, 'hello'), createPortalPool(p)]);
    await applyGateway();
    apiId = (await snapshot(p))!.apiId;
  });

  it("GIVEN a gateway applied with two origins WHEN the cors check runs THEN each origin gets itself back on the unknown-route 404 and the foreign origin's reflection is reported as by design", async () => {
    const r = await run();
    expect(r.ok, r.detail).toBe(true);
    expect(errorItems(r)).toEqual({
      'gateway error from http://localhost:5173': [true, 'HTTP 404 from MISSING_AUTHENTICATION_TOKEN: allowed'],
      'gateway error from https://app.test.example': [true, 'HTTP 404 from MISSING_AUTHENTICATION_TOKEN: allowed'],
      'gateway error from https://evil.example': [true, expect.stringMatching(/^reflected by design: gateway.responses.allowOrigin auto with 2 origins/)],
    });
    expect(r.detail).toContain('API Gateway errors (GET /__turnctl-cors-probe): 2 origin(s) allowed, https://evil.example reflected by design');
  });

  it('GIVEN MISSING_AUTHENTICATION_TOKEN deleted by a second client THEN DEFAULT_4XX answers and still passes; WHEN DEFAULT_4XX loses its CORS mapping THEN the check fails naming each origin; WHEN applied again THEN it passes', async () => {
    await apigw().send(new DeleteGatewayResponseCommand({ restApiId: apiId, responseType: 'MISSING_AUTHENTICATION_TOKEN' }));
    const inherited = await run();
    expect(inherited.ok, inherited.detail).toBe(true);
    expect(errorItems(inherited)['gateway error from http://localhost:5173']).toEqual([true, 'HTTP 403 from DEFAULT_4XX: allowed']);

    await put('DEFAULT_4XX', ({ [ALLOW_ORIGIN]: _, ...rest }) => rest);
    const r = await run();
    expect(r.ok).toBe(false);
    for (const origin of ORIGINS) {
      const [ok, detail] = errorItems(r)[`gateway error from ${origin}`]!;
      expect(ok).toBe(false);
      expect(detail).toMatch(/^GET \/__turnctl-cors-probe answered HTTP 403 from DEFAULT_4XX \{"error":"bad_request","reason":"Missing Authentication Token",.*\}: Access-Control-Allow-Origin is missing; `turnctl release plan` shows/);
      expect(r.detail).toContain(`gateway error from ${origin}: GET /__turnctl-cors-probe answered HTTP 403 from DEFAULT_4XX`);
    }
    // The preflights are untouched.
    expect(r.items!.filter((i) => i.name.startsWith('OPTIONS')).every((i) => i.ok)).toBe(true);

    await applyGateway();
    expect((await plan(p.ctx('local'))).changes).toEqual([]);
    const fixed = await run();
    expect(fixed.ok, fixed.detail).toBe(true);
  });

  it('GIVEN no gateway responses at all (both deleted) WHEN the check runs THEN API Gateway\'s default 403 without CORS fails it', async () => {
    for (const type of ['MISSING_AUTHENTICATION_TOKEN', 'DEFAULT_4XX']) await apigw().send(new DeleteGatewayResponseCommand({ restApiId: apiId, responseType: type as never }));
    const r = await run();
    expect(errorItems(r)['gateway error from https://app.test.example']).toEqual([
      false,
      expect.stringMatching(/^GET \/__turnctl-cors-probe answered HTTP 403 from API Gateway's default response \{"message":"Missing Authentication Token"\}: Access-Control-Allow-Origin is missing/),
    ]);
    await applyGateway();
  });

  it('GIVEN one allowed origin WHEN applied THEN the foreign origin is refused; WHEN a second client makes MISSING_AUTHENTICATION_TOKEN reflect the Origin THEN the foreign origin fails the check', async () => {
    p.config.stages.local.vars.webOrigins = ORIGINS[1];
    p.writeConfig(p.config);
    await applyGateway();
    const ok = await run();
    expect(ok.ok, ok.detail).toBe(true);
    expect(errorItems(ok)).toEqual({
      'gateway error from https://app.test.example': [true, 'HTTP 404 from MISSING_AUTHENTICATION_TOKEN: allowed'],
      'gateway error from https://evil.example': [true, 'HTTP 404 from MISSING_AUTHENTICATION_TOKEN: refused (origin not echoed)'],
    });

    await put('MISSING_AUTHENTICATION_TOKEN', (params) => ({ ...params, [ALLOW_ORIGIN]: 'method.request.header.Origin' }));
    const r = await run();
    expect(r.ok).toBe(false);
    expect(r.items!.filter((i) => !i.ok).map((i) => i.name)).toEqual(['gateway error from https://evil.example']);
    expect(r.detail).toMatch(/gateway error from https:\/\/evil.example: GET \/__turnctl-cors-probe answered HTTP 404 from MISSING_AUTHENTICATION_TOKEN .*: foreign origin allowed \(Access-Control-Allow-Origin: https:\/\/evil.example\)/);
  });
});
