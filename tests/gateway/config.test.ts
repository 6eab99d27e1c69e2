import { describe, expect, it } from 'vitest';
import { loadProject } from '../../src/config/load.js';
import { stageContext } from '../../src/context.js';
import { InvalidInputError } from '../../src/errors.js';
import { gatewayDesired } from '../../src/gateway/config.js';
import { evaluatePreflight } from '../../src/gateway/cors.js';
import { isWriteCommand } from '../../src/aws/clients.js';
import { recordAwsCalls, runCli } from '../helpers/cli.js';
import { gatewayProject } from './support.js';

/** The 1-based line of the first line of turnctl.yaml containing `text` (after `after`, when given). */
function lineOf(yaml: string, text: string, after = 0): number {
  const lines = yaml.split('\n');
  const i = lines.findIndex((l, n) => n >= after && l.includes(text));
  if (i < 0) throw new Error(`"${text}" not in turnctl.yaml`);
  return i + 1;
}

function expectInvalid(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return err as InvalidInputError;
  }
  throw new Error('expected an InvalidInputError');
}

const readConfig = (dir: string) => import('node:fs').then((fs) => fs.readFileSync(`${dir}/turnctl.yaml`, 'utf8'));

describe('gateway config validation (exit 65 at file:line)', () => {
  it('GIVEN a release whose post-checks include cors or health WHEN turnctl.yaml has no cors origins / no health route THEN plan is exit 65 at the check in the manifest, and apply writes nothing (it applied every step, failed the post-check and rolled back)', async () => {
    const p = gatewayProject();
    delete p.config.gateway.cors;
    p.writeConfig(p.config);
    const manifest = `${p.dir}/releases/1.0.0.yaml`;
    const line = (await import('node:fs')).readFileSync(manifest, 'utf8').split('\n').findIndex((l) => l.includes('- cors')) + 1;
    const r = await runCli(['release', 'plan', manifest, '--stage', 'local'], p.dir);
    expect(r.code, r.stderr).toBe(65);
    expect(r.stderr).toMatch(new RegExp(`releases/1\\.0\\.0\\.yaml:${line}:\\d+: the cors post-check needs gateway\\.cors\\.origins in turnctl\\.yaml`));
    const { result: applied, calls } = await recordAwsCalls(() => runCli(['release', 'apply', manifest, '--stage', 'local', '--yes'], p.dir));
    expect(applied.code, applied.stderr).toBe(65);
    expect(calls.filter((x) => isWriteCommand(x.command))).toEqual([]);

    const q = gatewayProject();
    q.config.gateway.routes = q.config.gateway.routes.filter((x: { path: string }) => x.path !== '/health');
    q.writeConfig(q.config);
    const h = await runCli(['release', 'plan', `${q.dir}/releases/1.0.0.yaml`, '--stage', 'local'], q.dir);
    expect(h.code, h.stderr).toBe(65);
    expect(h.stderr).toMatch(/releases\/1\.0\.0\.yaml:\d+:\d+: the health post-check needs a health route in gateway\.routes/);
  });

  it('GIVEN a gateway response override pinning Access-Control-Allow-Origin to "*" or a foreign origin WHEN planned THEN exit 65 at that header (the cors post-check failed it after every step)', async () => {
    const p = gatewayProject();
    p.config.gateway.responses = { types: { DEFAULT_4XX: { headers: { 'Access-Control-Allow-Origin': "'*'" } } } };
    p.writeConfig(p.config);
    const r = await runCli(['release', 'plan', `${p.dir}/releases/1.0.0.yaml`, '--stage', 'local'], p.dir);
    expect(r.code, r.stderr).toBe(65);
    expect(r.stderr).toContain(`turnctl.yaml:${lineOf(await readConfig(p.dir), 'Access-Control-Allow-Origin')}:`);
    expect(r.stderr).toContain("responses.types.DEFAULT_4XX Access-Control-Allow-Origin '*' is not one of the allowed origins (http://localhost:5173, https://app.test.example); use one of them, or responses.allowOrigin");
    p.config.gateway.responses = { types: { DEFAULT_4XX: { headers: { 'Access-Control-Allow-Origin': "'https://app.test.example'" } } } };
    p.writeConfig(p.config);
    expect((await runCli(['release', 'plan', `${p.dir}/releases/1.0.0.yaml`, '--stage', 'local'], p.dir)).code).toBe(0);
  });

  it('GIVEN a model file given as an absolute path (${dir}/…) WHEN planned THEN it is read (it was joined to the project directory: "not found")', async () => {
    const p = gatewayProject();
    p.config.gateway.models = { HelloRequest: '${dir}/gateway/models/hello-request.json' };
    p.writeConfig(p.config);
    const r = await runCli(['release', 'plan', `${p.dir}/releases/1.0.0.yaml`, '--stage', 'local', '--output', 'json'], p.dir);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).steps.flatMap((x: { changes: Array<{ id: string }> }) => x.changes.map((c) => c.id))).toContain('model:HelloRequest');
  });

  it('GIVEN throttling burst 0 WHEN the release is planned THEN exit 65 at burst (API Gateway would answer every request 429)', async () => {
    const p = gatewayProject();
    p.config.gateway.throttling = { rate: 50, burst: 0 };
    p.writeConfig(p.config);
    const r = await runCli(['release', 'plan', `${p.dir}/releases/1.0.0.yaml`, '--stage', 'local'], p.dir);
    expect(r.code).toBe(65);
    expect(r.stderr).toContain(`turnctl.yaml:${lineOf(await readConfig(p.dir), 'burst: 0')}:`);
    expect(r.stderr).toContain('"gateway.throttling.burst": burst 0 would throttle every request (429); set the burst in requests, at least 1');
  });

  it('GIVEN the same method and path twice WHEN the release is planned THEN exit 65 names the second route and where the first is', async () => {
    const p = gatewayProject();
    p.config.gateway.routes.push({ method: 'get', path: '/hello/{id}', function: 'hello' });
    p.writeConfig(p.config);
    const r = await runCli(['release', 'plan', `${p.dir}/releases/1.0.0.yaml`, '--stage', 'local'], p.dir);
    expect(r.code).toBe(65);
    const yaml = await readConfig(p.dir);
    const first = lineOf(yaml, 'path: /hello/{id}');
    const second = lineOf(yaml, 'path: /hello/{id}', first);
    expect(r.stderr).toContain(`turnctl.yaml:${second}:`);
    expect(r.stderr).toMatch(new RegExp(`duplicate route GET /hello/\\{id\\} \\(first declared at \\S*turnctl.yaml:${first - 1}:\\d+\\); remove one`));
  });

  it('GIVEN a route naming an unknown function WHEN validated THEN the error points at its function line and lists the known ones', async () => {
    const p = gatewayProject();
    p.config.gateway.routes.push({ method: 'GET', path: '/vehicles', function: 'vehicles' });
    p.writeConfig(p.config);
    const err = expectInvalid(() => gatewayDesired(p.ctx('local')));
    expect(err.where).toMatch(new RegExp(`turnctl.yaml:${lineOf(await readConfig(p.dir), 'function: vehicles')}:`));
    expect(err.problem).toBe('route GET /vehicles: unknown function "vehicles"; functions in turnctl.yaml: health, hello');
  });

  it('GIVEN a model whose schema file is missing WHEN validated THEN the error points at the model entry', async () => {
    const p = gatewayProject();
    p.config.gateway.models.Missing = 'gateway/models/missing.json';
    p.writeConfig(p.config);
    const err = expectInvalid(() => gatewayDesired(p.ctx('local')));
    expect(err.where).toMatch(new RegExp(`turnctl.yaml:${lineOf(await readConfig(p.dir), 'Missing:')}:`));
    expect(err.problem).toMatch(/model "Missing": schema file gateway\/models\/missing.json not found/);
  });

  it('GIVEN a model file that is not valid JSON WHEN validated THEN the error names the model file and its line', () => {
    const p = gatewayProject();
    p.write('gateway/models/hello-request.json', '{\n  "type": "object",\n  "properties": {\n}}}\n');
    const err = expectInvalid(() => gatewayDesired(p.ctx('local')));
    expect(err.where).toMatch(/hello-request\.json:4:\d+/);
  });

  it('GIVEN a bad method WHEN the config is loaded THEN exit 65 at the method line with the allowed methods', async () => {
    const p = gatewayProject();
    p.config.gateway.routes[1].method = 'FETCH';
    p.writeConfig(p.config);
    const r = await runCli(['release', 'plan', `${p.dir}/releases/1.0.0.yaml`, '--stage', 'local'], p.dir);
    expect(r.code).toBe(65);
    expect(r.stderr).toContain(`turnctl.yaml:${lineOf(await readConfig(p.dir), 'FETCH')}:`);
    expect(r.stderr).toMatch(/"gateway.routes.1.method" must be one of: "GET", "POST"/);
  });

  it('GIVEN an undeclared model, sibling path variables or an origin with a path WHEN validated THEN each is refused at its line', async () => {
    const p = gatewayProject();
    p.config.gateway.routes[1].model = 'Nope';
    p.writeConfig(p.config);
    expect(expectInvalid(() => gatewayDesired(p.ctx('local'))).problem).toMatch(/unknown model "Nope"; declare it under gateway.models/);

    delete p.config.gateway.routes[1].model;
    p.config.gateway.routes.push({ method: 'PUT', path: '/hello/{name}', function: 'hello' });
    p.writeConfig(p.config);
    const sib = expectInvalid(() => gatewayDesired(p.ctx('local')));
    expect(sib.where).toMatch(new RegExp(`turnctl.yaml:${lineOf(await readConfig(p.dir), '/hello/{name}')}:`));
    expect(sib.problem).toMatch(/\{name\} and \{id\} .* are sibling path variables/);

    p.config.gateway.routes.pop();
    p.config.stages.local.vars.webOrigins = 'https://app.test.example/';
    p.writeConfig(p.config);
    expect(expectInvalid(() => gatewayDesired(p.ctx('local'))).problem).toMatch(/CORS origin "https:\/\/app.test.example\/" must be scheme:\/\/host\[:port\]/);
  });

  it('GIVEN a CORS origin a browser never sends (upper-case host, default port) WHEN validated THEN exit 65 at cors.origins naming the form a browser sends (the preflight compares exactly; the cors post-check sent the configured value and passed)', async () => {
    const p = gatewayProject();
    for (const [origin, sent] of [
      ['https://App.test.example', 'https://app.test.example'],
      ['https://app.test.example:443', 'https://app.test.example'],
      ['http://localhost:80', 'http://localhost'],
    ]) {
      p.config.stages.local.vars.webOrigins = `http://localhost:5173,${origin}`;
      p.writeConfig(p.config);
      const e = expectInvalid(() => gatewayDesired(p.ctx('local')));
      expect(e.where).toMatch(new RegExp(`turnctl.yaml:${lineOf(await readConfig(p.dir), 'origins:')}:`));
      expect(e.problem).toBe(`CORS origin "${origin}" is not what a browser sends in its Origin header ("${sent}"); write it as "${sent}"`);
    }
    // a non-default port is part of the origin
    p.config.stages.local.vars.webOrigins = 'http://localhost:5173,https://app.test.example:8443';
    p.writeConfig(p.config);
    expect(gatewayDesired(p.ctx('local')).origins).toEqual(['http://localhost:5173', 'https://app.test.example:8443']);
  });
});

describe('gateway.stageName', () => {
  it('GIVEN stageName: ${stage} (the documented default spelled out) WHEN expanded THEN it is the stage name; a name API Gateway refuses after substitution is exit 65 at its line', async () => {
    const p = gatewayProject();
    p.config.gateway.stageName = '${stage}';
    p.writeConfig(p.config);
    // Before the fix the schema refused the substitution itself: "must be letters, digits, - and _".
    expect(gatewayDesired(p.ctx('local')).stageName).toBe('local');
    p.config.gateway.stageName = 'v1-${stage}';
    p.writeConfig(p.config);
    expect(gatewayDesired(p.ctx('local')).stageName).toBe('v1-local');

    p.config.gateway.stageName = '${stage}/v1';
    p.writeConfig(p.config);
    const r = await runCli(['release', 'plan', `${p.dir}/releases/1.0.0.yaml`, '--stage', 'local'], p.dir);
    expect(r.code, r.stderr).toBe(65);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(
      `turnctl.yaml:${lineOf(await readConfig(p.dir), 'stageName')}:14: gateway.stageName "local/v1" is not an API Gateway stage name; use up to 128 letters, digits, - and _ (e.g. \${stage})`,
    );
  });
});

describe('the root turnctl.yaml gateway section', () => {
  it('GIVEN each stage WHEN expanded THEN the health route, the model and one preflight allow-list per stage web origins', () => {
    const project = loadProject(process.cwd());
    for (const [stage, origins] of [
      ['local', ['http://localhost:5173']],
      ['prod', ['https://app.turn.example', 'https://www.turn.example']],
    ] as const) {
      const d = gatewayDesired(stageContext(project, stage));
      expect(d.apiName).toBe(`turn-${stage}-api`);
      expect(d.stageName).toBe(stage);
      expect(d.origins).toEqual(origins);
      expect(d.routes.find((r) => r.path === '/health')).toEqual({ method: 'GET', path: '/health', function: 'health', auth: 'none' });
      expect(JSON.parse(d.shape.models.SubscriptionRequest!).required).toEqual(['vehicleId', 'termMonths', 'startDate']);
      for (const o of origins) expect(evaluatePreflight(d.shape.resources['/health']!.OPTIONS, o).headers['Access-Control-Allow-Origin']).toBe(o);
      expect(evaluatePreflight(d.shape.resources['/health']!.OPTIONS, 'https://evil.example').headers['Access-Control-Allow-Origin']).toBeUndefined();
    }
  });
});
