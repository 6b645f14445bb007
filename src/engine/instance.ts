// One instance's cleanup: list every page, select the stale tasks, then delete them.
import type { Target } from '../config/schema.js';
import type { DcsClient } from '../dcs/client.js';
import { DcsError, INSTANCE_GONE_CODES, NOT_NOW_CODES } from '../dcs/errors.js';
import { type Collected, collectPages, type IgnoredRecord } from '../dcs/pages.js';
import type { Clock } from '../http/clock.js';
import { selectStale, type TaskRecord } from '../policy/select.js';
import type { RunReporter, TaskResult } from '../report/reporter.js';
import {
  type InstanceSummary,
  OUTCOME_COUNTER,
  type Outcome,
  type TaskFailure,
  zeroCounters,
} from '../report/summary.js';
import { mapConcurrently } from './pool.js';

export interface InstanceContext {
  runId: string;
  dryRun: boolean;
  client: DcsClient;
  clock: Clock;
  reporter: RunReporter;
  /** Deletes in flight per instance; the endpoint's pacer bounds them all. */
  workers: number;
}

export interface InstanceResult {
  summary: InstanceSummary;
  /** Work was left undone because the run stopped sending (time budget or authentication halt). */
  interrupted: boolean;
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
    interrupted: boolean,
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
    return { summary, interrupted };
  };

  const listing = await listAll(target, context);
  counters.listed = listing.listed;
  counters.ignored = listing.ignored;
  if (listing.error) {
    const { error } = listing;
    const notFound = error.kind === 'http' && error.httpStatus === 404;
    if (notFound && target.source === 'fleet') {
      reporter.instanceVanished({ runId, target });
      return finish({ vanished: true }, false);
    }
    const message = notFound
      ? `instance not found: check its instanceId, projectId and region or endpoint in the config (${error.message})`
      : error.message;
    reporter.instanceFailed({ runId, target, listed: listing.listed, error, message });
    return finish({ error: { ...error.toSummaryError(), message } }, error.kind === 'not-sent');
  }

  const { stale, toDelete, deferred } = selectStale(listing.tasks, target.policy, context.clock.now());
  counters.stale = stale.length;
  reporter.instanceListed({
    runId,
    target,
    listed: counters.listed,
    ignored: counters.ignored,
    stale: stale.length,
  });
  let interrupted = false;
  const record = (task: TaskRecord, result: TaskResult) => {
    counters[OUTCOME_COUNTER[result.outcome]]++;
    if (result.outcome === 'failed') {
      failures.push({
        taskId: task.id,
        taskName: task.name,
        httpStatus: result.httpStatus,
        errorCode: result.errorCode,
        message: result.message ?? 'failed',
        attempts: result.attempts,
      });
    }
    reporter.taskOutcome({ runId, target, task, result });
  };

  for (const task of deferred) record(task, { outcome: 'deferred', ...NO_REQUEST });
  if (context.dryRun) {
    for (const task of toDelete) record(task, { outcome: 'would-delete', ...NO_REQUEST });
  } else {
    await mapConcurrently(toDelete, context.workers, async (task) => {
      const result = await deleteOne(target, task, context);
      if (result.outcome === 'deferred') interrupted = true;
      record(task, result);
    });
  }
  return finish({}, interrupted);
}

/** Every page of the listing (see collectPages); on an error, the counts cover what was seen. */
async function listAll(target: Target, { client, reporter, runId }: InstanceContext) {
  const collected: Collected<TaskRecord> = { items: new Map(), ignored: new Set() };
  const onIgnored = (record: IgnoredRecord) =>
    reporter.recordIgnored({ runId, kind: 'task', scope: target, instanceId: target.instanceId, record });
  const counts = () => ({ listed: collected.items.size, ignored: collected.ignored.size });
  try {
    await collectPages(client.listTasks(target), (task) => task.id, onIgnored, collected, 'listing');
    return { ...counts(), tasks: [...collected.items.values()], error: undefined };
  } catch (error) {
    if (!(error instanceof DcsError)) throw error;
    return { ...counts(), tasks: [], error };
  }
}

async function deleteOne(
  target: Target,
  task: TaskRecord,
  { client, clock }: InstanceContext,
): Promise<TaskResult> {
  const startedAt = clock.now();
  try {
    const { httpStatus, attempts } = await client.deleteTask(target, task.id);
    return { ...NO_REQUEST, outcome: 'deleted', httpStatus, attempts, durationMs: clock.now() - startedAt };
  } catch (error) {
    if (!(error instanceof DcsError)) throw error;
    if (error.kind === 'not-sent') return { ...NO_REQUEST, outcome: 'deferred', message: error.message };
    return {
      outcome: classifyDeleteError(error),
      httpStatus: error.httpStatus,
      errorCode: error.errorCode,
      message: error.message,
      requestId: error.requestId,
      attempts: error.attempts,
      durationMs: clock.now() - startedAt,
    };
  }
}

/** 404 means already gone (unless the instance itself is gone); DCS.4017/4957 mean "not now". */
function classifyDeleteError(error: DcsError): Outcome {
  const code = error.errorCode ?? '';
  if (error.httpStatus === 404 && error.kind === 'http' && !INSTANCE_GONE_CODES.has(code))
    return 'already-gone';
  if (NOT_NOW_CODES.has(code)) return 'skipped';
  return 'failed';
}
