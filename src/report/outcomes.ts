// Every outcome a stale task can end in, declared once: its counter in the RunSummary, its words in the
// table, the terminal and the progress line, its log level and its metric. Everything that shows outcomes
// derives from this table, so a new outcome is a new row here and the compiler finds what else it needs.

export interface OutcomeInfo {
  /** The RunSummary counter it adds to. */
  counter: string;
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
    counter: 'deleted',
    heading: 'deleted',
    label: 'deleted',
    words: 'deleted',
    level: 'info',
    metric: 'Deleted',
    routine: true,
    tone: 'good',
  },
  'already-gone': {
    counter: 'alreadyGone',
    heading: 'gone',
    label: 'gone',
    words: 'gone',
    level: 'info',
    metric: 'AlreadyGone',
    routine: true,
    tone: 'good',
  },
  'would-delete': {
    counter: 'wouldDelete',
    heading: 'would-del',
    label: 'would-del',
    words: 'would delete',
    level: 'info',
    metric: 'WouldDelete',
    routine: true,
    tone: 'good',
  },
  skipped: {
    counter: 'skipped',
    heading: 'skipped',
    label: 'skipped',
    words: 'skipped',
    level: 'warn',
    metric: 'Skipped',
    routine: false,
    tone: 'warn',
  },
  deferred: {
    counter: 'deferred',
    heading: 'deferred',
    label: 'deferred',
    words: 'deferred',
    level: 'info',
    metric: 'Deferred',
    routine: false,
    tone: 'later',
  },
  failed: {
    counter: 'failed',
    heading: 'failed',
    label: 'FAILED',
    words: 'failed',
    level: 'error',
    metric: 'Failed',
    routine: false,
    tone: 'bad',
  },
} as const satisfies Record<string, OutcomeInfo>;

export type Outcome = keyof typeof OUTCOMES;
export type OutcomeCounter = (typeof OUTCOMES)[Outcome]['counter'];

/** The outcomes in table order. */
export const OUTCOME_NAMES = Object.keys(OUTCOMES) as Outcome[];

/** `0` for every outcome: a tally to count into. */
export function outcomeTally(): Record<Outcome, number> {
  return Object.fromEntries(OUTCOME_NAMES.map((outcome) => [outcome, 0])) as Record<Outcome, number>;
}
