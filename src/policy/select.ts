import { isTerminal, type TaskPolicy } from './policy.js';

/** The fields of a listed task that the policy looks at. */
export interface TaskRecord {
  id: string;
  name: string;
  status: string;
  createdAt: string;
  createdAtMs: number;
}

export interface Selection<T extends TaskRecord> {
  /** Every stale task, oldest first. */
  stale: T[];
  /** The oldest stale tasks, up to maxDeletesPerInstance: these get a delete attempt. */
  toDelete: T[];
  /** Stale tasks beyond the cap: left for the next run. */
  deferred: T[];
}

/**
 * Picks the stale tasks of one instance. A task is stale when its status is one of the policy's
 * (terminal) statuses, it was created more than olderThan before `nowMs`, its name is not excluded
 * and it is not among the keepLatest newest terminal tasks.
 */
export function selectStale<T extends TaskRecord>(
  tasks: readonly T[],
  policy: TaskPolicy,
  nowMs: number,
): Selection<T> {
  const protectedIds = newestTerminalIds(tasks, policy.keepLatest);
  const cutoffMs = nowMs - policy.olderThanMs;
  const statuses = new Set<string>(policy.statuses);
  const excluded = new Set(policy.excludeTaskNames);
  const stale = tasks
    .filter(
      (task) =>
        isTerminal(task.status) &&
        statuses.has(task.status) &&
        task.createdAtMs < cutoffMs &&
        !excluded.has(task.name) &&
        !protectedIds.has(task.id),
    )
    .sort(oldestFirst);
  return {
    stale,
    toDelete: stale.slice(0, policy.maxDeletesPerInstance),
    deferred: stale.slice(policy.maxDeletesPerInstance),
  };
}

/** keepLatest ranks every SUCCESS or FAILED task, whatever its age, name or the statuses selection. */
function newestTerminalIds(tasks: readonly TaskRecord[], keepLatest: number): Set<string> {
  if (keepLatest === 0) return new Set();
  const terminal = tasks.filter((task) => isTerminal(task.status)).sort((a, b) => oldestFirst(b, a));
  return new Set(terminal.slice(0, keepLatest).map((task) => task.id));
}

function oldestFirst(a: TaskRecord, b: TaskRecord): number {
  return a.createdAtMs - b.createdAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The order stale tasks are handled in: created first, then by id (so equal times have one order too). */
export function isOlder(a: TaskRecord, b: TaskRecord): boolean {
  return oldestFirst(a, b) < 0;
}
