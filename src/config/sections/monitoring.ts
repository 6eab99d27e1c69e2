import { z } from 'zod';

// The monitoring section of turnctl.yaml: log retention and alarms of every function (docs/buckets-monitoring.md).
// Owned by the monitoring step (src/monitoring, src/release/steps/monitoring.ts).

/** The retention periods CloudWatch Logs accepts (days). */
export const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;
export const DEFAULT_RETENTION_DAYS = 30;

/** Problem with a retention value, or undefined when it is valid (used before and after ${var} substitution). */
export function retentionProblem(value: unknown): string | undefined {
  if (value === null || value === 0 || value === '')
    return `retentionDays ${JSON.stringify(value)} would keep logs forever ("never expire"); set one of ${RETENTION_DAYS.join(', ')}`;
  if (typeof value === 'number' && !(RETENTION_DAYS as readonly number[]).includes(value))
    return `retentionDays ${value} is not a CloudWatch Logs retention; use one of ${RETENTION_DAYS.join(', ')}`;
  if (typeof value === 'string' && !/^\$\{var\.[A-Za-z0-9_]+\}$/.test(value)) return `retentionDays must be a number of days or \${var.NAME}`;
  if (typeof value !== 'number' && typeof value !== 'string') return `retentionDays must be a number of days or \${var.NAME}`;
  return undefined;
}

const retentionSchema = z
  .unknown()
  .superRefine((v, c) => {
    if (v === undefined) return;
    const problem = retentionProblem(v);
    if (problem) c.addIssue({ code: 'custom', message: problem });
  })
  .optional();

const alarmSchema = z.strictObject({
  /** Errors/throttles: count per period; duration: p95 in milliseconds. */
  threshold: z.number().min(0).optional(),
  /**
   * Seconds, a multiple of 60. (CloudWatch also takes 10 and 30 for high-resolution metrics, but Lambda publishes its
   * metrics once a minute: such an alarm misses most data points and, missing data being notBreaching, most errors.)
   */
  period: z
    .number()
    .int()
    .refine((p) => p >= 60 && p % 60 === 0, 'period must be a multiple of 60 seconds (Lambda publishes its metrics once a minute, so 10 or 30 would miss most data points)')
    .optional(),
  evaluationPeriods: z.number().int().min(1).optional(),
  /** false removes the alarm. */
  enabled: z.boolean().optional(),
});
export type AlarmConfig = z.output<typeof alarmSchema>;

const alarmsSchema = z.strictObject({ errors: alarmSchema.optional(), throttles: alarmSchema.optional(), duration: alarmSchema.optional() });
export type AlarmsConfig = z.output<typeof alarmsSchema>;

export const monitoringSchema = z
  .strictObject({
    /** Log retention of every function's log group in days, or ${var.NAME} (default 30); "never expire" (0) is refused. */
    retentionDays: retentionSchema,
    /** SNS topic ARN notified when an alarm fires and recovers. */
    alarmTopic: z.string().optional(),
    /** Alarm defaults for every function. */
    alarms: alarmsSchema.default({}),
    /** Per-function overrides, by function name. */
    functions: z.record(z.string(), alarmsSchema).default({}),
  })
  .optional();
export type MonitoringConfig = z.output<typeof monitoringSchema>;
