// The run's metrics, computed once: the Lambda publishes them as CloudWatch EMF, the CLI writes them for
// Prometheus (--metrics-file). infra/ (alarms, dashboard) and docs/ name them as they are here.
import { OUTCOME_NAMES, OUTCOMES } from './outcomes.js';
import type { RunStats } from './reporter.js';
import { backlog, type RunSummary } from './summary.js';

export interface RunMetric {
  /** CloudWatch's name (CamelCase). */
  name: string;
  value: number;
  unit: 'Count' | 'Milliseconds';
  /** A count of things that happened in the run, or a level it left behind (Backlog) or took (Duration). */
  kind: 'count' | 'level';
  help: string;
}

export function runMetrics(summary: RunSummary, stats: RunStats): RunMetric[] {
  const { totals } = summary;
  const count = (name: string, value: number, help: string): RunMetric => ({
    name,
    value,
    unit: 'Count',
    kind: 'count',
    help,
  });
  return [
    count('Listed', totals.listed, 'Distinct valid tasks listed.'),
    count('Ignored', totals.ignored, 'Task records that could not be judged or used.'),
    count('Stale', totals.stale, 'Tasks the policy selected, before the cap.'),
    ...OUTCOME_NAMES.map((outcome) =>
      count(OUTCOMES[outcome].metric, totals[outcome], `Stale tasks that ended ${OUTCOMES[outcome].name}.`),
    ),
    {
      name: 'Backlog',
      value: backlog(totals),
      unit: 'Count',
      kind: 'level',
      help: 'Stale tasks left for later runs after the last run (deferred + skipped + failed).',
    },
    count(
      'InstanceErrors',
      summary.instances.filter((i) => i.error).length,
      'Instances that could not be listed.',
    ),
    count(
      'FleetErrors',
      summary.fleets.filter((f) => f.error).length,
      'Fleets that could not be discovered.',
    ),
    count(
      'Vanished',
      summary.instances.filter((i) => i.vanished).length,
      'Instances deleted since discovery.',
    ),
    {
      name: 'UnavailableEndpoints',
      value: summary.unavailableEndpoints?.length ?? 0,
      unit: 'Count',
      kind: 'level',
      help: 'Endpoints the last run found down (no answer or 5xx in a row).',
    },
    count('Retries', stats.retries, 'Requests retried.'),
    count('Throttled', stats.throttled, 'Requests answered 429.'),
    {
      name: 'Duration',
      value: stats.durationMs,
      unit: 'Milliseconds',
      kind: 'level',
      help: 'How long the last run took.',
    },
  ];
}
