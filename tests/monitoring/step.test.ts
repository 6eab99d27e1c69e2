import { beforeAll, describe, expect, it } from 'vitest';
import { step } from '../../src/release/steps/monitoring.js';
import type { MonitoringLive } from '../../src/monitoring/live.js';
import type { Ctx } from '../../src/context.js';
import type { ReleaseInput } from '../../src/release/types.js';
import { runCli } from '../helpers/cli.js';
import { makeProject, type TestProject } from '../helpers/project.js';
import { alarmsWithPrefix, retentionOf } from './helpers.js';

const release = {} as ReleaseInput;

async function plan(ctx: Ctx) {
  const desired = await step.desired(ctx, release);
  const live = await step.read(ctx, desired);
  return { desired, live, changes: step.diff(desired, live) };
}

async function applyAll(ctx: Ctx) {
  const { desired, live, changes } = await plan(ctx);
  const before = JSON.parse(JSON.stringify(live)) as MonitoringLive;
  const result = JSON.parse(JSON.stringify(await step.apply(ctx, desired, changes)));
  return { before, result, changes };
}

/** The managed fields of the stage's alarms, read back through a second client. */
async function alarmSnapshot(p: TestProject) {
  const all = await alarmsWithPrefix(`${p.name}-local-`);
  return Object.fromEntries(
    Object.entries(all).map(([n, a]) => [
      n,
      { metric: a.MetricName, stat: a.Statistic ?? a.ExtendedStatistic, threshold: a.Threshold, period: a.Period, evaluationPeriods: a.EvaluationPeriods, op: a.ComparisonOperator, actions: a.AlarmActions, missing: a.TreatMissingData },
    ]),
  );
}

describe('monitoring step on the sandbox', () => {
  let p: TestProject;
  let fn: (f: string) => string;
  beforeAll(() => {
    p = makeProject({
      config: (c) => {
        c.monitoring = {
          retentionDays: 14,
          alarmTopic: 'arn:aws:sns:eu-central-1:123456789012:${project}-alarms',
          alarms: { errors: { threshold: 2 } },
          functions: { hello: { duration: { threshold: 1500, period: 60 } } },
        };
      },
    });
    fn = (f) => `${p.name}-local-${f}`;
  });

  it('GIVEN no log groups or alarms WHEN applied THEN groups have the retention and each function has errors, throttles and p95 duration alarms; a re-plan is empty', async () => {
    const ctx = p.ctx();
    const { changes, result } = await applyAll(ctx);
    expect(changes.filter((c) => c.id.startsWith('log-group:')).map((c) => c.action)).toEqual(['create', 'create']);
    expect(changes.filter((c) => c.id.startsWith('alarm:'))).toHaveLength(6);
    expect(result.createdAlarms).toHaveLength(6);
    expect(await retentionOf(`/aws/lambda/${fn('health')}`)).toBe(14);
    expect(await retentionOf(`/aws/lambda/${fn('hello')}`)).toBe(14);
    const topic = [`arn:aws:sns:eu-central-1:123456789012:${p.name}-alarms`];
    expect(await alarmSnapshot(p)).toEqual({
      [`${fn('health')}-errors`]: { metric: 'Errors', stat: 'Sum', threshold: 2, period: 300, evaluationPeriods: 1, op: 'GreaterThanOrEqualToThreshold', actions: topic, missing: 'notBreaching' },
      [`${fn('health')}-throttles`]: { metric: 'Throttles', stat: 'Sum', threshold: 1, period: 300, evaluationPeriods: 1, op: 'GreaterThanOrEqualToThreshold', actions: topic, missing: 'notBreaching' },
      [`${fn('health')}-duration-p95`]: { metric: 'Duration', stat: 'p95', threshold: 8000, period: 300, evaluationPeriods: 1, op: 'GreaterThanThreshold', actions: topic, missing: 'notBreaching' },
      [`${fn('hello')}-errors`]: { metric: 'Errors', stat: 'Sum', threshold: 2, period: 300, evaluationPeriods: 1, op: 'GreaterThanOrEqualToThreshold', actions: topic, missing: 'notBreaching' },
      [`${fn('hello')}-throttles`]: { metric: 'Throttles', stat: 'Sum', threshold: 1, period: 300, evaluationPeriods: 1, op: 'GreaterThanOrEqualToThreshold', actions: topic, missing: 'notBreaching' },
      [`${fn('hello')}-duration-p95`]: { metric: 'Duration', stat: 'p95', threshold: 1500, period: 60, evaluationPeriods: 1, op: 'GreaterThanThreshold', actions: topic, missing: 'notBreaching' },
    });
    expect((await plan(p.ctx())).changes).toEqual([]);
  });

  it('GIVEN applied monitoring WHEN retention, a threshold and a disabled alarm change THEN applied, and restore puts definitions and retention back', async () => {
    const alarmsBefore = await alarmSnapshot(p);
    p.config.monitoring.retentionDays = 30;
    p.config.monitoring.alarms.errors.threshold = 5;
    p.config.monitoring.functions.hello.throttles = { enabled: false };
    p.writeConfig(p.config);
    const ctx = p.ctx();
    const { before, result, changes } = await applyAll(ctx);
    expect(changes.map((c) => `${c.action} ${c.id}`).sort()).toEqual(
      [
        `update log-group:/aws/lambda/${fn('health')}`,
        `update log-group:/aws/lambda/${fn('hello')}`,
        `update alarm:${fn('health')}-errors`,
        `update alarm:${fn('hello')}-errors`,
        `delete alarm:${fn('hello')}-throttles`,
      ].sort(),
    );
    expect(await retentionOf(`/aws/lambda/${fn('hello')}`)).toBe(30);
    const applied = await alarmSnapshot(p);
    expect(applied[`${fn('health')}-errors`]!.threshold).toBe(5);
    expect(applied[`${fn('hello')}-throttles`]).toBeUndefined();
    expect((await plan(p.ctx())).changes).toEqual([]);

    const restored = await step.restore(ctx, before, result);
    expect(restored.restored).toContain(`alarm ${fn('hello')}-throttles put back`);
    expect(await retentionOf(`/aws/lambda/${fn('hello')}`)).toBe(14);
    expect(await retentionOf(`/aws/lambda/${fn('health')}`)).toBe(14);
    expect(await alarmSnapshot(p)).toEqual(alarmsBefore);
  });

  it('GIVEN a release that created the monitoring WHEN restored THEN its alarms are deleted and the log groups are kept and reported', async () => {
    const q = makeProject();
    const ctx = q.ctx();
    const { before, result } = await applyAll(ctx);
    const restored = await step.restore(ctx, before, result);
    expect(restored.kept?.sort()).toEqual([`log group /aws/lambda/${q.name}-local-health (holds logs)`, `log group /aws/lambda/${q.name}-local-hello (holds logs)`]);
    expect(await alarmsWithPrefix(`${q.name}-local-`)).toEqual({});
    expect(await retentionOf(`/aws/lambda/${q.name}-local-health`)).toBe(30);
  });

  it('GIVEN retentionDays 0 ("never expire") WHEN planning THEN exit 65 at turnctl.yaml:line', async () => {
    const q = makeProject({ config: (c) => (c.monitoring = { retentionDays: 0 }) });
    const r = await runCli(['release', 'plan', `${q.dir}/releases/1.0.0.yaml`, '--stage', 'local'], q.dir);
    expect(r.code).toBe(65);
    const line = (await import('node:fs')).readFileSync(`${q.dir}/turnctl.yaml`, 'utf8').split('\n').findIndex((l) => l.includes('retentionDays')) + 1;
    expect(r.stderr).toMatch(new RegExp(`turnctl\\.yaml:${line}:\\d+: .*never expire`));
  });

  it('GIVEN retention from a stage var that is 0 or an override for an unknown function WHEN planning THEN exit 65 at turnctl.yaml:line', async () => {
    const q = makeProject({
      config: (c) => {
        c.stages.local.vars = { retention: 0 };
        c.monitoring = { retentionDays: '${var.retention}' };
      },
    });
    const r = await runCli(['release', 'plan', `${q.dir}/releases/1.0.0.yaml`, '--stage', 'local'], q.dir);
    expect(r.code).toBe(65);
    expect(r.stderr).toMatch(/turnctl\.yaml:\d+:\d+: retentionDays 0 would keep logs forever/);

    const u = makeProject({ config: (c) => (c.monitoring = { functions: { nope: { errors: { threshold: 1 } } } }) });
    const r2 = await runCli(['release', 'plan', `${u.dir}/releases/1.0.0.yaml`, '--stage', 'local'], u.dir);
    expect(r2.code).toBe(65);
    expect(r2.stderr).toMatch(/turnctl\.yaml:\d+:\d+: monitoring override for unknown function "nope"/);
  });

  it('GIVEN alarm settings CloudWatch refuses or that could never (or would always) fire WHEN planning (or an alarm topic of another region) THEN exit 65 at the key that set them, no alarm written', async () => {
    const planWith = async (monitoring: unknown) => {
      const q = makeProject({ config: (c) => (c.monitoring = monitoring) });
      const r = await runCli(['release', 'plan', `${q.dir}/releases/1.0.0.yaml`, '--stage', 'local'], q.dir);
      const yaml = (await import('node:fs')).readFileSync(`${q.dir}/turnctl.yaml`, 'utf8').split('\n');
      return { ...r, q, lineOf: (text: string) => yaml.findIndex((l) => l.includes(text)) + 1 };
    };
    // more than one day of evaluation with a period under an hour: PutMetricAlarm refuses it on AWS (the sandbox takes it)
    const long = await planWith({ alarms: { errors: { period: 300, evaluationPeriods: 289 } } });
    expect(long.code).toBe(65);
    expect(long.stderr).toMatch(new RegExp(`turnctl\\.yaml:${long.lineOf('evaluationPeriods')}:\\d+: alarm ${long.q.name}-local-health-errors: period 300 s × evaluationPeriods 289 is more than one day`));
    // with a period of an hour or more CloudWatch takes up to seven days: more is refused, two days plan (they were refused)
    const week = await planWith({ alarms: { errors: { period: 3600, evaluationPeriods: 169 } } });
    expect(week.code).toBe(65);
    expect(week.stderr).toMatch(new RegExp(`turnctl\\.yaml:${week.lineOf('evaluationPeriods')}:\\d+: alarm ${week.q.name}-local-health-errors: period 3600 s × evaluationPeriods 169 is more than seven days`));
    const twoDays = await planWith({ alarms: { errors: { period: 3600, evaluationPeriods: 48 } } });
    expect(twoDays.code, twoDays.stderr).toBe(0);
    // errors >= 0 holds for every data point: it would fire whenever the function runs
    const zero = await planWith({ alarms: { throttles: { threshold: 0 } } });
    expect(zero.code).toBe(65);
    expect(zero.stderr).toMatch(new RegExp(`turnctl\\.yaml:${zero.lineOf('threshold')}:\\d+: alarm .*-throttles: threshold 0 would fire whenever the function runs`));
    // a p95 at or above the timeout (hello: 5 s) can never be exceeded; named at the function's own override
    const never = await planWith({ functions: { hello: { duration: { threshold: 5000 } } } });
    expect(never.code).toBe(65);
    expect(never.stderr).toMatch(new RegExp(`turnctl\\.yaml:${never.lineOf('threshold')}:\\d+: alarm ${never.q.name}-local-hello-duration-p95: threshold 5000 ms is not below the function's timeout \\(5000 ms\\)`));
    expect(never.stderr.split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(1);
    expect(await alarmsWithPrefix(`${never.q.name}-local-`)).toEqual({});
    // CloudWatch notifies only a topic of the alarm's own region
    const topic = await planWith({ alarmTopic: 'arn:aws:sns:us-east-1:123456789012:alarms' });
    expect(topic.code).toBe(65);
    expect(topic.stderr).toMatch(new RegExp(`turnctl\\.yaml:${topic.lineOf('alarmTopic')}:\\d+: alarmTopic "arn:aws:sns:us-east-1:123456789012:alarms" is in us-east-1, but the alarms of stage local are in eu-central-1`));
    // Lambda publishes once a minute: a 10 s alarm would miss most data points
    const highRes = await planWith({ alarms: { errors: { period: 10 } } });
    expect(highRes.code).toBe(65);
    expect(highRes.stderr).toMatch(new RegExp(`turnctl\\.yaml:${highRes.lineOf('period: 10')}:\\d+: "monitoring.alarms.errors.period": period must be a multiple of 60 seconds`));
    // a sound override still plans
    expect((await planWith({ alarms: { errors: { period: 3600, evaluationPeriods: 24 } }, functions: { hello: { duration: { threshold: 4000 } } } })).code).toBe(0);
  });
});
