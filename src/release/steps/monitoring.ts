import { createHash } from 'node:crypto';
import { stableJson } from '../../buckets/diff.js';
import { applyMonitoringChanges, restoreMonitoring, type MonitoringResult } from '../../monitoring/apply.js';
import { desiredMonitoring, type MonitoringDesired } from '../../monitoring/desired.js';
import { diffMonitoring } from '../../monitoring/diff.js';
import { readMonitoringLive, type MonitoringLive } from '../../monitoring/live.js';
import type { Step } from '../types.js';

/**
 * Monitoring: every declared function's log group with the stage's retention (never "never expire"), and CloudWatch
 * alarms per function for errors, throttles and p95 duration. Restore puts retention and alarm definitions back and
 * deletes the alarms the release created; log groups it created are kept (they hold logs).
 */
export const step: Step<MonitoringDesired, MonitoringLive> = {
  section: 'monitoring',
  // Lambda creates a function's log group on its first invocation: the database step's migrate invocations
  // (via: lambda) can create one between plan and apply, so this step is re-derived after those steps changed things.
  dependsOn: ['migrate-function', 'database'],

  async desired(ctx) {
    return desiredMonitoring(ctx);
  },

  digest(desired) {
    return createHash('sha256').update(stableJson(desired.source)).digest('hex');
  },

  async read(ctx, desired) {
    return readMonitoringLive(
      ctx,
      desired.logGroups.map((g) => g.name),
      desired.alarms.map((a) => a.AlarmName),
      desired.marker,
    );
  },

  diff(desired, live) {
    return diffMonitoring(desired, live).map((c) => (c.action === 'create' && c.id.startsWith('log-group:') ? { ...c, note: 'kept on rollback: holds logs' } : c));
  },

  async apply(ctx, _desired, changes) {
    return applyMonitoringChanges(ctx, changes);
  },

  async restore(ctx, before: MonitoringLive, result) {
    return restoreMonitoring(ctx, before, result as Partial<MonitoringResult> | undefined);
  },
};
