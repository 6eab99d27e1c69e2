import type { Ctx } from '../context.js';
import { mapLimit } from '../aws/clients.js';
import { isAwsError } from '../errors.js';
import type { Change, RestoreResult } from '../release/types.js';
import type { AlarmDef } from './desired.js';
import { compareAlarm, compareLogGroup } from './diff.js';
import { readMonitoringLive, type MonitoringLive } from './live.js';

/** What an apply created (journalled; restore deletes the alarms, keeps the log groups). */
export interface MonitoringResult {
  createdLogGroups: string[];
  createdAlarms: string[];
}

async function putAlarm(ctx: Ctx, a: AlarmDef): Promise<void> {
  const { PutMetricAlarmCommand } = await import('@aws-sdk/client-cloudwatch');
  const cw = await ctx.aws.cloudwatch();
  await cw.send(new PutMetricAlarmCommand({ ...a, ActionsEnabled: true } as ConstructorParameters<typeof PutMetricAlarmCommand>[0]));
}

async function deleteAlarms(ctx: Ctx, names: string[]): Promise<void> {
  if (names.length === 0) return;
  const { DeleteAlarmsCommand } = await import('@aws-sdk/client-cloudwatch');
  const cw = await ctx.aws.cloudwatch();
  for (let i = 0; i < names.length; i += 100) await cw.send(new DeleteAlarmsCommand({ AlarmNames: names.slice(i, i + 100) }));
}

/** Creates a log group when missing; true when this call created it. */
async function ensureLogGroup(ctx: Ctx, logGroupName: string): Promise<boolean> {
  const { CreateLogGroupCommand } = await import('@aws-sdk/client-cloudwatch-logs');
  const logs = await ctx.aws.logs();
  try {
    await logs.send(new CreateLogGroupCommand({ logGroupName }));
    return true;
  } catch (err) {
    if (isAwsError(err, 'ResourceAlreadyExistsException')) return false; // Lambda (or the local invoker) made it first
    throw err;
  }
}

async function setRetention(ctx: Ctx, logGroupName: string, days: number | null): Promise<void> {
  const m = await import('@aws-sdk/client-cloudwatch-logs');
  const logs = await ctx.aws.logs();
  if (days === null) await logs.send(new m.DeleteRetentionPolicyCommand({ logGroupName }));
  else await logs.send(new m.PutRetentionPolicyCommand({ logGroupName, retentionInDays: days }));
}

/** Writes monitoring changes: log groups (create + retention), then alarms (put / delete). */
export async function applyMonitoringChanges(ctx: Ctx, changes: Change[]): Promise<MonitoringResult> {
  const result: MonitoringResult = { createdLogGroups: [], createdAlarms: [] };
  const groups = changes.filter((c) => c.id.startsWith('log-group:'));
  await mapLimit(groups, ctx.concurrency, async (c) => {
    const name = c.id.slice('log-group:'.length);
    ctx.progress(`monitoring: log group ${name}`);
    if (c.action === 'create' && (await ensureLogGroup(ctx, name))) result.createdLogGroups.push(name);
    await setRetention(ctx, name, (c.after as { retentionDays: number | null }).retentionDays);
  });
  const alarms = changes.filter((c) => c.id.startsWith('alarm:'));
  await mapLimit(
    alarms.filter((c) => c.after),
    ctx.concurrency,
    async (c) => {
      ctx.progress(`monitoring: alarm ${(c.after as AlarmDef).AlarmName}`);
      await putAlarm(ctx, c.after as AlarmDef);
      if (c.action === 'create') result.createdAlarms.push((c.after as AlarmDef).AlarmName);
    },
  );
  await deleteAlarms(
    ctx,
    alarms.filter((c) => !c.after).map((c) => c.id.slice('alarm:'.length)),
  );
  result.createdLogGroups.sort();
  result.createdAlarms.sort();
  return result;
}

/**
 * Puts the recorded before-state back: retention and alarm definitions; alarms the release created are deleted.
 * Log groups the release created are kept (they hold logs) and reported.
 */
export async function restoreMonitoring(ctx: Ctx, before: MonitoringLive, result: Partial<MonitoringResult> | undefined): Promise<RestoreResult> {
  const current = await readMonitoringLive(ctx, Object.keys(before.logGroups), [...new Set([...Object.keys(before.alarms), ...(result?.createdAlarms ?? [])])], before.marker);
  const restored: string[] = [];
  const kept: string[] = [];
  const changes: Change[] = [];
  for (const [name, b] of Object.entries(before.logGroups)) {
    const c = current.logGroups[name];
    if (!b.exists) {
      if (c?.exists) kept.push(`log group ${name} (holds logs)`);
      continue;
    }
    const list = compareLogGroup(name, b.retentionDays, c);
    if (list.length) restored.push(`log group ${name} retention put back to ${b.retentionDays ?? 'never expire (as it was)'}`);
    changes.push(...list);
  }
  for (const name of [...new Set([...Object.keys(before.alarms), ...Object.keys(current.alarms)])].sort()) {
    const list = compareAlarm(name, before.alarms[name] ?? null, current.alarms[name]);
    for (const ch of list) restored.push(ch.action === 'delete' ? `alarm ${name} deleted (created by the release)` : `alarm ${name} put back`);
    changes.push(...list);
  }
  // Restoring a log group is only ever a retention change on an existing group: never create one here.
  await applyMonitoringChanges(ctx, changes.map((c) => (c.id.startsWith('log-group:') ? { ...c, action: 'update' as const } : c)));
  return { restored, ...(kept.length ? { kept } : {}) };
}
