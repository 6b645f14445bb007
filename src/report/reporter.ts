// What a run tells the world while it goes. The engine reports typed events; a sink renders them:
// JSON log records (log-reporter.ts: the CLI's stderr and the Lambda's CloudWatch) or a terminal view.

import type { DcsError } from '../dcs/errors.js';
import type { IgnoredRecord } from '../dcs/pages.js';
import type { AttemptReport } from '../http/retry.js';
import type { Scope, Target } from '../model/config.js';
import type { UnavailableAccount } from '../model/endpoint.js';
import type { DeferReason } from '../model/reasons.js';
import type { TaskRecord } from '../policy/policy.js';
import type { Outcome } from './outcomes.js';
import type { FleetSummary, InstanceSummary, RunSummary, UnavailableEndpoint } from './summary.js';

/** Request-level figures that the summary does not carry (for metrics and benchmarks). */
export interface RunStats {
  requests: number;
  retries: number;
  throttled: number;
  authFailures: number;
  /** Calls to the identity sources (metadata, STS, pod identity) and the renewals they gave. */
  identityRequests: number;
  credentialRefreshes: number;
  durationMs: number;
}

/** A run's stats before its first request. */
export function zeroStats(): RunStats {
  return {
    requests: 0,
    retries: 0,
    throttled: 0,
    authFailures: 0,
    identityRequests: 0,
    credentialRefreshes: 0,
    durationMs: 0,
  };
}

/**
 * Why stale tasks were left for the next run: over maxDeletesPerInstance, the time budget, a stop (signal or
 * the account's 401s), or their endpoint found down.
 */
export type { DeferReason };

/** How one stale task ended. */
export interface TaskResult {
  outcome: Outcome;
  httpStatus: number | null;
  errorCode: string | null;
  message: string | null;
  requestId: string | null;
  attempts: number;
  durationMs: number | null;
}

export interface RunReporter {
  runStarted(event: {
    runId: string;
    dryRun: boolean;
    instances: number;
    fleets: number;
    timeBudgetMs: number | null;
  }): void;
  /** A fleet's discovery ended: `fleet.error` is set when it failed. */
  fleetDiscovered(event: { runId: string; index: number; fleet: FleetSummary; error?: DcsError }): void;
  /** A task or instance record that could not be used (docs/safety.md). */
  recordIgnored(event: {
    runId: string;
    kind: 'task' | 'instance';
    scope: Scope;
    /** The instance whose task listing held the record. */
    instanceId?: string;
    record: IgnoredRecord;
  }): void;
  /** A listing's ignored records beyond the first few reported one by one: counts per reason. */
  recordsIgnored(event: {
    runId: string;
    kind: 'task' | 'instance';
    scope: Scope;
    instanceId?: string;
    /** Every ignored record of the listing, by reason. */
    byReason: Record<string, number>;
    /** How many of them were not reported one by one. */
    notLogged: number;
  }): void;
  /** The instances to clean are known (after discovery and narrowing). */
  cleaningStarted(event: { runId: string; instances: number }): void;
  instanceListed(event: {
    runId: string;
    target: Target;
    listed: number;
    ignored: number;
    stale: number;
  }): void;
  /** An instance could not be listed: nothing of it is deleted. */
  instanceFailed(event: {
    runId: string;
    target: Target;
    listed: number;
    error: DcsError;
    message: string;
  }): void;
  /** A discovered instance answered 404: it was deleted since discovery. */
  instanceVanished(event: { runId: string; target: Target }): void;
  taskOutcome(event: { runId: string; target: Target; task: TaskRecord; result: TaskResult }): void;
  /** Stale tasks of one instance left for the next run, summed (each one is also a taskOutcome if verbose). */
  tasksDeferred(event: {
    runId: string;
    target: Target;
    count: number;
    reason: DeferReason;
    /** created_at of the oldest and newest of them, when the run holds them. */
    oldestCreatedAt: string | null;
    newestCreatedAt: string | null;
  }): void;
  instanceFinished(event: { runId: string; summary: InstanceSummary }): void;
  requestSent(attempt: AttemptReport): void;
  /** An endpoint found down: what was left undone there (sent once per endpoint, before runFinished). */
  endpointUnavailable(event: {
    runId: string;
    endpoint: UnavailableEndpoint;
    /** Tasks deferred because of it, and instances not listed because of it. */
    deferred: number;
    instancesNotListed: number;
  }): void;
  /** An account whose credentials are gone (sent once per account, before runFinished). */
  credentialsUnavailable(event: {
    runId: string;
    account: UnavailableAccount;
    /** Tasks deferred because of it, and instances not listed because of it. */
    deferred: number;
    instancesNotListed: number;
  }): void;
  runFinished(event: {
    runId: string;
    summary: RunSummary;
    stats: RunStats;
    /** Why the run is incomplete (`SIGTERM`, `time budget`, …), when it is. */
    incompleteBecause: string | undefined;
  }): void;
  /** Anything else worth an operator's eye (e.g. a credentials file others can read). */
  warning(message: string, fields: Record<string, unknown>): void;
}

/** A reporter that tells nobody (doctor's discovery, which reports its own way); spread it to pick events. */
export const silentReporter: RunReporter = {
  runStarted() {},
  fleetDiscovered() {},
  recordIgnored() {},
  recordsIgnored() {},
  cleaningStarted() {},
  instanceListed() {},
  instanceFailed() {},
  instanceVanished() {},
  taskOutcome() {},
  tasksDeferred() {},
  instanceFinished() {},
  requestSent() {},
  endpointUnavailable() {},
  credentialsUnavailable() {},
  runFinished() {},
  warning() {},
};
