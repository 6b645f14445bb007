// The run as people read it on a terminal (docs/cli.md, "Terminal view"): a live progress line, and one readable line per
// task that ends failed, skipped or deferred and per instance or fleet problem. Routine outcomes are only
// counted, unless verbose. Everything the API sent is made printable before it reaches the terminal.
import { createColors } from 'picocolors';
import type { AttemptReport } from '../http/retry.js';
import { DEFER_REASONS } from '../model/reasons.js';
import { OUTCOMES, type Outcome } from '../report/outcomes.js';
import type { RunReporter } from '../report/reporter.js';
import { runOutcome } from '../report/table.js';
import { describeError, wrapParts } from '../report/text.js';
import { shownTaskName } from '../text/cut.js';
import { printable } from '../text/printable.js';
import { attemptParts, formatAge, instanceLabel, plural, resultParts } from './lines.js';
import { ProgressLine } from './progress.js';

export interface TerminalOptions {
  /** Print routine outcomes (deleted, already gone, would delete) and listings too. */
  verbose: boolean;
  /** ANSI colours. */
  color: boolean;
  /** A progress line redrawn in place (a real terminal only). */
  live: boolean;
  /** Columns to fit. */
  width: number;
  now?: () => number;
}

type Out = { write(text: string): unknown };
/** A line's label and how to paint it. */
type Label = readonly [text: string, paint: (text: string) => string];

const LABEL_WIDTH = 9;
/**
 * Problem lines shown per instance (or project); the rest are counted in one `(… N more)` line. Routine
 * lines (--verbose) are never held back.
 */
export const PROBLEM_LINES_PER_INSTANCE = 20;
export class TerminalView implements RunReporter {
  readonly #out: Out;
  readonly #options: TerminalOptions;
  readonly #paint: ReturnType<typeof createColors>;
  readonly #now: () => number;
  /** Problem lines printed and held back, per instance id (or project id, for instance records). */
  readonly #problems = new Map<string, { shown: number; held: number }>();
  readonly #progress: ProgressLine;

  constructor(out: Out, options: TerminalOptions) {
    this.#out = out;
    this.#options = options;
    this.#paint = createColors(options.color);
    this.#now = options.now ?? Date.now;
    this.#progress = new ProgressLine(out, {
      live: options.live,
      width: options.width,
      now: this.#now,
      paint: this.#paint.dim,
    });
  }

  runStarted({ runId, dryRun, instances, fleets }: Parameters<RunReporter['runStarted']>[0]): void {
    this.#progress.start();
    const what = [plural(instances, 'instance'), ...(fleets > 0 ? [plural(fleets, 'fleet')] : [])].join(
      ' and ',
    );
    this.#line(
      [dryRun ? 'DRY RUN' : 'run', dryRun ? this.#paint.yellow : this.#paint.dim],
      [...(dryRun ? ['nothing is deleted', `run ${runId}`] : [runId]), `${what} configured`],
    );
  }

  fleetDiscovered({ index, fleet }: Parameters<RunReporter['fleetDiscovered']>[0]): void {
    const where = `fleets[${index}] ${fleet.region} project ${fleet.projectId} (${fleet.account})`;
    if (fleet.error) {
      this.#line(this.#error(), [
        where,
        `not discovered: ${describeError(fleet.error)}`,
        'none of its instances is cleaned',
      ]);
    } else {
      const ignored = fleet.ignored > 0 ? [`${fleet.ignored} records ignored`] : [];
      this.#line(
        ['fleet', this.#paint.cyan],
        [where, `${fleet.matched} matched`, `${fleet.notRunning} not running`, ...ignored],
      );
    }
  }

  recordIgnored({ kind, instanceId, scope, record }: Parameters<RunReporter['recordIgnored']>[0]): void {
    const where = kind === 'task' ? `on instance ${instanceId}` : `in project ${scope.projectId}`;
    this.#problem(
      instanceId ?? scope.projectId,
      ['ignored', this.#paint.yellow],
      [`${kind} record ${record.rawId ?? '(no id)'}`, where, record.reason],
    );
  }

  recordsIgnored({
    kind,
    instanceId,
    scope,
    byReason,
    notLogged,
  }: Parameters<RunReporter['recordsIgnored']>[0]) {
    const where = kind === 'task' ? `on instance ${instanceId}` : `in project ${scope.projectId}`;
    const reasons = Object.entries(byReason).map(([reason, count]) => `${count} ${reason}`);
    this.#line(['ignored', this.#paint.yellow], [`${notLogged} more ${kind} records`, where, ...reasons]);
  }

  cleaningStarted({ instances }: Parameters<RunReporter['cleaningStarted']>[0]): void {
    this.#progress.instancesKnown(instances);
  }

  instanceListed({ target, listed, ignored, stale }: Parameters<RunReporter['instanceListed']>[0]): void {
    this.#progress.staleFound(stale);
    if (this.#options.verbose) {
      this.#line(
        ['listed', this.#paint.dim],
        [
          instanceLabel(target),
          `${listed} tasks`,
          ...(ignored > 0 ? [`${ignored} ignored`] : []),
          `${stale} stale`,
        ],
      );
    }
  }

  instanceFailed({ target, error, message }: Parameters<RunReporter['instanceFailed']>[0]): void {
    this.#line(this.#error(), [
      `${instanceLabel(target)} not listed, nothing deleted:`,
      describeError({ ...error.toSummaryError(), message }),
      ...attemptParts(error.attempts, error.requestId),
    ]);
  }

  instanceVanished({ target }: Parameters<RunReporter['instanceVanished']>[0]): void {
    this.#line(
      ['vanished', this.#paint.dim],
      [instanceLabel(target), 'deleted since discovery: nothing to clean'],
    );
  }

  taskOutcome({ target, task, result }: Parameters<RunReporter['taskOutcome']>[0]): void {
    // Deferred tasks are counted by tasksDeferred (this is the verbose line of one of them).
    if (result.outcome !== 'deferred') this.#progress.handled(result.outcome);
    const routine = OUTCOMES[result.outcome].routine;
    if (routine && !this.#options.verbose) return;
    const parts = [
      `${shownTaskName(task.name) || '(no name)'} ${task.id}, ${formatAge(this.#now() - task.createdAtMs)} old`,
      `on ${instanceLabel(target)}`,
      ...resultParts(result),
    ];
    if (routine) this.#line(this.#outcomeLabel(result.outcome), parts);
    else this.#problem(target.instanceId, this.#outcomeLabel(result.outcome), parts);
  }

  tasksDeferred({
    target,
    count,
    reason,
    oldestCreatedAt,
    newestCreatedAt,
  }: Parameters<RunReporter['tasksDeferred']>[0]) {
    this.#progress.handled('deferred', count);
    const ages = [newestCreatedAt, oldestCreatedAt].map((at) =>
      at === null ? undefined : formatAge(this.#now() - Date.parse(at)),
    );
    const created =
      ages[0] && ages[1] ? [ages[0] === ages[1] ? `${ages[0]} old` : `${ages[0]} to ${ages[1]} old`] : [];
    this.#problem(target.instanceId, this.#outcomeLabel('deferred'), [
      `${plural(count, 'task')}`,
      `on ${instanceLabel(target)}`,
      `${DEFER_REASONS[reason].deferred}: next run`,
      ...created,
    ]);
  }

  instanceFinished({ summary }: Parameters<RunReporter['instanceFinished']>[0]): void {
    this.#progress.instanceDone();
    const held = this.#problems.get(summary.instanceId)?.held ?? 0;
    if (held > 0) this.#line(['', (text) => text], [`(… ${held} more on instance ${summary.instanceId})`]);
  }

  requestSent(_attempt: AttemptReport): void {
    this.#progress.requestSent();
  }

  endpointUnavailable({
    endpoint,
    deferred,
    instancesNotListed,
  }: Parameters<RunReporter['endpointUnavailable']>[0]): void {
    this.#line(this.#error(), [
      `endpoint ${endpoint.endpoint} unavailable: ${endpoint.lastError}`,
      'no further request was sent to it',
      `${plural(deferred, 'task')} deferred`,
      `${plural(instancesNotListed, 'instance')} not listed`,
    ]);
  }

  credentialsUnavailable({
    account,
    deferred,
    instancesNotListed,
  }: Parameters<RunReporter['credentialsUnavailable']>[0]): void {
    this.#line(this.#error(), [
      `account ${account.account} stopped: ${account.error}`,
      `${plural(deferred, 'task')} deferred`,
      `${plural(instancesNotListed, 'instance')} not listed`,
    ]);
  }

  runFinished({ summary, stats, incompleteBecause }: Parameters<RunReporter['runFinished']>[0]): void {
    this.close();
    const { totals } = summary;
    const outcomes = this.#progress.outcomeCounts();
    const outcome = runOutcome(summary, incompleteBecause);
    const mark: Label = [outcome, outcome === 'ok' ? this.#paint.green : this.#error()[1]];
    this.#line(mark, [
      ...(summary.dryRun ? ['dry run: nothing deleted'] : []),
      `in ${(stats.durationMs / 1000).toFixed(1)} s`,
      `${summary.instances.length} instances`,
      `${totals.stale} stale${outcomes.length > 0 ? `: ${outcomes.join(', ')}` : ''}`,
      `${stats.requests} requests (${stats.retries} retried)`,
      ...(summary.complete ? [] : ['work left for the next run']),
    ]);
  }

  warning(message: string, fields: Record<string, unknown>): void {
    const details = Object.entries(fields).map(([key, value]) => `${key} ${String(value)}`);
    this.#line(['warning', this.#paint.yellow], [message, ...details]);
  }

  /** Stops redrawing and clears the progress line (also when a run ends early). */
  close(): void {
    this.#progress.stop();
  }

  #outcomeLabel(outcome: Outcome): Label {
    const { red, bold, yellow, magenta, green } = this.#paint;
    const { label, tone } = OUTCOMES[outcome];
    const paint = { good: green, warn: yellow, later: magenta, bad: (text: string) => red(bold(text)) }[tone];
    return [label, paint];
  }

  #error(): Label {
    return ['ERROR', (text) => this.#paint.red(this.#paint.bold(text))];
  }

  /** A line about one instance's (or project's) problem: at most PROBLEM_LINES_PER_INSTANCE of them. */
  #problem(key: string, label: Label, parts: string[]): void {
    const count = this.#problems.get(key) ?? { shown: 0, held: 0 };
    this.#problems.set(key, count);
    if (count.shown >= PROBLEM_LINES_PER_INSTANCE) {
      count.held++;
      return;
    }
    count.shown++;
    this.#line(label, parts);
  }

  /**
   * One record: a label column (padded, then painted), then the parts wrapped under it. Every part passes
   * printable here, so no text from a response reaches the terminal raw, whichever field it came in.
   */
  #line([label, paint]: Label, parts: string[]): void {
    const head = paint(label.padEnd(LABEL_WIDTH - 1));
    const indent = ' '.repeat(LABEL_WIDTH);
    const lines = wrapParts(parts.map(printable), this.#options.width - LABEL_WIDTH, '', ' · ');
    this.#print(
      lines.map((text, index) => (index === 0 ? `${head} ${text}` : `${indent}${text}`)).join('\n'),
    );
  }

  #print(text: string): void {
    this.#progress.clear();
    this.#out.write(`${text}\n`);
    this.#progress.draw(true);
  }
}
