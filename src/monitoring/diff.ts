import type { Change } from '../release/types.js';
import type { AlarmDef, MonitoringDesired } from './desired.js';
import type { MonitoringLive } from './live.js';

/** A comparison key of an alarm definition (set-like lists sorted). */
export function alarmKey(a: AlarmDef | null | undefined): string | null {
  if (!a) return null;
  const sorted = { ...a, Dimensions: [...a.Dimensions].sort((x, y) => x.Name.localeCompare(y.Name)), AlarmActions: [...a.AlarmActions].sort(), OKActions: [...a.OKActions].sort() };
  return JSON.stringify(Object.keys(sorted).sort().map((k) => [k, (sorted as Record<string, unknown>)[k]]));
}

export const logGroupChangeId = (name: string) => `log-group:${name}`;
export const alarmChangeId = (name: string) => `alarm:${name}`;

/** Pure: the change that gives a log group `retentionDays` (creating it when missing). */
export function compareLogGroup(name: string, retentionDays: number | null, live: MonitoringLive['logGroups'][string] | undefined): Change[] {
  const exists = Boolean(live?.exists);
  if (exists && live!.retentionDays === retentionDays) return [];
  return [{ id: logGroupChangeId(name), action: exists ? 'update' : 'create', before: exists ? { retentionDays: live!.retentionDays } : null, after: { retentionDays } }];
}

/** Pure: the change that makes alarm `name` equal `target` (null: deleted). */
export function compareAlarm(name: string, target: AlarmDef | null, live: AlarmDef | undefined): Change[] {
  if (alarmKey(target) === alarmKey(live)) return [];
  return [{ id: alarmChangeId(name), action: !live ? 'create' : !target ? 'delete' : 'update', before: live ?? null, after: target }];
}

/** Pure: every change of the monitoring section. Log groups are never deleted (they hold logs). */
export function diffMonitoring(desired: MonitoringDesired, live: MonitoringLive): Change[] {
  const changes: Change[] = [];
  for (const g of desired.logGroups) changes.push(...compareLogGroup(g.name, g.retentionDays, live.logGroups[g.name]));
  const wanted = new Set(desired.alarms.map((a) => a.AlarmName));
  for (const a of desired.alarms) changes.push(...compareAlarm(a.AlarmName, a, live.alarms[a.AlarmName]));
  for (const name of Object.keys(live.alarms).sort()) if (!wanted.has(name)) changes.push(...compareAlarm(name, null, live.alarms[name]));
  return changes;
}
