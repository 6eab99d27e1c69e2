import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { snapshot } from './checklist-snapshot.js';
import { copyRepoProject, edit } from './repo-project.js';

// Two full releases of the real project: slower than the rest, so a longer limit (each 40–80 s on the 2-core machine).
describe('the whole checklist on the repo project (every section)', { timeout: 240_000 }, () => {
  let dir: string;
  let name: string;
  beforeAll(() => ({ dir, name } = copyRepoProject()));

  it('GIVEN a fresh sandbox WHEN releases/1.0.0.yaml is applied THEN every section is created, post-checks pass, and a re-plan shows no changes', async () => {
    const r = await runCli(['release', 'apply', 'releases/1.0.0.yaml', '--stage', 'local', '--yes', '--output', 'json'], dir);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.steps.filter((s: { changes: number }) => s.changes > 0).map((s: { section: string }) => s.section)).toEqual(['bootstrap', 'layers', 'env', 'buckets', 'database', 'functions', 'gateway', 'monitoring', 'legal']);
    expect(out.postChecks.map((c: { name: string; ok: boolean }) => `${c.name}:${c.ok}`)).toEqual(['smoke:true', 'health:true', 'cors:true', 'errors:true', 'tracking-plan:true']);
    const plan = await runCli(['release', 'plan', 'releases/1.0.0.yaml', '--stage', 'local', '--exit-code'], dir);
    expect(plan.code, plan.stdout).toBe(0);
  });

  it('GIVEN a second release changing one thing per section WHEN planned, applied and rolled back THEN the state read back equals the state before', async () => {
    const before = await snapshot(dir, name);
    // GIVEN one change per section (the gateway: a route, a response header, a CORS header and throttling).
    edit(dir, 'layers/common/package-lock.json', (t) => `${t.trimEnd()}\n\n`); // layers: new lock bytes → new version
    edit(dir, 'turnctl.yaml', (t) =>
      t
        .replace('throttling: { rate: 100, burst: 200 }', 'throttling: { rate: 50, burst: 100 }')
        .replace('path: /health, function: health, responseHeaders: [X-Request-Id] }', 'path: /health, function: health, responseHeaders: [X-Request-Id, X-Health-Version] }')
        .replace('    - { method: GET, path: /vehicles, ', '    - { method: GET, path: "/vehicles/{id}/availability", function: vehicles, requiredQuery: [from], responseHeaders: [X-Request-Id] }\n    - { method: GET, path: /vehicles, ')
        .replace('headers: [Accept, Authorization, Content-Type, If-None-Match,', 'headers: [Accept, Authorization, Content-Type, If-None-Match, X-Trace-Id,'),
    ); // gateway
    edit(dir, 'turnctl.yaml', (t) => t.replace('      POWERTOOLS_SERVICE_NAME: turn-legal', '      POWERTOOLS_SERVICE_NAME: turn-legal-v2')); // env
    edit(dir, 'turnctl.yaml', (t) => t.replace(/maxAge: 600\n(\s+policy:)/, 'maxAge: 300\n$1')); // buckets
    writeFileSync(join(dir, 'db/migrations/0003_add_vehicle_color.mjs'), "export async function up(knex) { await knex.schema.alterTable('vehicles', (t) => t.string('color')); }\nexport async function down(knex) { await knex.schema.alterTable('vehicles', (t) => t.dropColumn('color')); }\n"); // database
    // functions: a line of code that survives bundling (a comment would not: esbuild drops it, the zip stays the same).
    edit(dir, 'src/lambdas/health/index.ts', (t) => t.replace('const DB_PROBE_TIMEOUT_MS = 2500;', 'const DB_PROBE_TIMEOUT_MS = 2000;'));
    edit(dir, 'turnctl.yaml', (t) => t.replace('retentionDays: 30', 'retentionDays: 14').replace('errors: { threshold: 1, period: 300 }', 'errors: { threshold: 2, period: 300 }')); // monitoring
    edit(dir, 'legal/terms.md', (t) => t.replace('version: "1.0"', 'version: "1.1"').replace(/summary: .*/, 'summary: Clarifies the notice period.').concat('\nNotice periods are counted in calendar days.\n')); // legal
    writeFileSync(join(dir, 'releases/1.1.0.yaml'), readFileSync(join(dir, 'releases/1.0.0.yaml'), 'utf8').replace('version: 1.0.0', 'version: 1.1.0'));

    // WHEN planned THEN every one of those changes is in the plan, in checklist order
    const plan = await runCli(['release', 'plan', 'releases/1.1.0.yaml', '--stage', 'local', '--output', 'json', '--exit-code'], dir);
    expect(plan.code, plan.stderr).toBe(2);
    const steps = JSON.parse(plan.stdout).steps as Array<{ section: string; changes: Array<{ id: string; action: string; after?: Record<string, unknown> }> }>;
    expect(steps.filter((s) => s.changes.length > 0).map((s) => s.section)).toEqual(['layers', 'gateway', 'env', 'buckets', 'database', 'functions', 'monitoring', 'legal']);
    const ids = (section: string) => steps.find((s) => s.section === section)!.changes.map((c) => `${c.action} ${c.id}`);
    expect(ids('layers')).toEqual(['update layer:common']);
    expect(ids('gateway')).toEqual(expect.arrayContaining(['create route:GET /vehicles/{id}/availability', 'update headers:GET /health', 'update cors:/health', 'update stage:throttling', 'update deployment']));
    expect(ids('env')).toEqual(['update env:legal:POWERTOOLS_SERVICE_NAME']);
    expect(ids('database')).toEqual(['create migration:0003_add_vehicle_color.mjs']);
    const health = steps.find((s) => s.section === 'functions')!.changes.find((c) => c.id === 'function:health')!;
    expect(Object.keys(health.after!)).toContain('codeSha256');
    expect(ids('monitoring')).toEqual(expect.arrayContaining(['update log-group:/aws/lambda/' + name + '-local-health', 'update alarm:' + name + '-local-health-errors']));

    // WHEN applied THEN each change is live
    const applied = await runCli(['release', 'apply', 'releases/1.1.0.yaml', '--stage', 'local', '--yes'], dir);
    expect(applied.code, applied.stderr).toBe(0);
    const after = await snapshot(dir, name);
    expect(after.migrations).toContain('0003_add_vehicle_color.mjs');
    expect(after.columns).toContain('color');
    expect(after.index.terms.version).toBe('1.1');
    expect(after.groups.every((g) => g.endsWith(' 14'))).toBe(true);
    expect(after.alarms.filter((a) => a.includes('-errors"')).every((a) => JSON.parse(a)[3] === 2)).toBe(true);
    expect(after.layerVersions).toHaveLength(2);
    expect(JSON.stringify(after.gateway.throttling)).toMatch(/"throttlingRateLimit":50/);
    expect(after.gateway.deployment).not.toBe(before.gateway.deployment);
    expect(after.gateway.methods).toHaveProperty(['GET /vehicles/{id}/availability', 'requestParameters'], { 'method.request.path.id': true, 'method.request.querystring.from': true });
    expect(JSON.stringify(after.gateway.methods['GET /health'])).toContain('X-Health-Version');
    expect(JSON.stringify(after.gateway.methods['OPTIONS /health'])).toContain('X-Trace-Id');
    expect(after.functions.health).not.toEqual(before.functions.health);
    const replan = await runCli(['release', 'plan', 'releases/1.1.0.yaml', '--stage', 'local', '--exit-code'], dir);
    expect(replan.code, replan.stdout).toBe(0);

    // WHEN rolled back THEN everything read back equals the state before the release
    const rb = await runCli(['release', 'rollback', '--stage', 'local', '--yes'], dir);
    expect(rb.code, rb.stderr).toBe(0);
    expect(await snapshot(dir, name)).toEqual(before);
  });
});
