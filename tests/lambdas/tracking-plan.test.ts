import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventsInLogs, readTrackingPlan, runtimeTrackingPlanProblems, staticTrackingPlanProblems } from '../../src/checks/tracking-plan.js';

const REPO = resolve(import.meta.dirname, '../..');

const PLAN = `version: 1
events:
  ThingDone:
    function: things
    smoke: true
  ThingFailed:
    function: things
`;
const THINGS = `export const handler = async (obs) => {
  obs.track('ThingDone', { id: 1 });
  if (Math.random() > 2) obs.track("ThingFailed");
};
`;

const dirs: string[] = [];
/** A throwaway project with the given files (path → content). */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'turnctl-plan-'));
  dirs.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const base = {
  'tracking-plan.yaml': PLAN,
  'src/lambdas/things/index.ts': THINGS,
  'src/lambdas/things/smoke.json': '{}',
  'src/lambdas/lib/observability.ts': 'export function track(event: string) { metrics.addMetric(event, "Count", 1); }\n',
};

describe('tracking plan, static half', () => {
  it('GIVEN the repo THEN every planned event is tracked by its function and nothing unplanned is', async () => {
    expect(await staticTrackingPlanProblems(REPO)).toEqual([]);
    const { events } = await readTrackingPlan(REPO);
    expect(events.map((e) => e.name)).toEqual(expect.arrayContaining(['SubscriptionCreated', 'SubscriptionRejected', 'LegalDocumentServed', 'VehicleListed', 'HealthChecked']));
    for (const fn of new Set(events.filter((e) => e.smoke).map((e) => e.function))) expect(['health', 'legal', 'vehicles', 'subscriptions', 'migrate']).toContain(fn);
  });

  it('GIVEN a consistent project THEN there are no problems', async () => {
    expect(await staticTrackingPlanProblems(project(base))).toEqual([]);
  });

  it('GIVEN a planned event the code never tracks THEN it is named with its function', async () => {
    const dir = project({ ...base, 'src/lambdas/things/index.ts': `export const h = (obs) => obs.track('ThingDone');\n` });
    expect(await staticTrackingPlanProblems(dir)).toEqual(['tracking-plan.yaml: ThingFailed is planned for things, but src/lambdas/things/ never tracks it']);
  });

  it('GIVEN code tracking an unplanned event THEN the file and line are named', async () => {
    const dir = project({
      ...base,
      'src/lambdas/things/index.ts': `${THINGS}export { x } from './extra.js';\n`,
      'src/lambdas/things/extra.ts': `// helper\nexport const x = (obs) =>\n  obs.track('ThingExploded', {});\n`,
    });
    expect(await staticTrackingPlanProblems(dir)).toEqual([
      'src/lambdas/things/extra.ts:3: tracks ThingExploded, which tracking-plan.yaml does not plan; add it there or remove the call',
    ]);
  });

  it('GIVEN an event tracked by another function than planned THEN both are named', async () => {
    const dir = project({ ...base, 'src/lambdas/other/index.ts': `export const h = (obs) => obs.track('ThingDone');\n` });
    expect(await staticTrackingPlanProblems(dir)).toEqual(['src/lambdas/other/index.ts:1: tracks ThingDone, which tracking-plan.yaml plans for things, not other']);
  });

  it('GIVEN a computed event name, tracking from shared code, or a direct addMetric THEN each is refused', async () => {
    const dir = project({
      ...base,
      'src/lambdas/things/dynamic.ts': 'export const h = (obs, name) => obs.track(name);\nexport const m = (metrics) => metrics.addMetric("Sneaky", "Count", 1);\n',
      'src/lambdas/lib/helper.ts': `export const h = (obs) => obs.track('ThingDone');\n`,
    });
    expect(await staticTrackingPlanProblems(dir)).toEqual([
      "src/lambdas/lib/helper.ts:1: tracks ThingDone from shared code; emit events from the function's own directory",
      'src/lambdas/things/dynamic.ts:1: track() needs a string-literal event name so the plan can be checked',
      'src/lambdas/things/dynamic.ts:2: calls addMetric directly; emit events with obs.track() so they are planned and logged',
    ]);
  });

  it.each([
    ['a line comment', `export const h = (obs) => {\n  obs.track('ThingDone');\n  // obs.track('ThingFailed');\n};\n`],
    ['a trailing comment', `export const h = (obs) => obs.track('ThingDone'); // then obs.track('ThingFailed')\n`],
    ['a block comment', `export const h = (obs) => {\n  obs.track('ThingDone');\n  /* disabled:\n  obs.track('ThingFailed', {});\n  */\n};\n`],
  ])('GIVEN the only track() call of a planned event is inside %s THEN the event is reported as never tracked', async (_, code) => {
    const dir = project({ ...base, 'src/lambdas/things/index.ts': code });
    expect(await staticTrackingPlanProblems(dir)).toEqual(['tracking-plan.yaml: ThingFailed is planned for things, but src/lambdas/things/ never tracks it']);
  });

  it('GIVEN a commented-out call of an unplanned event, and // or /* inside strings and regexes THEN only the real calls count, on their own lines', async () => {
    const code = [
      "const url = 'https://turn.example/*';",
      'const trim = (s) => s.replace(/\\/*$/, "");',
      '// obs.track(\'ThingExploded\');',
      'export const h = (obs) => {',
      "  obs.track('ThingDone');",
      "  obs.track(`ThingFailed`);",
      '};',
      '',
    ].join('\n');
    const dir = project({ ...base, 'src/lambdas/things/index.ts': code });
    expect(await staticTrackingPlanProblems(dir)).toEqual([]);
    const noisy = project({ ...base, 'src/lambdas/things/index.ts': `${code}obs.track('ThingExploded');\n` });
    expect(await staticTrackingPlanProblems(noisy)).toEqual([
      'src/lambdas/things/index.ts:8: tracks ThingExploded, which tracking-plan.yaml does not plan; add it there or remove the call',
    ]);
  });

  it('GIVEN the only call of a planned event sits in a file the function never imports THEN it is not counted and the file is named', async () => {
    const dir = project({
      ...base,
      'src/lambdas/things/index.ts': `import { done } from './done.js';\nexport const h = (obs) => done(obs);\n`,
      'src/lambdas/things/done.ts': `export const done = (obs) => obs.track('ThingDone');\n`,
      'src/lambdas/things/old-failure.ts': `export const failed = (obs) =>\n  obs.track('ThingFailed');\n`,
    });
    expect(await staticTrackingPlanProblems(dir)).toEqual([
      "src/lambdas/things/old-failure.ts:2: tracks ThingFailed in a file things's entry never imports, so it is never emitted; import it or remove it",
      'tracking-plan.yaml: ThingFailed is planned for things, but src/lambdas/things/ never tracks it',
    ]);
  });

  it('GIVEN files reached through re-exports, index-less directories and dynamic imports THEN their calls count', async () => {
    const dir = project({
      ...base,
      'src/lambdas/things/index.ts': `export * from './routes';\nexport const later = () => import('./late.js');\n`,
      'src/lambdas/things/routes/index.ts': `export const done = (obs) => obs.track('ThingDone');\n`,
      'src/lambdas/things/late.ts': `export const failed = (obs) => obs.track('ThingFailed');\n`,
    });
    expect(await staticTrackingPlanProblems(dir)).toEqual([]);
  });

  it('GIVEN a file imported only for its types, and a path alias from tsconfig THEN the bundle decides: the type-only file emits nothing, the aliased one counts', async () => {
    const dir = project({
      ...base,
      'tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@things/*': ['src/lambdas/things/*'] } } }),
      'src/lambdas/things/index.ts': `import type { Shape } from './shape.js';\nimport { done } from '@things/done';\nexport const h = (obs, s: Shape) => done(obs);\n`,
      'src/lambdas/things/done.ts': `export const done = (obs) => obs.track('ThingDone');\n`,
      'src/lambdas/things/shape.ts': `export type Shape = { id: number };\nexport const legacy = (obs) => obs.track('ThingFailed');\n`,
    });
    expect(await staticTrackingPlanProblems(dir)).toEqual([
      "src/lambdas/things/shape.ts:2: tracks ThingFailed in a file things's entry never imports, so it is never emitted; import it or remove it",
      'tracking-plan.yaml: ThingFailed is planned for things, but src/lambdas/things/ never tracks it',
    ]);
  });

  it('GIVEN a function whose code does not parse THEN the file and line are named instead of a guess', async () => {
    const dir = project({ ...base, 'src/lambdas/things/index.ts': `import './broken.js';\n${THINGS}`, 'src/lambdas/things/broken.ts': `export const x = (;\n` });
    const problems = await staticTrackingPlanProblems(dir);
    expect(problems[0]).toMatch(/^src\/lambdas\/things\/broken\.ts:1:\d+: cannot be bundled, so its events cannot be checked: /);
  });

  it('GIVEN a smoke event whose function has no smoke.json, or a function that does not exist THEN both are named', async () => {
    const { 'src/lambdas/things/smoke.json': _, ...noSmoke } = base;
    const dir = project({ ...noSmoke, 'tracking-plan.yaml': `${PLAN}  Ghost:\n    function: ghosts\n` });
    expect(await staticTrackingPlanProblems(dir)).toEqual([
      'tracking-plan.yaml: ThingDone is marked smoke: true, but things has no smoke.json',
      'tracking-plan.yaml: Ghost is planned for function "ghosts", which has no directory src/lambdas/ghosts',
    ]);
  });

  it.each([
    ['no plan file', undefined, /tracking-plan.yaml not found in/],
    ['invalid YAML', 'events: [unclosed', /^tracking-plan.yaml: not valid YAML/],
    ['an unknown version', 'version: 2\nevents: {}\n', /version must be 1, found 2/],
    ['events as a list', 'version: 1\nevents: [ThingDone]\n', /"events" must map event names/],
    ['an event without function', 'version: 1\nevents:\n  ThingDone: { smoke: true }\n', /event ThingDone needs "function: <name>"/],
    ['a lower-case event name', 'version: 1\nevents:\n  thing_done: { function: things }\n', /event "thing_done" must be PascalCase/],
  ])('GIVEN %s THEN the problem says what to fix', async (_, plan, message) => {
    const files: Record<string, string> = { ...base };
    if (plan === undefined) delete files['tracking-plan.yaml'];
    else files['tracking-plan.yaml'] = plan;
    const problems = await staticTrackingPlanProblems(project(files));
    expect(problems.some((p) => message.test(p)), problems.join('\n')).toBe(true);
  });
});

describe('tracking plan, log half', () => {
  const powertools = '{"level":"INFO","message":"ThingDone","service":"turn-things","event":"ThingDone","id":1}';
  const emf = JSON.stringify({ _aws: { Timestamp: 1, CloudWatchMetrics: [{ Namespace: 'TURN', Dimensions: [['service']], Metrics: [{ Name: 'ThingFailed', Unit: 'Count' }] }] }, service: 'turn-things', ThingFailed: 1 });

  it('GIVEN Powertools log lines, EMF lines, prefixed CloudWatch lines and noise THEN the event names are found', () => {
    const lines = [
      'START RequestId: 1',
      powertools,
      `2026-01-01T00:00:00.000Z\tabc-123\tINFO\t${emf}`,
      '{"level":"INFO","message":"request completed","status":200}',
      '{not json',
      `${powertools}\n{"event":"Other"}`,
    ];
    expect([...eventsInLogs(lines)].sort()).toEqual(['Other', 'ThingDone', 'ThingFailed']);
  });

  it('GIVEN logs after the smoke events THEN only smoke events missing from their own function are reported', () => {
    const events = [
      { name: 'ThingDone', function: 'things', smoke: true },
      { name: 'ThingFailed', function: 'things', smoke: false },
      { name: 'OtherDone', function: 'others', smoke: true },
      { name: 'QuietDone', function: 'quiet', smoke: true },
    ];
    const logs = new Map([
      ['things', [powertools]],
      ['others', [powertools]], // ThingDone in another function's logs does not count for OtherDone
    ]);
    expect(runtimeTrackingPlanProblems(events, logs)).toEqual([
      'OtherDone: not in the logs of others after its smoke event',
      'QuietDone: function quiet was not exercised by its smoke event',
    ]);
  });
});
