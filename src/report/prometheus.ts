// The run's metrics in the Prometheus text exposition format (docs/metrics.md), for node_exporter's
// textfile collector: the metrics of metrics.ts named `dcs_task_cleanup_<snake_case>`. Counts are counters
// (`_total`) summed over every run that wrote the file, so that rate() and increase() work across runs; the
// backlog, the duration and the last run's time and result are gauges.
import { type RunMetric, runMetrics } from './metrics.js';
import type { RunStats } from './reporter.js';
import { RUN_STATUSES, type RunSummary } from './summary.js';

export const METRIC_PREFIX = 'dcs_task_cleanup_';

interface Sample {
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  value: number;
  /** More series of the same metric, one per label value (`status="partial"` …). */
  series?: { labels: string; value: number }[];
}

/** Carried over from the file a run replaces: every counter, and the time of the last success. */
const CARRIED =
  /^(dcs_task_cleanup_(?:[a-z_]+_total|last_success_timestamp_seconds)) (\d+(?:\.\d+)?(?:e\+?\d+)?)$/;

/** `AlreadyGone` → `already_gone`. */
export function snakeCase(name: string): string {
  return name.replace(/(?<=[a-z0-9])([A-Z])/g, '_$1').toLowerCase();
}

/** The file's text after `summary`'s run; `previous` holds the counters of the file it replaces. */
export function prometheusText(
  summary: RunSummary,
  stats: RunStats,
  previous: ReadonlyMap<string, number> = new Map(),
): string {
  const counter = (name: string, help: string, value: number): Sample => ({
    name,
    type: 'counter',
    help,
    value: (previous.get(name) ?? 0) + value,
  });
  const samples: Sample[] = [
    ...runMetrics(summary, stats).map((metric) => sampleOf(metric, counter)),
    counter(`${METRIC_PREFIX}runs_total`, 'Runs that wrote this file.', 1),
    {
      name: `${METRIC_PREFIX}last_run_timestamp_seconds`,
      type: 'gauge',
      help: 'When the last run finished (Unix time).',
      value: Date.parse(summary.finishedAt) / 1000,
    },
    {
      name: `${METRIC_PREFIX}last_run_success`,
      type: 'gauge',
      help: '1 when the last run was complete and nothing failed (its "ok"), 0 otherwise.',
      value: summary.ok ? 1 : 0,
    },
    {
      name: `${METRIC_PREFIX}last_run_complete`,
      type: 'gauge',
      help: '1 when the last run did all its work, 0 when some was left (budget, stop, errors).',
      value: summary.complete ? 1 : 0,
    },
    {
      name: `${METRIC_PREFIX}last_run_status`,
      type: 'gauge',
      help: "The last run's status: 1 for its status, 0 for the others.",
      value: 0,
      series: RUN_STATUSES.map((status) => ({
        labels: `status="${status}"`,
        value: summary.status === status ? 1 : 0,
      })),
    },
    {
      name: `${METRIC_PREFIX}last_success_timestamp_seconds`,
      type: 'gauge',
      help: 'When a run last ended ok or partial (Unix time): the heartbeat an alert watches.',
      value:
        summary.status === 'failed'
          ? (previous.get(`${METRIC_PREFIX}last_success_timestamp_seconds`) ?? 0)
          : Date.parse(summary.finishedAt) / 1000,
    },
    {
      name: `${METRIC_PREFIX}dry_run`,
      type: 'gauge',
      help: '1 when the last run was a dry run (nothing deleted), 0 otherwise.',
      value: summary.dryRun ? 1 : 0,
    },
  ];
  return samples
    .map(({ name, type, help, value, series }) => {
      const lines = series
        ? series.map((one) => `${name}{${one.labels}} ${one.value}`)
        : [`${name} ${value}`];
      return `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${lines.join('\n')}\n`;
    })
    .join('');
}

function sampleOf(metric: RunMetric, counter: (name: string, help: string, value: number) => Sample): Sample {
  const base = `${METRIC_PREFIX}${snakeCase(metric.name)}`;
  if (metric.kind === 'count')
    return counter(`${base}_total`, `${metric.help} Summed over runs.`, metric.value);
  const seconds = metric.unit === 'Milliseconds';
  return {
    name: seconds ? `${base}_seconds` : base,
    type: 'gauge',
    help: metric.help,
    value: seconds ? metric.value / 1000 : metric.value,
  };
}

/** What a run carries over from a file this tool wrote: its counters and the last success; others are left out. */
export function readCounters(text: string): Map<string, number> {
  const counters = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = CARRIED.exec(line);
    if (match) counters.set(match[1] as string, Number(match[2]));
  }
  return counters;
}
