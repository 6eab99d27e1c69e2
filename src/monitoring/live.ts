import type { Ctx } from '../context.js';
import { mapLimit } from '../aws/clients.js';
import type { AlarmDef } from './desired.js';

/** Live state of the monitoring section (JSON-safe: journalled as the before-state). */
export interface MonitoringLive {
  /** Log group name → its retention (null = never expire); absent groups have exists false. */
  logGroups: Record<string, { exists: boolean; retentionDays: number | null }>;
  /** Alarm name → definition, for the desired alarms that exist and every alarm carrying the stage's marker. */
  alarms: Record<string, AlarmDef>;
  /** The stage's alarm marker (restore finds the alarms the release created by it). */
  marker: string;
}

/** The managed fields of an alarm as DescribeAlarms returns it. */
export function alarmDefOf(a: import('@aws-sdk/client-cloudwatch').MetricAlarm): AlarmDef {
  return {
    AlarmName: a.AlarmName!,
    AlarmDescription: a.AlarmDescription ?? '',
    Namespace: a.Namespace ?? '',
    MetricName: a.MetricName ?? '',
    Dimensions: (a.Dimensions ?? []).map((d) => ({ Name: d.Name!, Value: d.Value! })),
    ...(a.Statistic ? { Statistic: a.Statistic } : {}),
    ...(a.ExtendedStatistic ? { ExtendedStatistic: a.ExtendedStatistic } : {}),
    Period: a.Period ?? 0,
    EvaluationPeriods: a.EvaluationPeriods ?? 0,
    Threshold: a.Threshold ?? 0,
    ComparisonOperator: a.ComparisonOperator ?? '',
    TreatMissingData: a.TreatMissingData ?? 'missing',
    AlarmActions: a.AlarmActions ?? [],
    OKActions: a.OKActions ?? [],
  };
}

/** Reads the log groups (retention) and alarms (by name, plus those with `marker`) — read-only. */
export async function readMonitoringLive(ctx: Ctx, logGroups: string[], alarmNames: string[], marker: string): Promise<MonitoringLive> {
  const logsm = await import('@aws-sdk/client-cloudwatch-logs');
  const cwm = await import('@aws-sdk/client-cloudwatch');
  const logs = await ctx.aws.logs();
  const cw = await ctx.aws.cloudwatch();
  // The stage's log groups share a prefix (/aws/lambda/<project>-<stage>-): one paginated listing (50 per page)
  // instead of one call per function.
  const prefix = commonPrefix(logGroups);
  const groups =
    logGroups.length > 1 && prefix.length > '/aws/lambda/'.length
      ? await (async () => {
          const found = new Map<string, number | null>();
          for await (const page of logsm.paginateDescribeLogGroups({ client: logs }, { logGroupNamePrefix: prefix, limit: 50 }))
            for (const g of page.logGroups ?? []) found.set(g.logGroupName!, g.retentionInDays ?? null);
          return logGroups.map((name) => [name, found.has(name) ? { exists: true, retentionDays: found.get(name)! } : { exists: false, retentionDays: null }] as const);
        })()
      : await mapLimit(logGroups, ctx.concurrency, async (name) => {
          for await (const page of logsm.paginateDescribeLogGroups({ client: logs }, { logGroupNamePrefix: name })) {
            const g = page.logGroups?.find((x) => x.logGroupName === name);
            if (g) return [name, { exists: true, retentionDays: g.retentionInDays ?? null }] as const;
          }
          return [name, { exists: false, retentionDays: null }] as const;
        });
  const alarms: Record<string, AlarmDef> = {};
  for (let i = 0; i < alarmNames.length; i += 100)
    for await (const page of cwm.paginateDescribeAlarms({ client: cw }, { AlarmNames: alarmNames.slice(i, i + 100), AlarmTypes: ['MetricAlarm'] }))
      for (const a of page.MetricAlarms ?? []) alarms[a.AlarmName!] = alarmDefOf(a);
  // Alarms of functions no longer declared carry the marker in their description; their names share the stage prefix.
  for await (const page of cwm.paginateDescribeAlarms({ client: cw }, { AlarmNamePrefix: ctx.names.scoped(''), AlarmTypes: ['MetricAlarm'] }))
    for (const a of page.MetricAlarms ?? []) if (a.AlarmDescription?.startsWith(marker)) alarms[a.AlarmName!] = alarmDefOf(a);
  return { logGroups: Object.fromEntries(groups), alarms, marker };
}

/** The longest common prefix of some names. */
function commonPrefix(names: readonly string[]): string {
  if (names.length === 0) return '';
  let p = names[0]!;
  for (const n of names) while (!n.startsWith(p)) p = p.slice(0, -1);
  return p;
}
