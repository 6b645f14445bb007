// The run as people read it on a terminal (contract §9): a live progress line, and one readable line per
// task that ends failed, skipped or deferred and per instance or fleet problem. Routine outcomes are only
// counted, unless verbose. Everything the API sent is made printable before it reaches the terminal.
import { createColors } from 'picocolors';
import type { AttemptReport } from '../http/retry.js';
import type { Target } from '../model/config.js';
import type { DeferReason, RunReporter, TaskResult } from '../report/reporter.js';
import type { Outcome } from '../report/summary.js';
import { runOutcome } from '../report/table.js';
import { clip, describeError, wrapParts } from '../report/text.js';
import { printable } from '../text/printable.js';

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

const CLEAR_LINE = '\r\x1b[2K';
const REDRAW_EVERY_MS = 100;
/** The clock and rate move even when nothing happens. */
const TICK_MS = 250;
const RATE_WINDOW_MS = 2_000;
const LABEL_WIDTH = 9;
/** Problem lines shown per instance (or project); the rest are counted in one `(… N more)` line. */
export const PROBLEM_LINES_PER_INSTANCE = 20;
const DEFER_WORDS: Record<DeferReason, string> = {
  cap: 'over maxDeletesPerInstance',
  budget: 'the time budget ran out',
  interrupted: 'the run was stopped',
};
const ROUTINE: ReadonlySet<Outcome> = new Set(['deleted', 'already-gone', 'would-delete']);
const OUTCOME_WORDS: Record<Outcome, string> = {
  deleted: 'deleted',
  'already-gone': 'gone',
  'would-delete': 'would delete',
  skipped: 'skipped',
  deferred: 'deferred',
  failed: 'failed',
};

/**
 * Colours only on a terminal, never with NO_COLOR (set and not empty, as no-color.org says), nor when the
 * terminal says it has none (TERM=dumb, …: Node's hasColors, which would also count an empty NO_COLOR).
 */
export function colorsWanted(
  stream: { isTTY?: boolean; hasColors?: (env?: object) => boolean },
  env: Record<string, string | undefined>,
): boolean {
  const { NO_COLOR: noColor, ...rest } = env;
  if (!stream.isTTY || noColor) return false;
  return typeof stream.hasColors === 'function' ? stream.hasColors(rest) : true;
}

export class TerminalView implements RunReporter {
  readonly #out: Out;
  readonly #options: TerminalOptions;
  readonly #paint: ReturnType<typeof createColors>;
  readonly #now: () => number;
  #startedAt = 0;
  #instancesTotal = 0;
  #instancesDone = 0;
  #stale = 0;
  #handled = 0;
  readonly #outcomes: Record<Outcome, number> = {
    deleted: 0,
    'already-gone': 0,
    'would-delete': 0,
    skipped: 0,
    deferred: 0,
    failed: 0,
  };
  #requests = 0;
  readonly #recent: number[] = [];
  /** Problem lines printed and held back, per instance id (or project id, for instance records). */
  readonly #problems = new Map<string, { shown: number; held: number }>();
  #timer: NodeJS.Timeout | undefined;
  /** Between runStarted and close: the progress line may be drawn. */
  #running = false;
  #drawn = false;
  #lastDrawAt = 0;

  constructor(out: Out, options: TerminalOptions) {
    this.#out = out;
    this.#options = options;
    this.#paint = createColors(options.color);
    this.#now = options.now ?? Date.now;
  }

  runStarted({ runId, dryRun, instances, fleets }: Parameters<RunReporter['runStarted']>[0]): void {
    this.#startedAt = this.#now();
    this.#running = true;
    const what = [plural(instances, 'instance'), ...(fleets > 0 ? [plural(fleets, 'fleet')] : [])].join(
      ' and ',
    );
    this.#line(
      [dryRun ? 'DRY RUN' : 'run', dryRun ? this.#paint.yellow : this.#paint.dim],
      [...(dryRun ? ['nothing is deleted', `run ${runId}`] : [runId]), `${what} configured`],
    );
    if (this.#options.live) this.#timer = setInterval(() => this.#draw(true), TICK_MS).unref();
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
    this.#instancesTotal = Math.max(instances, 1);
    this.#draw(true);
  }

  instanceListed({ target, listed, ignored, stale }: Parameters<RunReporter['instanceListed']>[0]): void {
    this.#stale += stale;
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
    } else {
      this.#draw(false);
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
    if (result.outcome !== 'deferred') {
      this.#handled++;
      this.#outcomes[result.outcome]++;
    }
    if (ROUTINE.has(result.outcome) && !this.#options.verbose) {
      this.#draw(false);
      return;
    }
    this.#problem(target.instanceId, this.#outcomeLabel(result.outcome), [
      `${task.name || '(no name)'} ${task.id}, ${formatAge(this.#now() - task.createdAtMs)} old`,
      `on ${instanceLabel(target)}`,
      ...resultParts(result),
    ]);
  }

  tasksDeferred({
    target,
    count,
    reason,
    oldestCreatedAt,
    newestCreatedAt,
  }: Parameters<RunReporter['tasksDeferred']>[0]) {
    this.#handled += count;
    this.#outcomes.deferred += count;
    const ages = [newestCreatedAt, oldestCreatedAt].map((at) =>
      at === null ? undefined : formatAge(this.#now() - Date.parse(at)),
    );
    const created =
      ages[0] && ages[1] ? [ages[0] === ages[1] ? `${ages[0]} old` : `${ages[0]} to ${ages[1]} old`] : [];
    this.#problem(target.instanceId, this.#outcomeLabel('deferred'), [
      `${plural(count, 'task')}`,
      `on ${instanceLabel(target)}`,
      `${DEFER_WORDS[reason]}: next run`,
      ...created,
    ]);
  }

  instanceFinished({ summary }: Parameters<RunReporter['instanceFinished']>[0]): void {
    this.#instancesDone++;
    const held = this.#problems.get(summary.instanceId)?.held ?? 0;
    if (held > 0) this.#line(['', (text) => text], [`(… ${held} more on instance ${summary.instanceId})`]);
    this.#draw(false);
  }

  requestSent(_attempt: AttemptReport): void {
    const now = this.#now();
    this.#requests++;
    this.#recent.push(now);
    while ((this.#recent[0] ?? now) < now - RATE_WINDOW_MS) this.#recent.shift();
  }

  runFinished({ summary, stats }: Parameters<RunReporter['runFinished']>[0]): void {
    this.close();
    const { totals } = summary;
    const outcomes = this.#outcomeCounts();
    const outcome = runOutcome(summary);
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
    this.#running = false;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#clear();
  }

  /** `242 deleted`, `2 gone`, …: the outcomes seen so far. */
  #outcomeCounts(): string[] {
    return (Object.keys(this.#outcomes) as Outcome[])
      .filter((outcome) => this.#outcomes[outcome] > 0)
      .map((outcome) => `${this.#outcomes[outcome]} ${OUTCOME_WORDS[outcome]}`);
  }

  #outcomeLabel(outcome: Outcome): Label {
    const { red, bold, yellow, magenta, green } = this.#paint;
    if (outcome === 'failed') return ['FAILED', (text) => red(bold(text))];
    if (outcome === 'skipped') return ['skipped', yellow];
    if (outcome === 'deferred') return ['deferred', magenta];
    return [outcome === 'would-delete' ? 'would-del' : OUTCOME_WORDS[outcome], green];
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
    this.#clear();
    this.#out.write(`${text}\n`);
    this.#draw(true);
  }

  #draw(force: boolean): void {
    if (!this.#options.live || !this.#running) return;
    const now = this.#now();
    if (!force && now - this.#lastDrawAt < REDRAW_EVERY_MS) return;
    this.#lastDrawAt = now;
    const outcomes = this.#outcomeCounts();
    const rate = this.#recent.filter((time) => time >= now - RATE_WINDOW_MS).length / (RATE_WINDOW_MS / 1000);
    const instances =
      this.#instancesTotal > 0
        ? `${this.#instancesDone}/${this.#instancesTotal} instances`
        : 'discovering instances…';
    // Outcome counts last: on a narrow terminal they are what gets cut (the final line repeats them).
    const text = [
      instances,
      `${this.#handled}/${this.#stale} tasks`,
      formatElapsed(now - this.#startedAt),
      `${Math.round(rate)} req/s`,
      ...outcomes,
    ].join(' · ');
    this.#out.write(`${CLEAR_LINE}${this.#paint.dim(clip(text, this.#options.width - 1))}`);
    this.#drawn = true;
  }

  #clear(): void {
    if (!this.#drawn) return;
    this.#out.write(CLEAR_LINE);
    this.#drawn = false;
  }
}

function instanceLabel(target: Target): string {
  const name = target.name ? `${target.name} ` : '';
  return `instance ${name}${target.instanceId} (${target.region})`;
}

function resultParts(result: TaskResult): string[] {
  const status = [result.httpStatus, result.errorCode].filter((part) => part !== null).join(' ');
  const attempts = result.attempts > 0 ? ` after ${plural(result.attempts, 'attempt')}` : '';
  const message =
    result.message && result.message !== `HTTP ${result.httpStatus}`
      ? result.message
      : result.outcome === 'deferred'
        ? 'over maxDeletesPerInstance: next run'
        : undefined;
  return [
    ...(status ? [`${status}${attempts}`] : []),
    ...(result.requestId ? [`request ${result.requestId}`] : []),
    ...(message ? [message] : []),
  ];
}

function attemptParts(attempts: number, requestId: string | null): string[] {
  return [
    ...(attempts > 0 ? [plural(attempts, 'attempt')] : []),
    ...(requestId ? [`request ${requestId}`] : []),
  ];
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** 42d, 5h, 12m. */
function formatAge(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes >= 1440) return `${Math.floor(minutes / 1440)}d`;
  if (minutes >= 60) return `${Math.floor(minutes / 60)}h`;
  return `${minutes}m`;
}

function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}
