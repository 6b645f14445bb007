// One instance's cleanup: stream its listing through the selection, then delete what it picked.

import type { DcsApi } from '../dcs/client.js';
import {
  DcsError,
  INSTANCE_GONE_CODES,
  isFromDcs,
  malformedError,
  NOT_NOW_CODES,
  type NotSentReason,
  notDcsApiMessage,
  statusText,
} from '../dcs/errors.js';
import { ignoredRecord } from '../dcs/pages.js';
import type { Target } from '../model/config.js';
import { NOT_SENT_REASONS, perNotSentReason } from '../model/reasons.js';
import { NOT_JUDGED, type TaskRecord } from '../policy/policy.js';
import { ContradictoryListingError, type StreamedSelection, StreamSelector } from '../policy/stream.js';
import { IgnoredTally } from '../report/ignored.js';
import type { Outcome } from '../report/outcomes.js';
import type { DeferReason, RunReporter, TaskResult } from '../report/reporter.js';
import { type InstanceSummary, type TaskFailure, zeroCounters } from '../report/summary.js';
import { shownTaskName } from '../text/cut.js';
import type { Clock } from '../time/clock.js';
import { mapConcurrently } from './pool.js';

export interface InstanceContext {
  runId: string;
  dryRun: boolean;
  client: DcsApi;
  clock: Clock;
  reporter: RunReporter;
  /** Deletes in flight per instance; the endpoint's pacer bounds them all. */
  workers: number;
  /** Report every deferred task on its own (CLI --verbose): the selection then holds them all. */
  reportEachDeferred: boolean;
}

export interface InstanceResult {
  summary: InstanceSummary;
  /**
   * Why work was left undone for want of requests: the time budget, a stop (a signal, the account's 401s) or
   * the endpoint found down. Empty when none was.
   */
  notSent: NotSentReason[];
  /** Tasks deferred for want of requests, by why. */
  deferredBy: Record<NotSentReason, number>;
  /** Why the listing was cut for want of requests (an endpoint down, an account's credentials gone). */
  notListedBecause: NotSentReason | undefined;
}

const NO_REQUEST = {
  httpStatus: null,
  errorCode: null,
  message: null,
  requestId: null,
  attempts: 0,
  durationMs: null,
};

export async function cleanInstance(target: Target, context: InstanceContext): Promise<InstanceResult> {
  const { runId, reporter } = context;
  const counters = zeroCounters();
  const failures: TaskFailure[] = [];
  const finish = (
    extra: Pick<InstanceSummary, 'vanished' | 'error'>,
    notSent: NotSentReason[] = [],
    deferredBy = perNotSentReason(() => 0),
    notListedBecause?: NotSentReason,
  ): InstanceResult => {
    const summary: InstanceSummary = {
      instanceId: target.instanceId,
      projectId: target.projectId,
      region: target.region,
      account: target.account,
      source: target.source,
      ...counters,
      ...extra,
      failures,
    };
    reporter.instanceFinished({ runId, summary });
    return { summary, notSent, deferredBy, notListedBecause };
  };

  const listing = await listAndSelect(target, context);
  counters.listed = listing.listed;
  counters.ignored = listing.ignored;
  if ('error' in listing) {
    const { error } = listing;
    // Only DCS's own "no such instance" means gone; any other 404 is not DCS answering (docs/safety.md).
    const notFound = error.httpStatus === 404;
    const gone = notFound && isFromDcs(error) && INSTANCE_GONE_CODES.has(error.errorCode as string);
    if (gone && target.source === 'fleet') {
      reporter.instanceVanished({ runId, target });
      return finish({ vanished: true });
    }
    const message = gone
      ? `instance not found: check its instanceId, projectId and region or endpoint in the config (${error.message})`
      : notFound
        ? notDcsApiMessage(target.endpoint, error)
        : error.message;
    reporter.instanceFailed({ runId, target, listed: listing.listed, error, message });
    return finish(
      { error: { ...error.toSummaryError(), message } },
      error.notSent ? [error.notSent] : [],
      undefined,
      error.notSent,
    );
  }

  const { stale, toDelete, deferred } = listing.selection;
  counters.stale = stale;
  reporter.instanceListed({ runId, target, listed: counters.listed, ignored: counters.ignored, stale });
  const record = (task: TaskRecord, result: TaskResult) => {
    counters[result.outcome]++;
    if (result.outcome === 'failed') {
      failures.push({
        taskId: task.id,
        taskName: shownTaskName(task.name),
        httpStatus: result.httpStatus,
        errorCode: result.errorCode,
        message: result.message ?? statusText(result.httpStatus),
        attempts: result.attempts,
      });
    }
    reporter.taskOutcome({ runId, target, task, result });
  };
  const defer = (reason: DeferReason, count: number, tasks: readonly TaskRecord[] | undefined) => {
    counters.deferred += count;
    if (context.reportEachDeferred) {
      for (const task of tasks ?? []) reporter.taskOutcome({ runId, target, task, result: deferredResult });
    }
    const [oldest, newest] = [tasks?.[0] ?? deferred.oldest, tasks?.at(-1) ?? deferred.newest];
    reporter.tasksDeferred({
      runId,
      target,
      count,
      reason,
      oldestCreatedAt: oldest?.createdAt ?? null,
      newestCreatedAt: newest?.createdAt ?? null,
    });
  };

  if (deferred.count > 0) defer('cap', deferred.count, deferred.tasks);
  if (context.dryRun) {
    for (const task of toDelete) record(task, { outcome: 'wouldDelete', ...NO_REQUEST });
    return finish({});
  }
  // Tasks the run stopped short of, by why: reported as one record each, oldest first.
  const notSent = perNotSentReason((): TaskRecord[] => []);
  await mapConcurrently(toDelete, context.workers, async (task) => {
    const result = await deleteOne(target, task, context);
    if (typeof result === 'string') notSent[result].push(task);
    else record(task, result);
  });
  const reasons = NOT_SENT_REASONS.filter((reason) => notSent[reason].length > 0);
  for (const reason of reasons) {
    const tasks = notSent[reason].sort((a, b) => a.createdAtMs - b.createdAtMs);
    defer(reason, tasks.length, tasks);
  }
  const deferredBy = perNotSentReason(() => 0);
  for (const reason of reasons) deferredBy[reason] = notSent[reason].length;
  return finish({}, reasons, deferredBy);
}

const deferredResult: TaskResult = { outcome: 'deferred', ...NO_REQUEST };

type Listing =
  | { listed: number; ignored: number; selection: StreamedSelection<TaskRecord> }
  | { listed: number; ignored: number; error: DcsError };

/**
 * The whole listing, record by record, through the bounded selection. Nothing is picked unless the listing
 * ended; on an error the counts cover what was seen.
 */
async function listAndSelect(target: Target, context: InstanceContext): Promise<Listing> {
  const { client, reporter, runId, clock } = context;
  const selector = new StreamSelector<TaskRecord>(target.policy, clock.now(), {
    holdDeferred: context.reportEachDeferred,
  });
  const ignored = new IgnoredTally(reporter, {
    runId,
    kind: 'task',
    scope: target,
    instanceId: target.instanceId,
  });
  let listed = 0;
  try {
    for await (const item of client.listTasks(target, selector)) {
      if ('ignored' in item) ignored.add(item.ignored);
      else if (item.admission === 'new') listed++;
      else if (item.admission !== 'repeat') {
        ignored.add(ignoredRecord(item.record.id, NOT_JUDGED[item.admission]));
      }
    }
    return { listed, ignored: ignored.count, selection: selector.finish() };
  } catch (error) {
    if (error instanceof ContradictoryListingError) {
      return {
        listed,
        ignored: ignored.count,
        error: malformedError(error.message, null, 0, { cause: error }),
      };
    }
    if (!(error instanceof DcsError)) throw error;
    return { listed, ignored: ignored.count, error };
  } finally {
    ignored.finish();
  }
}

/** How one delete ended, or why it was not sent. */
async function deleteOne(
  target: Target,
  task: TaskRecord,
  { client, clock }: InstanceContext,
): Promise<TaskResult | NotSentReason> {
  const startedAt = clock.now();
  try {
    const { httpStatus, attempts } = await client.deleteTask(target, task.id);
    return { ...NO_REQUEST, outcome: 'deleted', httpStatus, attempts, durationMs: clock.now() - startedAt };
  } catch (error) {
    if (!(error instanceof DcsError)) throw error;
    if (error.kind === 'not-sent') return error.notSent ?? 'interrupted';
    const notDcs = error.httpStatus === 404 && !isFromDcs(error);
    return {
      outcome: classifyDeleteError(error),
      httpStatus: error.httpStatus,
      errorCode: error.errorCode,
      message: notDcs ? notDcsApiMessage(target.endpoint, error) : error.detail,
      requestId: error.requestId,
      attempts: error.attempts,
      durationMs: clock.now() - startedAt,
    };
  }
}

/**
 * 404 from DCS means already gone (unless the instance itself is gone); a 404 DCS did not give is a failure
 * naming the endpoint; DCS.4017/4957 mean "not now".
 */
function classifyDeleteError(error: DcsError): Outcome {
  const code = error.errorCode as string;
  if (error.httpStatus === 404 && isFromDcs(error) && !INSTANCE_GONE_CODES.has(code)) return 'alreadyGone';
  if (NOT_NOW_CODES.has(code)) return 'skipped';
  return 'failed';
}
