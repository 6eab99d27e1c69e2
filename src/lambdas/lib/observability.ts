import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logLevelFromEnv } from './env.js';

/** Namespace of the EMF metrics of every TURN function (override with POWERTOOLS_METRICS_NAMESPACE). */
const DEFAULT_NAMESPACE = 'TURN';

/** The structured logger and EMF metrics of one function, and its tracking-plan events. */
export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /**
   * Records one tracking-plan event: a Count metric named after it (EMF) and an INFO log line `{event, ...properties}`.
   * Call it with a string literal name, from the function's own directory: that is how the tracking-plan check finds it.
   */
  track(event: string, properties?: Record<string, unknown>): void;
  /** Writes the buffered metrics (once per invocation). */
  flush(): void;
}

const byFunction = new Map<string, Observability>();

/** The function's logger and metrics, created once per container. */
export function observability(fn: string): Observability {
  let o = byFunction.get(fn);
  if (!o) {
    const serviceName = process.env.POWERTOOLS_SERVICE_NAME || `turn-${fn}`;
    const logger = new Logger({ serviceName, logLevel: logLevelFromEnv(), persistentKeys: { function: fn, stage: process.env.STAGE ?? 'unknown' } });
    const metrics = new Metrics({
      namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || DEFAULT_NAMESPACE,
      serviceName,
      defaultDimensions: { stage: process.env.STAGE ?? 'unknown' },
    });
    o = {
      logger,
      metrics,
      track(event, properties = {}) {
        metrics.addMetric(event, MetricUnit.Count, 1);
        logger.info(event, { ...properties, event });
      },
      flush() {
        if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      },
    };
    byFunction.set(fn, o);
  }
  return o;
}
