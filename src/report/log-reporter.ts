// The run's events as structured log records (docs/logs.md): one per stale task, one per problem, and the
// summary at the end. The CLI writes them as JSON lines; the Lambda through Powertools Logger.
import { shownTaskName } from '../text/cut.js';
import type { Logger } from './logger.js';
import { OUTCOMES } from './outcomes.js';
import type { RunReporter } from './reporter.js';
import { loggableSummary } from './summary.js';

export class LogReporter implements RunReporter {
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  runStarted(event: Parameters<RunReporter['runStarted']>[0]): void {
    this.#logger.info('run started', { ...event });
  }

  fleetDiscovered({ runId, index, fleet, error }: Parameters<RunReporter['fleetDiscovered']>[0]): void {
    const { error: summaryError, ...counts } = fleet;
    if (summaryError) {
      this.#logger.error('fleet not discovered: none of its instances is cleaned', {
        runId,
        fleet: index,
        region: fleet.region,
        projectId: fleet.projectId,
        account: fleet.account,
        httpStatus: summaryError.httpStatus,
        errorCode: summaryError.errorCode,
        requestId: error?.requestId ?? null,
        attempts: error?.attempts ?? 0,
        error: summaryError.message,
      });
    } else {
      this.#logger.info('fleet discovered', { runId, fleet: index, ...counts });
    }
  }

  recordIgnored({
    runId,
    kind,
    scope,
    instanceId,
    record,
  }: Parameters<RunReporter['recordIgnored']>[0]): void {
    const where = { runId, region: scope.region, projectId: scope.projectId };
    if (kind === 'task') {
      this.#logger.warn('task record ignored', {
        ...where,
        instanceId,
        taskId: record.rawId,
        reason: record.reason,
      });
    } else {
      this.#logger.warn('instance record ignored', {
        ...where,
        instanceId: record.rawId,
        reason: record.reason,
      });
    }
  }

  recordsIgnored({
    runId,
    kind,
    scope,
    instanceId,
    byReason,
    notLogged,
  }: Parameters<RunReporter['recordsIgnored']>[0]): void {
    const count = Object.values(byReason).reduce((sum, n) => sum + n, 0);
    this.#logger.warn(`${kind} records ignored`, {
      runId,
      region: scope.region,
      projectId: scope.projectId,
      ...(kind === 'task' ? { instanceId } : {}),
      count,
      notLogged,
      byReason,
    });
  }

  cleaningStarted(event: Parameters<RunReporter['cleaningStarted']>[0]): void {
    this.#logger.info('cleaning started', { ...event });
  }

  instanceListed(): void {}

  instanceFailed({
    runId,
    target,
    listed,
    error,
    message,
  }: Parameters<RunReporter['instanceFailed']>[0]): void {
    this.#logger.error('instance not listed: nothing deleted', {
      runId,
      instanceId: target.instanceId,
      listed,
      httpStatus: error.httpStatus,
      errorCode: error.errorCode,
      requestId: error.requestId,
      attempts: error.attempts,
      error: message,
    });
  }

  instanceVanished({ runId, target }: Parameters<RunReporter['instanceVanished']>[0]): void {
    this.#logger.info('instance vanished since discovery: nothing to clean', {
      runId,
      instanceId: target.instanceId,
      projectId: target.projectId,
    });
  }

  /** The per-task record of docs/logs.md: every key present, null where it does not apply. */
  taskOutcome({ runId, target, task, result }: Parameters<RunReporter['taskOutcome']>[0]): void {
    const { name } = OUTCOMES[result.outcome];
    const text = result.message ? `task ${name}: ${result.message}` : `task ${name}`;
    this.#logger[OUTCOMES[result.outcome].level](text, {
      runId,
      instanceId: target.instanceId,
      taskId: task.id,
      taskName: shownTaskName(task.name),
      taskStatus: task.status,
      createdAt: task.createdAt,
      outcome: name,
      httpStatus: result.httpStatus,
      errorCode: result.errorCode,
      attempts: result.attempts,
      durationMs: result.durationMs,
      requestId: result.requestId,
    });
  }

  /** Deferred tasks in one record per instance and reason, however many (docs/bounds.md). */
  tasksDeferred({ runId, target, ...rest }: Parameters<RunReporter['tasksDeferred']>[0]): void {
    this.#logger.info('tasks deferred', { runId, instanceId: target.instanceId, ...rest });
  }

  instanceFinished(): void {}

  requestSent(): void {}

  endpointUnavailable({
    runId,
    endpoint,
    deferred,
    instancesNotListed,
  }: Parameters<RunReporter['endpointUnavailable']>[0]): void {
    this.#logger.error('endpoint unavailable', {
      runId,
      endpoint: endpoint.endpoint,
      error: endpoint.lastError,
      deferred,
      instancesNotListed,
    });
  }

  credentialsUnavailable({
    runId,
    account,
    deferred,
    instancesNotListed,
  }: Parameters<RunReporter['credentialsUnavailable']>[0]): void {
    this.#logger.error('credentials unavailable', {
      runId,
      account: account.account,
      source: account.source,
      error: account.error,
      deferred,
      instancesNotListed,
    });
  }

  runFinished({ runId, summary, stats, incompleteBecause }: Parameters<RunReporter['runFinished']>[0]): void {
    const level = { ok: 'info', partial: 'warn', failed: 'error' } as const;
    this.#logger[level[summary.status]]('run finished', {
      runId,
      status: summary.status,
      ...(incompleteBecause ? { incompleteBecause } : {}),
      summary: loggableSummary(summary),
      stats,
    });
  }

  warning(message: string, fields: Record<string, unknown>): void {
    this.#logger.warn(message, fields);
  }
}
