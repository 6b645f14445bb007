// The one cleanup run that both the CLI and the Lambda handler call:
// config → targets (discovery, narrowing) → list → select → delete → report.
import { randomUUID } from 'node:crypto';
import { checkBeforeDiscovery, narrowTargets } from '../config/narrowing.js';
import type { DcsConnector } from '../dcs/client.js';
import { discover } from '../discover/discover.js';
import type { Config, Target } from '../model/config.js';
import { DEFER_REASONS, INCOMPLETE_ELSE, NOT_SENT_REASONS, type NotSentReason } from '../model/reasons.js';
import type { RunRequest } from '../model/run-request.js';
import { type RunReporter, type RunStats, zeroStats } from '../report/reporter.js';
import { type RunStatus, type RunSummary, sumCounters } from '../report/summary.js';
import { type Clock, systemClock } from '../time/clock.js';
import { cleanInstance, type InstanceResult } from './instance.js';
import { mapConcurrently } from './pool.js';

export type { RunStats } from '../report/reporter.js';

export interface RunDeps {
  /** The DCS API for this run (connectDcs in the shells; anything that speaks DcsApi in a test). */
  dcs: DcsConnector;
  reporter: RunReporter;
  clock?: Clock;
  runId?: string;
  /** Report every deferred task on its own (CLI --verbose); otherwise one record per instance sums them. */
  reportEachDeferred?: boolean;
  /** Aborted: start no new request (those in flight finish); what is left is deferred (`interrupted`). */
  signal?: AbortSignal;
}

export interface RunReport {
  summary: RunSummary;
  stats: RunStats;
  /** Why an incomplete run is incomplete, in a few words (`SIGTERM`, `time budget`, …). */
  incompleteBecause: string | undefined;
}

/**
 * Instances in progress at once per endpoint, as a multiple of its request concurrency: enough to keep
 * the endpoint busy while some instances list page by page, few enough to bound the listings held in memory.
 */
const INSTANCES_PER_REQUEST_SLOT = 2;

export async function run(config: Config, request: RunRequest, deps: RunDeps): Promise<RunReport> {
  checkBeforeDiscovery(config, request.narrowing);
  const { reporter } = deps;
  const clock = deps.clock ?? systemClock;
  const runId = deps.runId ?? randomUUID();
  const dryRun = request.dryRun ?? config.dryRun;
  const startedAt = clock.now();
  const deadline = request.timeBudgetMs === undefined ? undefined : startedAt + request.timeBudgetMs;
  const stats: RunStats = zeroStats();
  const client = deps.dcs({
    limits: config.limits,
    clock,
    deadline,
    stop: deps.signal,
    onAttempt: (attempt) => {
      stats.requests++;
      if (attempt.willRetry) stats.retries++;
      if (attempt.httpStatus === 429) stats.throttled++;
      reporter.requestSent(attempt);
    },
  });
  reporter.runStarted({
    runId,
    dryRun,
    instances: config.targets.length,
    fleets: config.fleets.length,
    timeBudgetMs: request.timeBudgetMs ?? null,
  });

  let discovery: Awaited<ReturnType<typeof discover>>;
  let targets: Target[];
  let results: InstanceResult[];
  try {
    discovery = await discover(config, client, reporter, runId);
    targets = narrowTargets(discovery.targets, request.narrowing, discovery.undiscovered);
    reporter.cleaningStarted({ runId, instances: targets.length });
    const context = {
      runId,
      dryRun,
      client,
      clock,
      reporter,
      workers: config.limits.concurrency,
      reportEachDeferred: deps.reportEachDeferred ?? false,
    };
    results = await cleanPerEndpoint(
      targets,
      config.limits.concurrency * INSTANCES_PER_REQUEST_SLOT,
      (target) => cleanInstance(target, context),
    );
  } finally {
    await client.close();
  }

  const instances = results.map((result) => result.summary);
  /** What was left undone for `reason` on the targets `where` picks. */
  const leftUndone = (reason: NotSentReason, where: (target: Target) => boolean) => {
    const there = results.filter((_, index) => where(targets[index] as Target));
    return {
      deferred: there.reduce((sum, result) => sum + result.deferredBy[reason], 0),
      instancesNotListed: there.filter((result) => result.notListedBecause === reason).length,
    };
  };
  const unavailableEndpoints = client.unavailableEndpoints();
  for (const endpoint of unavailableEndpoints) {
    const undone = leftUndone('unavailable', (target) => target.endpoint === endpoint.endpoint);
    reporter.endpointUnavailable({ runId, endpoint, ...undone });
  }
  const unavailableAccounts = client.unavailableAccounts();
  for (const account of unavailableAccounts) {
    const undone = leftUndone('credentials', (target) => target.account === account.account);
    reporter.credentialsUnavailable({ runId, account, ...undone });
  }
  const complete =
    unavailableEndpoints.length === 0 &&
    unavailableAccounts.length === 0 &&
    discovery.fleets.every((fleet) => fleet.error === undefined) &&
    results.every((result) => result.notSent.length === 0 && result.summary.error === undefined);
  const totals = sumCounters(instances);
  const finishedAt = clock.now();
  stats.authFailures = client.authFailures;
  stats.identityRequests = client.identity.requests;
  stats.credentialRefreshes = client.identity.refreshes;
  stats.durationMs = finishedAt - startedAt;
  const ok = complete && totals.failed === 0;
  const failedFleet = discovery.fleets.some((fleet) => fleet.error !== undefined);
  const summary: RunSummary = {
    runId,
    dryRun,
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date(finishedAt).toISOString(),
    complete,
    ok,
    status: ok
      ? 'ok'
      : statusOfIncomplete(
          totals.failed,
          failedFleet,
          unavailableEndpoints.length + unavailableAccounts.length,
          results,
        ),
    totals,
    instances,
    fleets: discovery.fleets,
    ...(unavailableEndpoints.length > 0 ? { unavailableEndpoints } : {}),
  };
  const incompleteBecause = complete ? undefined : whyIncomplete(deps.signal, results, summary);
  reporter.runFinished({ runId, summary, stats, incompleteBecause });
  return { summary, stats, incompleteBecause };
}

/**
 * A run that is not ok is `partial` when nothing failed and only the time budget left work undone (an
 * instance it kept from being listed included), `failed` otherwise (docs/summary.md).
 */
function statusOfIncomplete(
  failedTasks: number,
  failedFleet: boolean,
  /** Endpoints found down and accounts whose credentials are gone. */
  unavailable: number,
  results: readonly InstanceResult[],
): RunStatus {
  const onlyBudget = results.every(({ summary, notSent }) =>
    summary.error === undefined ? notSent.every((reason) => reason === 'budget') : notSent[0] === 'budget',
  );
  return failedTasks === 0 && !failedFleet && unavailable === 0 && onlyBudget ? 'partial' : 'failed';
}

/** The first of the reasons an incomplete run has, in the order an operator acts on them. */
function whyIncomplete(
  signal: AbortSignal | undefined,
  results: readonly InstanceResult[],
  summary: RunSummary,
): string {
  if (signal?.aborted) return String(signal.reason);
  const notSent = new Set(results.flatMap((result) => result.notSent));
  if (summary.unavailableEndpoints) notSent.add('unavailable');
  const first = NOT_SENT_REASONS.find((reason) => notSent.has(reason));
  if (first) return DEFER_REASONS[first].incomplete;
  return summary.fleets.some((fleet) => fleet.error) ? INCOMPLETE_ELSE.fleet : INCOMPLETE_ELSE.listing;
}

/**
 * Each endpoint works through its own instances, `window` at a time, so regions proceed side by side
 * (each at its own pace) while the summary keeps the targets' order.
 */
async function cleanPerEndpoint(
  targets: readonly Target[],
  window: number,
  clean: (target: Target) => Promise<InstanceResult>,
): Promise<InstanceResult[]> {
  const byEndpoint = new Map<string, number[]>();
  targets.forEach((target, index) => {
    const indexes = byEndpoint.get(target.endpoint) ?? [];
    indexes.push(index);
    byEndpoint.set(target.endpoint, indexes);
  });
  const results: InstanceResult[] = [];
  await Promise.all(
    [...byEndpoint.values()].map((indexes) =>
      mapConcurrently(indexes, window, async (index) => {
        results[index] = await clean(targets[index] as Target);
      }),
    ),
  );
  return results;
}
