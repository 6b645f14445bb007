// The deletion rules (policy.ts) applied to a listing as it streams by, in state bounded by the policy and
// a compact table of every id seen (docs/bounds.md, docs/safety.md). For any listing, in any order, with
// repeats and with contradictions at any distance, it picks exactly what the whole-list selection picks from
// the listing without the contradicted ids (test/oracle.ts holds it to that).

import { CleanupError } from '../errors/cleanup-error.js';
import { BestOf } from './best-of.js';
import {
  CONFLICTING,
  eligibility,
  factsOf,
  IN_THE_FUTURE,
  isInTheFuture,
  isNewer,
  isOlder,
  isRanked,
  sameFacts,
  type TaskPolicy,
  type TaskRecord,
} from './policy.js';
import { SeenTable } from './seen.js';

/**
 * A listing that contradicts itself for more ids than this is not one to act on. It also bounds what a ban
 * can take from the held records, so each selection holds this many records more than its policy needs.
 */
export const MAX_CONFLICTS = 1_000;

/** What became of one listed record: a new task, a repeat of one, or ignored (and why). */
export type Admission = 'new' | 'repeat' | typeof CONFLICTING | typeof IN_THE_FUTURE;

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
  /** Seeds the id table's hashes (tests make them repeatable). */
  random?: () => number;
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
  readonly #seen: SeenTable;
  /** The newest ranked tasks: the first keepLatest of them are protected. */
  readonly #keep: BestOf<T>;
  /** The oldest eligible tasks: the first maxDeletesPerInstance of them not protected are deleted. */
  readonly #oldest: BestOf<T>;
  /** The newest eligible tasks: the first not protected is the newest deferred one. */
  readonly #newest: BestOf<T>;
  /** Distinct eligible ids not banned. */
  #eligible = 0;
  #conflicts = 0;
  readonly #maxConflicts: number;

  constructor(
    policy: TaskPolicy,
    nowMs: number,
    { holdDeferred = false, random, maxConflicts = MAX_CONFLICTS }: SelectorOptions = {},
  ) {
    const { keepLatest, maxDeletesPerInstance } = policy;
    const id = (task: T) => task.id;
    this.#policy = policy;
    this.#nowMs = nowMs;
    this.#isEligible = eligibility(policy, nowMs);
    this.#holdDeferred = holdDeferred;
    this.#seen = new SeenTable(random);
    this.#maxConflicts = maxConflicts;
    // Each ban removes at most one held record from each heap: that many more held keep the picks exact.
    const spare = maxConflicts;
    this.#keep = new BestOf(keepLatest > 0 ? keepLatest + spare : 0, isNewer, id);
    // Up to keepLatest of the oldest eligible tasks may turn out protected; one more shows the oldest deferred.
    const oldestHeld = holdDeferred
      ? Number.POSITIVE_INFINITY
      : keepLatest + spare + maxDeletesPerInstance + 1;
    this.#oldest = new BestOf(oldestHeld, isOlder, id);
    this.#newest = new BestOf(keepLatest + spare + 1, isNewer, id);
  }

  /**
   * Takes one listed record. The first record of an id is a new task (unless dated in the future); a later
   * one is a repeat when its facts agree with the first, and a contradiction otherwise: then the id is banned
   * for the run, however far apart the two were, and every later record of it is passed over.
   */
  add(task: T): Admission {
    const sighting = this.#seen.see(task.id, this.#seen.fingerprint(...factsOf(task)));
    if (sighting === 'banned') return 'repeat';
    if (sighting === 'other') return this.#ban(task.id);
    if (sighting === 'same') {
      // The table holds fingerprints; a record still held is compared fact by fact.
      const held = this.#held(task.id);
      return held && !sameFacts(held, task) ? this.#ban(task.id) : 'repeat';
    }
    // Remembered, never held: a later record of it with other facts is still a contradiction.
    if (isInTheFuture(task, this.#nowMs)) return IN_THE_FUTURE;
    if (this.#isEligible(task)) {
      this.#seen.mark();
      this.#eligible++;
      this.#oldest.offer(task);
      this.#newest.offer(task);
    }
    if (isRanked(task)) this.#keep.offer(task);
    return 'new';
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
        oldest: count > 0 ? candidates[cap] : undefined,
        newest: count > 0 ? this.#newest.sorted().find((task) => !isKept(task)) : undefined,
        tasks: this.#holdDeferred ? candidates.slice(cap) : undefined,
      },
    };
  }

  /** Bans the id last seen: never deleted, never ranked, not counted (the listing without it). */
  #ban(id: string): Admission {
    this.#seen.ban();
    if (this.#seen.isMarked()) this.#eligible--;
    this.#keep.remove(id);
    this.#oldest.remove(id);
    this.#newest.remove(id);
    if (++this.#conflicts > this.#maxConflicts) {
      throw new ContradictoryListingError(
        `the listing contradicted itself for more than ${this.#maxConflicts} tasks`,
      );
    }
    return CONFLICTING;
  }

  #held(id: string): T | undefined {
    return this.#oldest.get(id) ?? this.#keep.get(id) ?? this.#newest.get(id);
  }
}
