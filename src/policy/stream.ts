// The policy of select.ts applied to a listing as it streams by, in state bounded by the policy: the
// keepLatest newest terminal tasks, the oldest keepLatest + maxDeletesPerInstance + 1 eligible ones and the
// newest keepLatest + 1 eligible ones, never the whole list (docs/bounds.md). For any order of distinct
// records, and any repeats of them, it picks exactly what selectStale picks for the list without repeats.
import { BestOf } from './best-of.js';
import { isTerminal, type TaskPolicy } from './policy.js';
import { isOlder, type TaskRecord } from './select.js';

/** What became of one listed record. */
export type Admission = 'new' | 'repeat' | 'conflict';

export interface StreamedSelection<T extends TaskRecord> {
  /** Distinct stale tasks (the policy's pick before the cap). */
  stale: number;
  /** The oldest stale tasks, up to maxDeletesPerInstance, oldest first: these get a delete attempt. */
  toDelete: T[];
  /** Stale tasks beyond the cap: their number, the oldest and newest of them, and all of them if held. */
  deferred: { count: number; oldest: T | undefined; newest: T | undefined; tasks: T[] | undefined };
}

export interface SelectorOptions {
  /** Hold every stale task, so each deferred one can be reported (memory then grows with the backlog). */
  holdDeferred?: boolean;
}

export class StreamSelector<T extends TaskRecord> {
  readonly #policy: TaskPolicy;
  readonly #cutoffMs: number;
  readonly #statuses: ReadonlySet<string>;
  readonly #excluded: ReadonlySet<string>;
  readonly #keep: BestOf<T>;
  readonly #oldest: BestOf<T>;
  readonly #newest: BestOf<T>;
  /** Ids whose records contradicted each other: never deleted in this run. */
  readonly #banned = new Set<string>();
  readonly #holdDeferred: boolean;
  #eligible = 0;

  constructor(policy: TaskPolicy, nowMs: number, { holdDeferred = false }: SelectorOptions = {}) {
    const { keepLatest, maxDeletesPerInstance } = policy;
    const newer = (a: T, b: T) => isOlder(b, a);
    const id = (task: T) => task.id;
    this.#policy = policy;
    this.#holdDeferred = holdDeferred;
    this.#cutoffMs = nowMs - policy.olderThanMs;
    this.#statuses = new Set(policy.statuses);
    this.#excluded = new Set(policy.excludeTaskNames);
    this.#keep = new BestOf(keepLatest, newer, id);
    // Up to keepLatest of the oldest eligible tasks may turn out protected; one more shows the oldest deferred.
    const oldestHeld = holdDeferred ? Number.POSITIVE_INFINITY : keepLatest + maxDeletesPerInstance + 1;
    this.#oldest = new BestOf(oldestHeld, isOlder, id);
    // At most keepLatest of the newest eligible tasks are protected: one more shows the newest deferred.
    this.#newest = new BestOf(keepLatest + 1, newer, id);
  }

  /** Ids banned so far (a listing that contradicts itself too often is not one to act on). */
  get conflicts(): number {
    return this.#banned.size;
  }

  /**
   * Takes one listed record. A record already held (same id) is a repeat when its status and created_at
   * agree, a conflict otherwise: then the id is banned. A repeat of a record no longer held changes
   * nothing but the stale count (held records are the only ones that can be picked).
   */
  add(task: T): Admission {
    if (this.#banned.has(task.id)) return 'repeat';
    const held = this.#held(task.id);
    if (held) {
      if (held.status === task.status && held.createdAtMs === task.createdAtMs) return 'repeat';
      this.ban(held);
      return 'conflict';
    }
    if (this.#isEligible(task)) {
      this.#eligible++;
      this.#oldest.offer(task);
      this.#newest.offer(task);
    }
    if (isTerminal(task.status)) this.#keep.offer(task);
    return 'new';
  }

  /**
   * Bans the id of a record that a later one contradicted (`first` is the version taken before): it is
   * never deleted in this run. It keeps any keepLatest place it has, so it protects no fewer tasks.
   */
  ban(first: T): void {
    if (this.#banned.has(first.id)) return;
    this.#banned.add(first.id);
    if (this.#isEligible(first)) this.#eligible--;
    this.#oldest.remove(first.id);
    this.#newest.remove(first.id);
  }

  finish(): StreamedSelection<T> {
    const isKept = (task: T) => this.#keep.get(task.id) !== undefined;
    const keptEligible = this.#keep
      .sorted()
      .filter((task) => this.#isEligible(task) && !this.#banned.has(task.id)).length;
    const stale = this.#eligible - keptEligible;
    const candidates = this.#oldest.sorted().filter((task) => !isKept(task));
    const cap = this.#policy.maxDeletesPerInstance;
    const toDelete = candidates.slice(0, cap);
    const count = stale - toDelete.length;
    return {
      stale,
      toDelete,
      deferred: {
        count,
        oldest: count > 0 ? candidates[cap] : undefined,
        newest: count > 0 ? this.#newest.sorted().find((task) => !isKept(task)) : undefined,
        tasks: this.#holdDeferred ? candidates.slice(cap) : undefined,
      },
    };
  }

  #held(id: string): T | undefined {
    return this.#oldest.get(id) ?? this.#keep.get(id) ?? this.#newest.get(id);
  }

  #isEligible(task: T): boolean {
    return (
      isTerminal(task.status) &&
      this.#statuses.has(task.status) &&
      task.createdAtMs < this.#cutoffMs &&
      !this.#excluded.has(task.name)
    );
  }
}
