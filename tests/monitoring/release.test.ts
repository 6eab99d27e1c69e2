import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeProject, type TestProject } from '../helpers/project.js';
import { bucketSnapshot, rolePolicy } from '../buckets/helpers.js';
import { alarmsWithPrefix, retentionOf } from './helpers.js';

/** A handler that answers 200 but logs a Powertools-style ERROR entry (only the errors post-check notices). */
const noisyHandler = `export const handler = async () => {
  console.log(JSON.stringify({ level: 'ERROR', message: 'payment provider down' }));
  return { statusCode: 200, body: '{}' };
};
`;

describe('buckets and monitoring through release apply on the sandbox', () => {
  let p: TestProject;
  let manifest: string;
  const state = async () => ({
    bucket: await bucketSnapshot(`${p.name}-local-uploads`),
    grants: await rolePolicy(`${p.name}-local-hello`),
    retention: await retentionOf(`/aws/lambda/${p.name}-local-hello`),
    alarms: Object.fromEntries(Object.entries(await alarmsWithPrefix(`${p.name}-local-`)).map(([n, a]) => [n, a.Threshold])),
  });
  beforeAll(() => {
    p = makeProject({
      config: (c) => {
        c.stages.local.vars = { webOrigins: 'http://localhost:5173' };
        c.buckets = { uploads: { versioning: true, cors: [{ origins: '${var.webOrigins}', methods: ['GET'] }], grants: [{ function: 'hello', access: ['read', 'list'] }] } };
        c.monitoring = { retentionDays: 7 };
      },
    });
    manifest = p.writeRelease({ version: '1.0.0', checks: { pre: ['credentials', 'permissions'], post: ['smoke', 'errors'], errors: { window: '0s', threshold: 0 } } });
  });

  it('GIVEN a fresh stage WHEN applied THEN buckets, grants and monitoring exist, the checks pass, and a re-plan is empty', async () => {
    const r = await runCli(['release', 'apply', manifest, '--stage', 'local', '--yes', '--output', 'json'], p.dir);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.preChecks.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual([['credentials', true], ['permissions', true]]);
    expect(out.postChecks.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual([['smoke', true], ['errors', true]]);
    const s = await state();
    expect(s.bucket).toMatchObject({ exists: true, versioning: 'Enabled', cors: [{ AllowedOrigins: ['http://localhost:5173'], AllowedMethods: ['GET'] }] });
    expect(s.grants.Statement.map((x: { Sid: string }) => x.Sid)).toEqual(['TurnctlUploads0Read', 'TurnctlUploads0List']);
    expect(s.retention).toBe(7);
    expect(Object.keys(s.alarms)).toHaveLength(6);
    const plan = await runCli(['release', 'plan', manifest, '--stage', 'local', '--output', 'json', '--exit-code'], p.dir);
    expect(plan.code, plan.stdout).toBe(0);
  });

  it('GIVEN a release changing CORS, retention and a threshold whose function logs an ERROR WHEN applied THEN the errors post-check fails, exit 3, and the state reads back as before', async () => {
    const before = await state();
    p.config.buckets.uploads.cors[0].methods = ['GET', 'PUT'];
    p.config.monitoring = { retentionDays: 14, alarms: { errors: { threshold: 3 } } };
    p.writeConfig(p.config);
    p.write('src/lambdas/hello/index.ts', noisyHandler);
    const m2 = p.writeRelease({ version: '1.1.0', checks: { pre: ['credentials', 'permissions'], post: ['smoke', 'errors'], errors: { window: '0s', threshold: 0 } } });

    const r = await runCli(['release', 'apply', m2, '--stage', 'local', '--yes'], p.dir);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/post-check failed: errors \(1 error-level log entries .*hello: 1 \((?:\S+\t\S+\tINFO\t)?\{"level":"ERROR","message":"payment provider down"\}\)/);
    expect(await state()).toEqual(before);
  });
});
