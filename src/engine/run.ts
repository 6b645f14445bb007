// The one cleanup run that both the CLI and the Lambda handler call.
import { randomUUID } from 'node:crypto';
import { planRun, type RunRequest } from '../config/plan.js';
import type { Config } from '../config/schema.js';
import { AuthGuard } from '../dcs/auth-guard.js';
import { type AttemptReport, DcsClient } from '../dcs/client.js';
import type { Credentials } from '../dcs/signer.js';
import { type Clock, systemClock } from '../http/clock.js';
import { Pacer } from '../http/pacer.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../http/retry.js';
import type { Logger } from '../report/logger.js';
import { loggableSummary, type Outcome, type RunSummary, sumCounters } from '../report/summary.js';
import { cleanInstance } from './instance.js';

export interface RunDeps {
  credentials: Credentials;
  logger: Logger;
  clock?: Clock;
  /** Backoff timing (tests shorten it); maxAttempts always comes from the config. */
  retry?: Partial<Omit<RetryPolicy, 'maxAttempts'>>;
  requestTimeoutMs?: number;
  pageSize?: number;
  runId?: string;
  onProgress?: (progress: Progress) => void;
}

/** Request-level figures that the summary does not carry (for metrics and benchmarks). */
export interface RunStats {
  requests: number;
  retries: number;
  throttled: number;
  authFailures: number;
  durationMs: number;
}

export interface RunReport {
  summary: RunSummary;
  stats: RunStats;
}

export interface Progress {
  instancesDone: number;
  instancesTotal: number;
  outcomes: Record<Outcome, number>;
}

export async function run(config: Config, request: RunRequest, deps: RunDeps): Promise<RunReport> {
  const plan = planRun(config, request);
  const clock = deps.clock ?? systemClock;
  const runId = deps.runId ?? randomUUID();
  const startedAt = clock.now();
  const deadline = request.timeBudgetMs === undefined ? undefined : startedAt + request.timeBudgetMs;
  const stats: RunStats = { requests: 0, retries: 0, throttled: 0, authFailures: 0, durationMs: 0 };
  const authGuard = new AuthGuard();
  const client = new DcsClient({
    credentials: deps.credentials,
    pacer: new Pacer(config.limits, clock),
    retry: { ...DEFAULT_RETRY, ...deps.retry, maxAttempts: config.limits.maxAttempts },
    clock,
    authGuard,
    deadline,
    requestTimeoutMs: deps.requestTimeoutMs,
    pageSize: deps.pageSize,
    onAttempt: (attempt: AttemptReport) => {
      stats.requests++;
      if (attempt.willRetry) stats.retries++;
      if (attempt.httpStatus === 429) stats.throttled++;
    },
  });

  const progress: Progress = {
    instancesDone: 0,
    instancesTotal: plan.targets.length,
    outcomes: { deleted: 0, 'already-gone': 0, 'would-delete': 0, skipped: 0, deferred: 0, failed: 0 },
  };
  const context = {
    runId,
    dryRun: plan.dryRun,
    client,
    clock,
    logger: deps.logger,
    workers: config.limits.concurrency,
    onTaskOutcome: (outcome: Outcome) => {
      progress.outcomes[outcome]++;
      deps.onProgress?.(progress);
    },
  };
  deps.logger.info('run started', {
    runId,
    dryRun: plan.dryRun,
    instances: plan.targets.length,
    timeBudgetMs: request.timeBudgetMs ?? null,
  });

  let results: Awaited<ReturnType<typeof cleanInstance>>[];
  try {
    results = await Promise.all(
      plan.targets.map(async (target) => {
        const result = await cleanInstance(target, context);
        progress.instancesDone++;
        deps.onProgress?.(progress);
        return result;
      }),
    );
  } finally {
    await client.close();
  }

  const instances = results.map((result) => result.summary);
  const complete = results.every((result) => !result.interrupted && result.summary.error === undefined);
  const totals = sumCounters(instances);
  const finishedAt = clock.now();
  stats.authFailures = authGuard.failures;
  stats.durationMs = finishedAt - startedAt;
  const summary: RunSummary = {
    runId,
    dryRun: plan.dryRun,
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date(finishedAt).toISOString(),
    complete,
    ok: complete && totals.failed === 0,
    totals,
    instances,
  };
  const level = summary.ok ? 'info' : 'error';
  deps.logger[level]('run finished', { runId, summary: loggableSummary(summary), stats });
  return { summary, stats };
}
