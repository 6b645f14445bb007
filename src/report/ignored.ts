// Ignored records are logged one by one only up to a point: a hostile listing cannot flood the output.
import { IGNORED_LOGGED } from '../bounds/limits.js';
import type { IgnoredRecord } from '../dcs/pages.js';
import type { RunReporter } from './reporter.js';

type Where = Omit<Parameters<RunReporter['recordIgnored']>[0], 'record'>;

/** Counts one listing's ignored records: the first IGNORED_LOGGED reported each, then a tally by reason. */
export class IgnoredTally {
  readonly #reporter: RunReporter;
  readonly #where: Where;
  readonly #byReason = new Map<string, number>();
  #count = 0;

  constructor(reporter: RunReporter, where: Where) {
    this.#reporter = reporter;
    this.#where = where;
  }

  get count(): number {
    return this.#count;
  }

  add(record: IgnoredRecord): void {
    this.#count++;
    this.#byReason.set(record.reason, (this.#byReason.get(record.reason) ?? 0) + 1);
    if (this.#count <= IGNORED_LOGGED) this.#reporter.recordIgnored({ ...this.#where, record });
  }

  /** Reports the tally when some records were not reported one by one. */
  finish(): void {
    if (this.#count <= IGNORED_LOGGED) return;
    this.#reporter.recordsIgnored({
      ...this.#where,
      byReason: Object.fromEntries(this.#byReason),
      notLogged: this.#count - IGNORED_LOGGED,
    });
  }
}
