// The deletion rules (policy.ts) applied to a listing as it streams by, in state bounded by the policy and
// a compact table of every id seen (docs/bounds.md, docs/safety.md). For any listing, in any order, with
// repeats and with contradictions at any distance, it picks exactly what the whole-list selection picks from
// the listing without the contradicted ids (test/oracle.ts holds it to that).

import { MAX_CONFLICTS } from '../bounds/limits.js';
import { CleanupError } from '../errors/cleanup-error.js';
import { BestOf } from './best-of.js';
import {
  eligibility,
  factsOf,
  isNewer,
  isOlder,
  isRanked,
  type NotJudged,
  sameFacts,
  type TaskPolicy,
  type TaskRecord,
  unjudgeable,
} from './policy.js';
import { SeenTable } from './seen.js';
import { type Version, Versions } from './versions.js';

// A listing that contradicts itself for more than MAX_CONFLICTS ids is not one to act on. That also bounds
// what a ban can take from the held records, so each selection holds this many records more than it needs.

/** What became of one listed record: a new task, a repeat of one, or ignored (and why). */
export type Admission = 'new' | 'repeat' | NotJudged;

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
  /** The table of ids seen (tests give one whose hashes collide). */
  seen?: SeenTable;
  /** Contradicted ids allowed (default MAX_CONFLICTS); tests lower it so that the held records overflow. */
  maxConflicts?: number;
}

/** More ids contradicted themselves than MAX_CONFLICTS: nothing of the listing may be acted on. */
export class ContradictoryListingError extends CleanupError {
  override readonly name = 'ContradictoryListingError';
  readonly code = 'LISTING_CONTRADICTORY';
}

export class StreamSelector<T extends TaskRecord> {
  readonly #policy: TaskPolicy;
  readonly #nowMs: number;
  readonly #isEligible: (task: TaskRecord) => boolean;
  readonly #holdDeferred: boolean;
  readonly #versions: Versions<T>;
  // Tasks are held under their id's identity in the table of seen ids, so a ban reaches whatever shares it.
  /** The newest ranked tasks: the first keepLatest of them are protected. */
  readonly #keep: BestOf<T, number>;
  /** The oldest eligible tasks: the first maxDeletesPerInstance of them not protected are deleted. */
  readonly #oldest: BestOf<T, number>;
  /** The newest eligible tasks: the first not protected is the newest deferred one. */
  readonly #newest: BestOf<T, number>;
  /** Distinct eligible ids not banned. */
  #eligible = 0;
  #conflicts = 0;
  readonly #maxConflicts: number;

  constructor(
    policy: TaskPolicy,
    nowMs: number,
    { holdDeferred = false, seen = new SeenTable(), maxConflicts = MAX_CONFLICTS }: SelectorOptions = {},
  ) {
    const { keepLatest, maxDeletesPerInstance } = policy;
    this.#policy = policy;
    this.#nowMs = nowMs;
    this.#isEligible = eligibility(policy, nowMs);
    this.#holdDeferred = holdDeferred;
    this.#versions = new Versions<T>({ factsOf, sameFacts, held: (key) => this.#held(key) }, seen);
    this.#maxConflicts = maxConflicts;
    // Each ban removes at most one held record from each heap: that many more held keep the picks exact.
    const spare = maxConflicts;
    // With keepLatest 0 nothing is protected: the heap holds nothing.
    this.#keep = new BestOf<T, number>(keepLatest > 0 ? keepLatest + spare : 0, isNewer);
    // Up to keepLatest of the oldest eligible tasks may turn out protected; one more shows the oldest deferred.
    const oldestHeld = holdDeferred
      ? Number.POSITIVE_INFINITY
      : keepLatest + spare + maxDeletesPerInstance + 1;
    this.#oldest = new BestOf<T, number>(oldestHeld, isOlder);
    this.#newest = new BestOf<T, number>(keepLatest + spare + 1, isNewer);
  }

  /**
   * Takes one listed record (docs/safety.md): a new task unless it cannot be judged (then it is ignored, but
   * still a version of its id), a repeat, or a contradiction that bans its id (see Versions).
   */
  add(task: T): Admission {
    const version = this.#versions.see(task.id, task);
    if (version.verdict === 'repeat') return 'repeat';
    if (version.verdict === 'contradicted') return this.#ban(version);
    const unjudged = unjudgeable(task, this.#policy, this.#nowMs);
    if (unjudged) return unjudged;
    const key = version.sighting.identity;
    if (this.#isEligible(task)) {
      version.sighting.mark();
      this.#eligible++;
      this.#oldest.offer(task, key);
      this.#newest.offer(task, key);
    }
    if (isRanked(task)) this.#keep.offer(task, key);
    return 'new';
  }

  /**
   * Takes a record of `id` that could not be read (docs/safety.md, "An unreadable record still speaks for its
   * id"): it agrees with no readable version, so any other version of the id bans it.
   */
  addUnreadable(id: string): Admission {
    const version = this.#versions.see(id, undefined);
    return version.verdict === 'contradicted' ? this.#ban(version) : 'repeat';
  }

  finish(): StreamedSelection<T> {
    const kept = this.#keep.sorted().slice(0, this.#policy.keepLatest);
    const keptIds = new Set(kept.map((task) => task.id));
    const isKept = (task: T) => keptIds.has(task.id);
    const stale = this.#eligible - kept.filter(this.#isEligible).length;
    const candidates = this.#oldest.sorted().filter((task) => !isKept(task));
    const cap = this.#policy.maxDeletesPerInstance;
    const toDelete = candidates.slice(0, cap);
    const count = stale - toDelete.length;
    return {
      stale,
      toDelete,
      deferred: {
        count,
        // The first past the cap: undefined when nothing is deferred (every candidate was taken).
        oldest: candidates[cap],
        newest: count > 0 ? this.#newest.sorted().find((task) => !isKept(task)) : undefined,
        tasks: this.#holdDeferred ? candidates.slice(cap) : undefined,
      },
    };
  }

  /** Drops a contradicted id: never deleted, never ranked, not counted (the listing without it). */
  #ban({ sighting }: Version): Admission {
    if (sighting.marked) this.#eligible--;
    const key = sighting.identity;
    this.#keep.remove(key);
    this.#oldest.remove(key);
    this.#newest.remove(key);
    if (++this.#conflicts > this.#maxConflicts) {
      throw new ContradictoryListingError(
        `the listing contradicted itself for more than ${this.#maxConflicts} tasks`,
      );
    }
    return 'conflicting';
  }

  #held(key: number): T | undefined {
    return this.#oldest.get(key) ?? this.#keep.get(key) ?? this.#newest.get(key);
  }
}
