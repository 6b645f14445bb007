// The human-readable RunSummary that `run` prints when --json is not given.
import { COUNTER_KEYS, type Counters, type RunSummary } from './summary.js';

const HEADINGS: Record<keyof Counters, string> = {
  listed: 'listed',
  stale: 'stale',
  deleted: 'deleted',
  alreadyGone: 'gone',
  wouldDelete: 'would-del',
  skipped: 'skipped',
  deferred: 'deferred',
  failed: 'failed',
};
const MAX_FAILURES_SHOWN = 10;

export function renderSummaryTable(summary: RunSummary): string {
  const rows = [
    ['instance', 'region', ...COUNTER_KEYS.map((key) => HEADINGS[key]), 'error'],
    ...summary.instances.map((instance) => [
      instance.instanceId,
      instance.region,
      ...COUNTER_KEYS.map((key) => String(instance[key])),
      instance.error ? describeError(instance.error) : '',
    ]),
    ['total', '', ...COUNTER_KEYS.map((key) => String(summary.totals[key])), ''],
  ];
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  const line = (row: string[]) =>
    row
      .map((cell, column) =>
        column >= 2 && column < 2 + COUNTER_KEYS.length
          ? cell.padStart(widths[column] ?? 0)
          : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();

  const state = `${summary.complete ? 'complete' : 'INCOMPLETE'}, ${summary.ok ? 'ok' : 'NOT OK'}`;
  const out = [
    `Run ${summary.runId}${summary.dryRun ? ' (dry run: nothing deleted)' : ''}: ${state}`,
    `${summary.startedAt} → ${summary.finishedAt}`,
    '',
    ...rows.map(line),
  ];
  const failures = summary.instances.flatMap((instance) =>
    instance.failures.map((failure) => ({ instanceId: instance.instanceId, ...failure })),
  );
  if (failures.length > 0) {
    out.push(
      '',
      `Failed tasks (${failures.length}${failures.length > MAX_FAILURES_SHOWN ? `, first ${MAX_FAILURES_SHOWN} shown` : ''}):`,
    );
    for (const failure of failures.slice(0, MAX_FAILURES_SHOWN)) {
      out.push(
        `  ${failure.instanceId} ${failure.taskId} ${failure.taskName}: ${describeError(failure)} after ${failure.attempts} attempt(s)`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}

function describeError(error: {
  httpStatus: number | null;
  errorCode: string | null;
  message: string;
}): string {
  const head = [error.httpStatus, error.errorCode].filter((part) => part !== null).join(' ');
  return head ? `${head} ${error.message}` : error.message;
}
