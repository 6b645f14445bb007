// One instance's cleanup: list every page, select the stale tasks, then delete them.
import type { Target } from '../config/schema.js';
import type { DcsClient } from '../dcs/client.js';
import { DcsError, INSTANCE_GONE_CODES, malformedError, NOT_NOW_CODES } from '../dcs/errors.js';
import type { Clock } from '../http/clock.js';
import { selectStale, type TaskRecord } from '../policy/select.js';
import type { Logger } from '../report/logger.js';
import { type InstanceSummary, OUTCOME_COUNTER, type Outcome, zeroCounters } from '../report/summary.js';

export interface InstanceContext {
  runId: string;
  dryRun: boolean;
  client: DcsClient;
  clock: Clock;
  logger: Logger;
  /** Deletes in flight per instance; the shared pacer bounds the whole run. */
  workers: number;
  onTaskOutcome?: (outcome: Outcome) => void;
}

export interface InstanceResult {
  summary: InstanceSummary;
  /** Work was left undone because the run stopped sending (time budget or authentication halt). */
  interrupted: boolean;
}

interface TaskResult {
  outcome: Outcome;
  httpStatus: number | null;
  errorCode: string | null;
  message: string | null;
  requestId: string | null;
  attempts: number;
  durationMs: number | null;
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
  const summary: InstanceSummary = {
    instanceId: target.instanceId,
    projectId: target.projectId,
    region: target.region,
    ...zeroCounters(),
    failures: [],
  };
  const listing = await listAll(target, context);
  summary.listed = listing.listed;
  if (listing.error) {
    summary.error = listing.error.toSummaryError();
    context.logger.error('instance not listed: nothing deleted', {
      runId: context.runId,
      instanceId: target.instanceId,
      listed: listing.listed,
      httpStatus: listing.error.httpStatus,
      errorCode: listing.error.errorCode,
      requestId: listing.error.requestId,
      attempts: listing.error.attempts,
      error: listing.error.message,
    });
    return { summary, interrupted: listing.error.kind === 'not-sent' };
  }

  const { stale, toDelete, deferred } = selectStale(listing.tasks, target.policy, context.clock.now());
  summary.stale = stale.length;
  let interrupted = false;
  const record = (task: TaskRecord, result: TaskResult) => {
    summary[OUTCOME_COUNTER[result.outcome]]++;
    if (result.outcome === 'failed') {
      summary.failures.push({
        taskId: task.id,
        taskName: task.name,
        httpStatus: result.httpStatus,
        errorCode: result.errorCode,
        message: result.message ?? 'failed',
        attempts: result.attempts,
      });
    }
    logTaskOutcome(context, target, task, result);
    context.onTaskOutcome?.(result.outcome);
  };

  for (const task of deferred) record(task, { outcome: 'deferred', ...NO_REQUEST });
  if (context.dryRun) {
    for (const task of toDelete) record(task, { outcome: 'would-delete', ...NO_REQUEST });
  } else {
    const queue = toDelete.values();
    const worker = async () => {
      for (const task of queue) {
        const result = await deleteOne(target, task, context);
        if (result.outcome === 'deferred') interrupted = true;
        record(task, result);
      }
    };
    await Promise.all(Array.from({ length: Math.min(context.workers, toDelete.length) }, worker));
  }
  return { summary, interrupted };
}

async function listAll(target: Target, { client, logger, runId }: InstanceContext) {
  const seen = new Set<string>();
  const tasks: TaskRecord[] = [];
  try {
    for await (const page of client.listTasks(target)) {
      const before = seen.size;
      for (const task of page.tasks) {
        if (seen.has(task.id)) continue;
        seen.add(task.id);
        tasks.push(task);
      }
      for (const invalid of page.invalid) {
        logger.warn('task record ignored: it cannot be judged', {
          runId,
          instanceId: target.instanceId,
          ...invalid,
        });
      }
      if (page.tasks.length > 0 && seen.size === before && page.records >= client.pageSize) {
        throw malformedError('listing did not advance: a full page repeated tasks already seen', 200, 1);
      }
    }
    return { listed: seen.size, tasks, error: undefined };
  } catch (error) {
    if (!(error instanceof DcsError)) throw error;
    return { listed: seen.size, tasks: [], error };
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
  if (error.httpStatus === 404 && !INSTANCE_GONE_CODES.has(code)) return 'already-gone';
  if (NOT_NOW_CODES.has(code)) return 'skipped';
  return 'failed';
}

const LOG_LEVEL: Record<Outcome, 'info' | 'warn' | 'error'> = {
  deleted: 'info',
  'already-gone': 'info',
  'would-delete': 'info',
  deferred: 'info',
  skipped: 'warn',
  failed: 'error',
};

/** The per-task record of contract §5: every key present, null where it does not apply. */
function logTaskOutcome(
  context: InstanceContext,
  target: Target,
  task: TaskRecord,
  result: TaskResult,
): void {
  const text = result.message ? `task ${result.outcome}: ${result.message}` : `task ${result.outcome}`;
  context.logger[LOG_LEVEL[result.outcome]](text, {
    runId: context.runId,
    instanceId: target.instanceId,
    taskId: task.id,
    taskName: task.name,
    taskStatus: task.status,
    createdAt: task.createdAt,
    outcome: result.outcome,
    httpStatus: result.httpStatus,
    errorCode: result.errorCode,
    attempts: result.attempts,
    durationMs: result.durationMs,
    requestId: result.requestId,
  });
}
