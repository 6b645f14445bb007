// CloudWatch metrics in Embedded Metric Format, one set per run.
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { RunReport } from '../engine/run.js';
import { runMetrics } from '../report/metrics.js';
import { SERVICE_NAME } from './logger.js';

/** infra/ (alarms and dashboard) refers to this namespace and to the `service` dimension. */
export const METRICS_NAMESPACE = 'DcsTaskCleanup';

export function createMetrics(): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
}

export function publishRunMetrics(
  metrics: Metrics,
  { summary, stats }: Pick<RunReport, 'summary' | 'stats'>,
): void {
  for (const metric of runMetrics(summary, stats))
    metrics.addMetric(metric.name, MetricUnit[metric.unit], metric.value);
  metrics.publishStoredMetrics();
}
