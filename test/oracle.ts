// The whole-list reference selection: a test oracle only, written apart from src/policy/ on purpose. It
// reads a listing as a whole: ids listed with other facts anywhere are dropped, so are tasks dated more
// than a day ahead, and the policy picks from the rest.
import type { TaskPolicy, TaskRecord } from '../src/policy/policy.js';

const DAY_MS = 86_400_000;

export interface Selection<T extends TaskRecord> {
  /** Every stale task, oldest first. */
  stale: T[];
  toDelete: T[];
  deferred: T[];
}

/** A record of a valid id that could not be read: it agrees with no readable version of the id. */
export interface Unreadable {
  id: string;
  unreadable: true;
}

/** What may be deleted from `listing` (any order, repeats, unreadable records and contradictions included). */
export function wholeListSelection<T extends TaskRecord>(
  listing: readonly (T | Unreadable)[],
  policy: TaskPolicy,
  nowMs: number,
): Selection<T> & { contradicted: Set<string> } {
  const first = new Map<string, T>();
  const contradicted = new Set<string>();
  const unreadable = new Set(listing.filter((task) => 'unreadable' in task).map((task) => task.id));
  for (const task of listing) {
    if ('unreadable' in task) continue;
    if (unreadable.has(task.id)) contradicted.add(task.id);
    const seen = first.get(task.id);
    if (!seen) first.set(task.id, task);
    else if (
      seen.status !== task.status ||
      seen.createdAtMs !== task.createdAtMs ||
      seen.name !== task.name
    ) {
      contradicted.add(task.id);
    }
  }
  const clean = [...first.values()].filter(
    (task) =>
      !contradicted.has(task.id) &&
      task.createdAtMs <= nowMs + DAY_MS &&
      !(task.name === null && policy.excludeTaskNames.length > 0),
  );
  return { ...selectStale(clean, policy, nowMs), contradicted };
}

/** The policy over distinct tasks, read whole: filter, protect the newest, sort, cap. */
export function selectStale<T extends TaskRecord>(
  tasks: readonly T[],
  policy: TaskPolicy,
  nowMs: number,
): Selection<T> {
  const terminal = (status: string) => status === 'SUCCESS' || status === 'FAILED';
  const byAge = (a: T, b: T) => a.createdAtMs - b.createdAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const newest = tasks
    .filter((task) => terminal(task.status))
    .sort((a, b) => byAge(b, a))
    .slice(0, policy.keepLatest)
    .map((task) => task.id);
  const stale = tasks
    .filter(
      (task) =>
        terminal(task.status) &&
        (policy.statuses as readonly string[]).includes(task.status) &&
        task.createdAtMs < nowMs - policy.olderThanMs &&
        !policy.excludeTaskNames.includes(task.name as string) &&
        !newest.includes(task.id),
    )
    .sort(byAge);
  return {
    stale,
    toDelete: stale.slice(0, policy.maxDeletesPerInstance),
    deferred: stale.slice(policy.maxDeletesPerInstance),
  };
}
