// The RunSummary of contract §4 and the arithmetic behind it.

export type Outcome = 'deleted' | 'already-gone' | 'would-delete' | 'skipped' | 'deferred' | 'failed';

export interface Counters {
  listed: number;
  ignored: number;
  stale: number;
  deleted: number;
  alreadyGone: number;
  wouldDelete: number;
  skipped: number;
  deferred: number;
  failed: number;
}

export interface SummaryError {
  httpStatus: number | null;
  errorCode: string | null;
  message: string;
}

export interface TaskFailure {
  taskId: string;
  taskName: string;
  httpStatus: number | null;
  errorCode: string | null;
  message: string;
  attempts: number;
}

export interface InstanceSummary extends Counters {
  instanceId: string;
  projectId: string;
  region: string;
  account: string;
  source: 'config' | 'fleet';
  /** A discovered instance whose task listing answered 404: deleted since discovery, not an error. */
  vanished?: true;
  error?: SummaryError;
  failures: TaskFailure[];
  /** Set where failures were cut (the Lambda's returned summary). */
  failuresTruncated?: true;
}

export interface FleetSummary {
  region: string;
  projectId: string;
  account: string;
  /** RUNNING instances this fleet cleans (after precedence). */
  matched: number;
  /** Instances matching its selectors in any other status. */
  notRunning: number;
  /** Instance records that could not be used (no valid instance_id). */
  ignored: number;
  error?: SummaryError;
}

export interface RunSummary {
  runId: string;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  complete: boolean;
  ok: boolean;
  totals: Counters;
  instances: InstanceSummary[];
  fleets: FleetSummary[];
}

/** The counter each outcome adds to. */
export const OUTCOME_COUNTER: Record<Outcome, keyof Counters> = {
  deleted: 'deleted',
  'already-gone': 'alreadyGone',
  'would-delete': 'wouldDelete',
  skipped: 'skipped',
  deferred: 'deferred',
  failed: 'failed',
};

export const COUNTER_KEYS = [
  'listed',
  'ignored',
  'stale',
  'deleted',
  'alreadyGone',
  'wouldDelete',
  'skipped',
  'deferred',
  'failed',
] as const satisfies readonly (keyof Counters)[];

export function zeroCounters(): Counters {
  return {
    listed: 0,
    ignored: 0,
    stale: 0,
    deleted: 0,
    alreadyGone: 0,
    wouldDelete: 0,
    skipped: 0,
    deferred: 0,
    failed: 0,
  };
}

export function sumCounters(parts: readonly Counters[]): Counters {
  const totals = zeroCounters();
  for (const part of parts) for (const key of COUNTER_KEYS) totals[key] += part[key];
  return totals;
}

/** stale = deleted + alreadyGone + wouldDelete + skipped + deferred + failed */
export function invariantHolds(counters: Counters): boolean {
  const { stale, deleted, alreadyGone, wouldDelete, skipped, deferred, failed } = counters;
  return stale === deleted + alreadyGone + wouldDelete + skipped + deferred + failed;
}

/** What is left for later runs: the Backlog metric and the backlog alarm. */
export function backlog(counters: Counters): number {
  return counters.deferred + counters.skipped + counters.failed;
}

/** Failures kept per instance in the summary the Lambda returns (its response must stay under 6 MB). */
export const RETURNED_FAILURES_PER_INSTANCE = 100;

/** The summary with each instance's failures cut to `max`, marked `failuresTruncated` where cut. */
export function capFailures(summary: RunSummary, max = RETURNED_FAILURES_PER_INSTANCE): RunSummary {
  return {
    ...summary,
    instances: summary.instances.map((instance) =>
      instance.failures.length > max
        ? { ...instance, failures: instance.failures.slice(0, max), failuresTruncated: true }
        : instance,
    ),
  };
}

/** CloudWatch Logs cuts events above 256 KB; the summary record stays well below that. */
const MAX_LOGGED_SUMMARY_BYTES = 128 * 1024;

/**
 * The summary as the `run finished` record carries it: whole when it is small; otherwise each instance's
 * failures are cut to the first 20, then dropped, then the instances too (every failure already has its
 * own per-task record, and every instance its counters in the returned summary).
 */
export function loggableSummary(summary: RunSummary): RunSummary & { truncated?: string } {
  const fits = (candidate: unknown) =>
    Buffer.byteLength(JSON.stringify(candidate)) <= MAX_LOGGED_SUMMARY_BYTES;
  if (fits(summary)) return summary;
  for (const perInstance of [20, 0]) {
    const capped = {
      ...capFailures(summary, perInstance),
      truncated: `failures cut to the first ${perInstance} per instance`,
    };
    if (fits(capped)) return capped;
  }
  return { ...summary, instances: [], truncated: 'instances left out: see the per-task records' };
}
