// The human-readable RunSummary that `run` prints when --json is not given: a table that leaves out
// counters that are 0 everywhere (and says so), or, where a terminal is too narrow for it, one short
// paragraph per instance.

import { printable } from '../text/printable.js';
import { OUTCOME_NAMES, OUTCOMES } from './outcomes.js';
import { COUNTER_KEYS, type Counters, type InstanceSummary, type RunSummary } from './summary.js';
import { clip, describeError, wrap } from './text.js';

const HEADINGS = {
  listed: 'listed',
  ignored: 'ignored',
  stale: 'stale',
  ...Object.fromEntries(OUTCOME_NAMES.map((outcome) => [outcome, OUTCOMES[outcome].heading])),
} as Record<keyof Counters, string>;
/** Shown even when 0 everywhere: they say what was looked at. */
const ALWAYS_SHOWN = new Set<keyof Counters>(['listed', 'stale']);
const MAX_FAILURES_SHOWN = 10;

export function renderSummaryTable(
  summary: RunSummary,
  width = Number.POSITIVE_INFINITY,
  incompleteBecause?: string,
): string {
  const counters = COUNTER_KEYS.filter((key) => ALWAYS_SHOWN.has(key) || summary.totals[key] > 0);
  const hidden = COUNTER_KEYS.filter((key) => !counters.includes(key));
  const accounts = new Set(summary.instances.map((instance) => instance.account));
  const showAccount = accounts.size > 1 || (accounts.size === 1 && !accounts.has('default'));
  const showSource = summary.fleets.length > 0;
  const locationHeadings = ['region', ...(showAccount ? ['account'] : []), ...(showSource ? ['source'] : [])];
  const where = (instance: InstanceSummary) => [
    instance.region,
    ...(showAccount ? [instance.account] : []),
    ...(showSource ? [instance.source] : []),
  ];
  const note = (instance: InstanceSummary) =>
    instance.error ? describeError(instance.error) : instance.vanished ? 'vanished since discovery' : '';

  const rows = [
    ['instance', ...locationHeadings, ...counters.map((key) => HEADINGS[key]), 'note'],
    ...summary.instances.map((instance) => [
      instance.instanceId,
      ...where(instance),
      ...counters.map((key) => String(instance[key])),
      note(instance),
    ]),
    ['total', ...locationHeadings.map(() => ''), ...counters.map((key) => String(summary.totals[key])), ''],
  ];
  const table = layout(rows, 1 + locationHeadings.length, counters.length, width);
  // Too narrow for a table (a terminal of 80 columns, say): one short paragraph per instance instead.
  const body = table.fits
    ? [
        ...table.lines,
        ...(hidden.length > 0
          ? [clip(`(0 everywhere, not shown: ${hidden.map((key) => HEADINGS[key]).join(', ')})`, width)]
          : []),
      ]
    : [
        ...summary.instances.flatMap((instance) => [
          clip([instance.instanceId, ...where(instance)].join('  '), width),
          ...wrap(
            `    ${describeCounters(instance)}${note(instance) ? ` · ${note(instance)}` : ''}`,
            width,
            '    ',
          ),
        ]),
        ...wrap(`total: ${describeCounters(summary.totals)}`, width, '    '),
      ];

  const seconds = (Date.parse(summary.finishedAt) - Date.parse(summary.startedAt)) / 1000;
  // The outcome first, so that no width can cut it off.
  const out = [
    clip(
      `${runOutcome(summary, incompleteBecause)}${summary.dryRun ? ' (dry run: nothing deleted)' : ''} · run ${summary.runId}`,
      width,
    ),
    clip(`${summary.startedAt} → ${summary.finishedAt} (${seconds.toFixed(1)} s)`, width),
    '',
    ...body,
  ];
  if (summary.fleets.length > 0) {
    out.push('', 'Fleets:');
    summary.fleets.forEach((fleet, index) => {
      const head = `  fleets[${index}] ${fleet.region} project ${fleet.projectId} account ${fleet.account}`;
      const result = fleet.error
        ? `not discovered: ${describeError(fleet.error)}`
        : `${fleet.matched} matched, ${fleet.notRunning} not running${fleet.ignored ? `, ${fleet.ignored} ignored` : ''}`;
      out.push(...wrap(`${head}: ${result}`, width, '    '));
    });
  }
  const failures = summary.instances.flatMap((instance) =>
    instance.failures.map((failure) => ({ instanceId: instance.instanceId, ...failure })),
  );
  if (failures.length > 0) {
    out.push(
      '',
      `Failed tasks (${failures.length}${failures.length > MAX_FAILURES_SHOWN ? `, first ${MAX_FAILURES_SHOWN} shown` : ''}):`,
    );
    for (const failure of failures.slice(0, MAX_FAILURES_SHOWN)) {
      const text = `  ${failure.instanceId} ${failure.taskId} ${printable(failure.taskName)}: ${describeError(failure)} after ${failure.attempts} attempt(s)`;
      out.push(...wrap(text, width, '    '));
    }
  }
  return `${out.join('\n')}\n`;
}

/**
 * The run's outcome first: `ok`, `PARTIAL (time budget)` (nothing failed, work left for the next run),
 * `NOT OK` (something failed) or `INCOMPLETE` (work left undone for another reason), with why when it is
 * known: `INCOMPLETE (SIGTERM)`.
 */
export function runOutcome(
  summary: Pick<RunSummary, 'ok' | 'complete' | 'status'>,
  incompleteBecause?: string,
): string {
  if (summary.ok) return 'ok';
  if (summary.status === 'partial') return `PARTIAL (${incompleteBecause ?? 'time budget'})`;
  if (summary.complete) return 'NOT OK';
  return incompleteBecause ? `INCOMPLETE (${incompleteBecause})` : 'INCOMPLETE';
}

/** `141 listed · 104 stale: 101 deleted, 3 skipped`: the counters that are not 0. */
function describeCounters(counters: Counters): string {
  const outcomes = COUNTER_KEYS.filter(
    (key) => !ALWAYS_SHOWN.has(key) && key !== 'ignored' && counters[key] > 0,
  ).map((key) => `${counters[key]} ${HEADINGS[key]}`);
  const ignored = counters.ignored > 0 ? ` · ${counters.ignored} ignored` : '';
  return `${counters.listed} listed${ignored} · ${counters.stale} stale${outcomes.length > 0 ? `: ${outcomes.join(', ')}` : ''}`;
}

/** Aligned rows (counters right-aligned); the last column (the note) is cut to what is left of `width`. */
function layout(rows: string[][], firstCounter: number, counterCount: number, width: number) {
  const columns = rows[0]?.length ?? 0;
  const widths = Array.from({ length: columns }, (_, column) =>
    Math.max(...rows.map((row) => (row[column] ?? '').length)),
  );
  const fixedWidth = widths.slice(0, -1).reduce((sum, w) => sum + w + 2, 0);
  const lines = rows.map((row) =>
    clip(
      row
        .map((cell, column) =>
          column >= firstCounter && column < firstCounter + counterCount
            ? cell.padStart(widths[column] ?? 0)
            : cell.padEnd(widths[column] ?? 0),
        )
        .join('  ')
        .trimEnd(),
      width,
    ),
  );
  // The fixed columns must fit, with room for a useful part of the note.
  return { lines, fits: fixedWidth + Math.min(widths[columns - 1] ?? 0, 20) <= width };
}
