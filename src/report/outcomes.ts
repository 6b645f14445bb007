// Every outcome a stale task can end in, declared once: spelled in code as its RunSummary counter
// (`alreadyGone`), with its name in log records, its words in the table, the terminal and the progress
// line, its log level and its metric. Everything that shows outcomes
// derives from this table, so a new outcome is a new row here and the compiler finds what else it needs.

export interface OutcomeInfo {
  /** Its name in log records and events (the key is its RunSummary counter). */
  name: string;
  /** The summary table's column. */
  heading: string;
  /** The terminal view's line label. */
  label: string;
  /** On the progress line: `3 would delete`. */
  words: string;
  /** The level of its per-task log record. */
  level: 'info' | 'warn' | 'error';
  /** The EMF metric (and, prefixed, the Prometheus metric) that counts it. */
  metric: string;
  /** Counted on the progress line but printed only with --verbose. */
  routine: boolean;
  /** How the terminal paints it. */
  tone: 'good' | 'warn' | 'later' | 'bad';
}

export const OUTCOMES = {
  deleted: {
    name: 'deleted',
    heading: 'deleted',
    label: 'deleted',
    words: 'deleted',
    level: 'info',
    metric: 'Deleted',
    routine: true,
    tone: 'good',
  },
  alreadyGone: {
    name: 'already-gone',
    heading: 'gone',
    label: 'gone',
    words: 'gone',
    level: 'info',
    metric: 'AlreadyGone',
    routine: true,
    tone: 'good',
  },
  wouldDelete: {
    name: 'would-delete',
    heading: 'would-del',
    label: 'would-del',
    words: 'would delete',
    level: 'info',
    metric: 'WouldDelete',
    routine: true,
    tone: 'good',
  },
  skipped: {
    name: 'skipped',
    heading: 'skipped',
    label: 'skipped',
    words: 'skipped',
    level: 'warn',
    metric: 'Skipped',
    routine: false,
    tone: 'warn',
  },
  deferred: {
    name: 'deferred',
    heading: 'deferred',
    label: 'deferred',
    words: 'deferred',
    level: 'info',
    metric: 'Deferred',
    routine: false,
    tone: 'later',
  },
  failed: {
    name: 'failed',
    heading: 'failed',
    label: 'FAILED',
    words: 'failed',
    level: 'error',
    metric: 'Failed',
    routine: false,
    tone: 'bad',
  },
} as const satisfies Record<string, OutcomeInfo>;

/** An outcome, spelled as its RunSummary counter; its other words are in the table. */
export type Outcome = keyof typeof OUTCOMES;

/** The outcomes in table order. */
export const OUTCOME_NAMES = Object.keys(OUTCOMES) as Outcome[];

/** `0` for every outcome: a tally to count into. */
export function outcomeTally(): Record<Outcome, number> {
  return Object.fromEntries(OUTCOME_NAMES.map((outcome) => [outcome, 0])) as Record<Outcome, number>;
}
