// The RunSummary of docs/summary.md, the arithmetic behind it, and its bounded forms (docs/bounds.md).
import { ANSWER, LOGGED_SUMMARY_BYTES } from '../bounds/limits.js';
import type { UnavailableEndpoint } from '../model/endpoint.js';
import { fitEntries, jsonBytes } from './fit.js';
import { OUTCOME_NAMES, type Outcome } from './outcomes.js';

/** What was listed, and how the stale tasks ended (one counter per outcome, outcomes.ts). */
export type Counters = Record<'listed' | 'ignored' | 'stale' | Outcome, number>;

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
  /** What a scheduler reads (docs/summary.md): `ok`, `partial` (only the time budget left work) or `failed`. */
  status: RunStatus;
  totals: Counters;
  instances: InstanceSummary[];
  fleets: FleetSummary[];
  /** Set where some instance's failures were cut (the Lambda's answer, the `run finished` record). */
  failuresTruncated?: true;
  /** Instances left out to stay within a byte budget (the Lambda's answer, the `run finished` record). */
  instancesLeftOut?: number;
  /** Endpoints found down during the run, each named once (present only when one was). */
  unavailableEndpoints?: UnavailableEndpoint[];
}

export type { UnavailableEndpoint } from '../model/endpoint.js';

/**
 * `ok`: complete, nothing failed. `partial`: nothing failed, but the time budget left work deferred for the
 * next run. `failed`: a task failed, an instance could not be listed, a fleet could not be discovered, an
 * endpoint became unavailable, or the run was stopped (a signal, an account's 401s).
 */
export const RUN_STATUSES = ['ok', 'partial', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** The counters in summary order: what was listed, then one per outcome. */
export const COUNTER_KEYS: readonly (keyof Counters)[] = ['listed', 'ignored', 'stale', ...OUTCOME_NAMES];

export function zeroCounters(): Counters {
  return Object.fromEntries(COUNTER_KEYS.map((key) => [key, 0])) as Counters;
}

export function sumCounters(parts: readonly Counters[]): Counters {
  const totals = zeroCounters();
  for (const part of parts) for (const key of COUNTER_KEYS) totals[key] += part[key];
  return totals;
}

/** stale = deleted + alreadyGone + wouldDelete + skipped + deferred + failed: every outcome's counter. */
export function invariantHolds(counters: Counters): boolean {
  return counters.stale === OUTCOME_NAMES.reduce((sum, outcome) => sum + counters[outcome], 0);
}

/** What is left for later runs: the Backlog metric and the backlog alarm. */
export function backlog(counters: Counters): number {
  return counters.deferred + counters.skipped + counters.failed;
}

/** An instance needs attention when it was not listed, a task failed, or the incomplete run left work. */
export function hasProblem(instance: InstanceSummary, complete: boolean): boolean {
  return instance.error !== undefined || instance.failed > 0 || (!complete && instance.deferred > 0);
}

/** The summary with at most `perInstance` failures per instance and `inAll` in all, marked where cut. */
export function capFailures(summary: RunSummary, perInstance: number, inAll = Number.POSITIVE_INFINITY) {
  let left = inAll;
  let cut = false;
  const instances = summary.instances.map((instance) => {
    const keep = Math.min(instance.failures.length, perInstance, left);
    left -= keep;
    if (keep === instance.failures.length) return instance;
    cut = true;
    return { ...instance, failures: instance.failures.slice(0, keep), failuresTruncated: true as const };
  });
  return cut ? { ...summary, instances, failuresTruncated: true as const } : { ...summary, instances };
}

/** What the Lambda returns: 100 failures per instance, 1,000 in all, under 1 MB whatever fails (§3). */
export function answerSummary(summary: RunSummary): RunSummary {
  const capped = capFailures(summary, ANSWER.failuresPerInstance, ANSWER.failures);
  const levels = [ANSWER.failuresPerInstance, 20, 1, 0].map(
    (perInstance) => () => capFailures(capped, perInstance).instances,
  );
  const withFlag = (instances: InstanceSummary[]): RunSummary =>
    instances.some((instance) => instance.failuresTruncated)
      ? { ...capped, instances, failuresTruncated: true }
      : { ...capped, instances };
  // Room for the `instancesLeftOut` key that a cut adds.
  const { value, leftOut } = fitEntries(withFlag, levels, ANSWER.maxBytes - 64);
  return leftOut > 0 ? { ...value, instancesLeftOut: leftOut } : value;
}

/**
 * The summary as the `run finished` record carries it: whole when it is small; otherwise the totals and
 * fleets with as many instances with problems as fit (their failures cut first), and how many instances it
 * left out (every failure has its own per-task record, every instance its counters in the returned summary).
 */
export function loggableSummary(summary: RunSummary): RunSummary {
  if (jsonBytes(summary) <= LOGGED_SUMMARY_BYTES) return summary;
  const problems = summary.instances.filter((instance) => hasProblem(instance, summary.complete));
  const levels = [20, 5, 1, 0].map(
    (perInstance) => () => capFailures({ ...summary, instances: problems }, perInstance).instances,
  );
  const { value } = fitEntries((instances) => ({ ...summary, instances }), levels, LOGGED_SUMMARY_BYTES);
  return { ...value, instancesLeftOut: summary.instances.length - value.instances.length };
}
