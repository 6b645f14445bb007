// CloudWatch metrics in Embedded Metric Format, one set per run.
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { RunReport } from '../engine/run.js';
import { backlog } from '../report/summary.js';
import { SERVICE_NAME } from './logger.js';

/** infra/ (alarms and dashboard) refers to this namespace and to the `service` dimension. */
export const METRICS_NAMESPACE = 'DcsTaskCleanup';

export function createMetrics(): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
}

export function publishRunMetrics(metrics: Metrics, { summary, stats }: RunReport): void {
  const { totals } = summary;
  const counts = {
    Listed: totals.listed,
    Ignored: totals.ignored,
    Stale: totals.stale,
    Deleted: totals.deleted,
    AlreadyGone: totals.alreadyGone,
    WouldDelete: totals.wouldDelete,
    Skipped: totals.skipped,
    Deferred: totals.deferred,
    Failed: totals.failed,
    // What the next runs still have to do: the backlog alarm watches it across runs.
    Backlog: backlog(totals),
    InstanceErrors: summary.instances.filter((instance) => instance.error).length,
    FleetErrors: summary.fleets.filter((fleet) => fleet.error).length,
    Vanished: summary.instances.filter((instance) => instance.vanished).length,
    Retries: stats.retries,
    Throttled: stats.throttled,
  };
  for (const [name, value] of Object.entries(counts)) metrics.addMetric(name, MetricUnit.Count, value);
  metrics.addMetric('Duration', MetricUnit.Milliseconds, stats.durationMs);
  metrics.publishStoredMetrics();
}
