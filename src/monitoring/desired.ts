import type { Ctx } from '../context.js';
import { DEFAULT_RETENTION_DAYS, retentionProblem, type AlarmConfig } from '../config/sections/monitoring.js';

/** The alarm kinds turnctl keeps per function. */
export const ALARM_KINDS = ['errors', 'throttles', 'duration'] as const;
export type AlarmKind = (typeof ALARM_KINDS)[number];

/** A CloudWatch metric alarm, in the fields turnctl manages (JSON-safe: journalled as the before-state). */
export interface AlarmDef {
  AlarmName: string;
  AlarmDescription: string;
  Namespace: string;
  MetricName: string;
  Dimensions: Array<{ Name: string; Value: string }>;
  Statistic?: string;
  ExtendedStatistic?: string;
  Period: number;
  EvaluationPeriods: number;
  Threshold: number;
  ComparisonOperator: string;
  TreatMissingData: string;
  AlarmActions: string[];
  OKActions: string[];
}

/** A function's log group and the retention it should have. */
export interface LogGroupSpec {
  function: string;
  name: string;
  retentionDays: number;
}

/** Desired state of the monitoring section for one stage. */
export interface MonitoringDesired {
  logGroups: LogGroupSpec[];
  alarms: AlarmDef[];
  /** Marker in AlarmDescription of the alarms turnctl manages on this stage (finds those of removed functions). */
  marker: string;
  /** Stage-independent source for the release digest. */
  source: unknown;
}

/** `/aws/lambda/<deployed function name>`. */
export const logGroupOf = (ctx: Ctx, fn: string) => `/aws/lambda/${ctx.names.fn(fn)}`;

/** The AlarmDescription prefix that marks an alarm as turnctl's on this stage. */
export const alarmMarker = (ctx: Ctx) => `turnctl ${ctx.project.config.project}/${ctx.stage.name}:`;

const SUFFIX: Record<AlarmKind, string> = { errors: 'errors', throttles: 'throttles', duration: 'duration-p95' };

/** Built-in alarm settings; duration defaults to 80% of the function's timeout. */
function defaults(kind: AlarmKind, timeoutSeconds: number): Required<Omit<AlarmConfig, 'enabled'>> & { enabled: boolean } {
  if (kind === 'duration') return { threshold: Math.round(timeoutSeconds * 1000 * 0.8), period: 300, evaluationPeriods: 1, enabled: true };
  return { threshold: 1, period: 300, evaluationPeriods: 1, enabled: true };
}

/** Resolves the monitoring section for the stage (config errors are exit 65 at turnctl.yaml:line). */
export function desiredMonitoring(ctx: Ctx): MonitoringDesired {
  const m = ctx.stack.monitoring;
  const file = ctx.project.file;
  const functions = Object.keys(ctx.stack.functions);
  const retention = (m?.retentionDays ?? DEFAULT_RETENTION_DAYS) as unknown;
  // After ${var.NAME} substitution the value must be a valid retention too (never 0 = "never expire").
  const problem = retentionProblem(typeof retention === 'string' && /^\d+$/.test(retention) ? Number(retention) : retention);
  if (problem) throw file.error(['monitoring', 'retentionDays'], `${problem} (stage ${ctx.stage.name})`);
  const retentionDays = Number(retention);
  const topic = m?.alarmTopic;
  if (topic !== undefined && !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+(\.fifo)?$/.test(topic))
    throw file.error(['monitoring', 'alarmTopic'], `alarmTopic "${topic}" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)`);
  // PutMetricAlarm refuses an action in another region ("Invalid region … specified. Only <region> is supported").
  const topicRegion = topic?.split(':')[3];
  if (topic !== undefined && topicRegion !== ctx.stage.region)
    throw file.error(['monitoring', 'alarmTopic'], `alarmTopic "${topic}" is in ${topicRegion}, but the alarms of stage ${ctx.stage.name} are in ${ctx.stage.region} and CloudWatch only notifies a topic of the same region; use a topic in ${ctx.stage.region} (e.g. arn:aws:sns:\${region}:\${account}:<name>)`);
  for (const fn of Object.keys(m?.functions ?? {}))
    if (!ctx.stack.functions[fn]) throw file.error(['monitoring', 'functions', fn], `monitoring override for unknown function "${fn}"; functions in turnctl.yaml: ${functions.join(', ') || '(none)'}`);
  const marker = alarmMarker(ctx);
  const alarms: AlarmDef[] = [];
  for (const fn of functions) {
    const deployed = ctx.names.fn(fn);
    for (const kind of ALARM_KINDS) {
      const s = { ...defaults(kind, ctx.stack.functions[fn]!.timeout), ...stripUndefined(m?.alarms[kind]), ...stripUndefined(m?.functions[fn]?.[kind]) };
      if (!s.enabled) continue;
      const problem = alarmProblem(kind, s, ctx.stack.functions[fn]!.timeout);
      if (problem) {
        // At the key that set the offending value: the function's override, else the default for every function.
        const own = m?.functions[fn]?.[kind]?.[problem.field] !== undefined;
        const at = own ? ['monitoring', 'functions', fn, kind, problem.field] : m?.alarms[kind]?.[problem.field] !== undefined ? ['monitoring', 'alarms', kind, problem.field] : ['monitoring', 'functions', fn, kind];
        throw file.error(at, `alarm ${deployed}-${SUFFIX[kind]}: ${problem.message}`);
      }
      alarms.push({
        AlarmName: `${deployed}-${SUFFIX[kind]}`,
        AlarmDescription: `${marker} ${fn} ${kind === 'duration' ? 'p95 duration (ms)' : kind}`,
        Namespace: 'AWS/Lambda',
        MetricName: kind === 'errors' ? 'Errors' : kind === 'throttles' ? 'Throttles' : 'Duration',
        Dimensions: [{ Name: 'FunctionName', Value: deployed }],
        ...(kind === 'duration' ? { ExtendedStatistic: 'p95' } : { Statistic: 'Sum' }),
        Period: s.period,
        EvaluationPeriods: s.evaluationPeriods,
        Threshold: s.threshold,
        ComparisonOperator: kind === 'duration' ? 'GreaterThanThreshold' : 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: topic ? [topic] : [],
        OKActions: topic ? [topic] : [],
      });
    }
  }
  return {
    logGroups: functions.map((fn) => ({ function: fn, name: logGroupOf(ctx, fn), retentionDays })),
    alarms,
    marker,
    source: { monitoring: ctx.project.config.monitoring ?? null, functions: Object.fromEntries(functions.map((f) => [f, ctx.stack.functions[f]!.timeout])) },
  };
}

/** Why an alarm's settings are refused by CloudWatch or could never (or would always) fire; undefined when sound. */
function alarmProblem(kind: AlarmKind, s: { threshold: number; period: number; evaluationPeriods: number }, timeoutSeconds: number): { field: 'threshold' | 'period' | 'evaluationPeriods'; message: string } | undefined {
  // PutMetricAlarm refuses an evaluation range longer than seven days, and longer than one day when the period is under
  // an hour (a mid-apply failure; the sandbox takes both).
  const range = s.period * s.evaluationPeriods;
  const field = s.evaluationPeriods > 1 ? 'evaluationPeriods' : 'period';
  if (range > 604800)
    return { field, message: `period ${s.period} s × evaluationPeriods ${s.evaluationPeriods} is more than seven days (604800 s), which CloudWatch refuses; lower period or evaluationPeriods` };
  if (s.period < 3600 && range > 86400)
    return { field, message: `period ${s.period} s × evaluationPeriods ${s.evaluationPeriods} is more than one day (86400 s), which CloudWatch refuses for a period under one hour; lower evaluationPeriods, or use a period of 3600 s or more (up to seven days in all)` };
  if (kind === 'duration') {
    const timeoutMs = timeoutSeconds * 1000;
    if (s.threshold <= 0) return { field: 'threshold', message: `threshold ${s.threshold} ms would fire on every invocation; set the p95 duration in milliseconds above which to alarm` };
    // Lambda stops a function at its timeout: a p95 above (or at) it can never be exceeded.
    if (s.threshold >= timeoutMs) return { field: 'threshold', message: `threshold ${s.threshold} ms is not below the function's timeout (${timeoutMs} ms), so the alarm can never fire; set it in milliseconds below ${timeoutMs}` };
    return undefined;
  }
  // Sum >= 0 holds for every data point Lambda publishes, so 0 alarms whenever the function runs.
  if (s.threshold <= 0) return { field: 'threshold', message: `threshold 0 would fire whenever the function runs (${kind} >= 0); use 1 or more` };
  return undefined;
}

function stripUndefined<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}
