// `run --metrics-push URL`: the run's metrics to a Prometheus Pushgateway, grouping key job="dcs-task-cleanup"
// (docs/metrics.md): for Kubernetes, where no node_exporter reads a file. Counters go on from what the gateway
// holds for the job. A push that fails is one WARN: it changes neither the run's status nor its exit code.
import { prometheusText, readCounters } from '../report/prometheus.js';
import type { RunStats } from '../report/reporter.js';
import type { RunSummary } from '../report/summary.js';

export const PUSH_JOB = 'dcs-task-cleanup';
/** The gateway is asked and pushed to within this, each time. */
const PUSH_TIMEOUT_MS = 10_000;

export async function pushMetrics(url: string, summary: RunSummary, stats: RunStats): Promise<void> {
  const base = url.replace(/\/+$/, '');
  const held = await send(`${base}/metrics`, { method: 'GET' });
  const body = prometheusText(summary, stats, readCounters(ourLines(await held.text())));
  const pushed = await send(`${base}/metrics/job/${PUSH_JOB}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'text/plain; version=0.0.4' },
    body,
  });
  await pushed.body?.cancel();
}

async function send(url: string, init: RequestInit): Promise<Response> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(PUSH_TIMEOUT_MS) });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`${init.method} ${url}: HTTP ${response.status}`);
  }
  return response;
}

/** This job's series on the gateway's page, as the `name value` lines a metrics file holds. */
function ourLines(page: string): string {
  return page
    .split('\n')
    .flatMap((line) => {
      const match = /^(dcs_task_cleanup_[a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
      return match?.[2]?.includes(`job="${PUSH_JOB}"`) ? [`${match[1]} ${match[3]}`] : [];
    })
    .join('\n');
}
