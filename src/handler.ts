// The Lambda shell over `run`: scheduled or manual event in, RunSummary out, alerts and metrics on the side.
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { InputError } from './config/errors.js';
import { type CredentialSet, secretsOfSet, withCredentials } from './credentials/accounts.js';
import type { DoctorReport } from './doctor/doctor.js';
import { type Invocation, parseInvocation } from './lambda/invocation.js';
import { LambdaLogger } from './lambda/logger.js';
import { createMetrics, publishRunMetrics } from './lambda/metrics.js';
import { AlertNotPublishedError, publishEvents } from './lambda/publish.js';
import { alertBus, loadAccounts, loadConfig } from './lambda/settings.js';
import type { Config } from './model/config.js';
import { alertEvents, FAILED } from './report/events.js';
import { LogReporter } from './report/log-reporter.js';
import { answerSummary, type RunSummary } from './report/summary.js';
import { redactor, redactValues } from './text/redact.js';

/** Time kept back from the Lambda timeout for in-flight requests (10 s timeout) and the alert events. */
const MIN_SAFETY_MARGIN_MS = 15_000;

const logger = new LambdaLogger();
const metrics = createMetrics();
let config: Promise<Config> | undefined;

export async function handler(event: unknown, context: Context): Promise<RunSummary | DoctorReport> {
  logger.powertools.addContext(context);
  try {
    config ??= loadConfig(process.env);
    const invocation = parseInvocation(event);
    const loaded = await config;
    const keys = await loadAccounts(process.env, loaded);
    // Temporary credentials (the config's `accounts`) are fetched when first needed, per invocation.
    return await withCredentials(keys, loaded.sources, { env: process.env }, (accounts) => {
      const redact = redactor(() => secretsOfSet(accounts));
      logger.redactWith(redact);
      return invoke(invocation, loaded, accounts, redact, context);
    });
  } catch (error) {
    if (error instanceof InputError)
      logger.error('invocation rejected: nothing was sent', { issues: error.issues });
    throw error;
  }
}

/** A parsed invocation, with the accounts' credentials: doctor, or a run. */
async function invoke(
  invocation: Invocation,
  loaded: Config,
  accounts: CredentialSet,
  redact: (text: string) => string,
  context: Context,
): Promise<RunSummary | DoctorReport> {
  if (invocation.kind === 'doctor') {
    // The same checks as the CLI's, from inside the function: its network, its NAT, its secret.
    const { runDoctor } = await import('./doctor/doctor.js');
    const report = await runDoctor(loaded, accounts, {
      probeDelete: invocation.probeDelete,
      configSource: process.env.CLEANUP_CONFIG_PATH ?? 'CLEANUP_CONFIG',
      onLambda: true,
      onCheck: ({ status, ...check }) =>
        logger[status === 'fail' ? 'error' : status === 'warn' ? 'warn' : 'info']('doctor check', {
          status,
          ...check,
        }),
    });
    logger.info('doctor finished', { ok: report.ok, checks: report.checks.length });
    return report;
  }

  const runId = randomUUID();
  logger.powertools.setCorrelationId(runId);
  logger.info('invocation accepted', { runId, invocation: invocation.kind, request: invocation.request });
  // The engine (and its HTTP stack) loads once the invocation is accepted: a rejected one never pays for it.
  const [{ run }, { connectDcs }] = await Promise.all([import('./engine/run.js'), import('./dcs/client.js')]);
  const report = await run(
    loaded,
    { ...invocation.request, timeBudgetMs: timeBudgetMs(context) },
    { dcs: connectDcs(accounts), reporter: new LogReporter(logger), runId },
  );
  publishRunMetrics(metrics, report);
  // Task names and messages are the server's text: redacted value by value before anything leaves.
  const summary = redactValues(report.summary, redact);
  await alert(summary, context);
  // Every failure is in the logs; the answer keeps 100 per instance and 1,000 in all, under 1 MB.
  return answerSummary(summary);
}

/** Publishes Completed (and Failed when not ok); an unpublishable Failed event fails the invocation. */
async function alert(summary: RunSummary, context: Context): Promise<void> {
  const failures = await publishEvents(alertEvents(summary), {
    busName: alertBus(process.env),
    resources: context.invokedFunctionArn ? [context.invokedFunctionArn] : [],
  });
  for (const failure of failures) {
    logger.error('alert event not published', {
      runId: summary.runId,
      detailType: failure.event.detailType,
      reason: failure.reason,
    });
  }
  if (failures.some((failure) => failure.event.detailType === FAILED)) {
    throw new AlertNotPublishedError(
      `run ${summary.runId} was not ok and its failure event could not be published: ${failures[0]?.reason}`,
    );
  }
}

/** What is left of the Lambda timeout, less a safety margin, so a backlog ends as deferred, not as a timeout. */
function timeBudgetMs(context: Context): number | undefined {
  const remaining = context.getRemainingTimeInMillis?.();
  if (remaining === undefined) return undefined;
  return Math.max(0, remaining - Math.max(MIN_SAFETY_MARGIN_MS, remaining * 0.1));
}
