// The deletion rules, each written once (docs/safety.md): what makes one task deletable, the order stale
// tasks go in, and which records of a listing are the same task. The streamed selection (stream.ts) applies
// them to a whole listing; nothing else decides what is deleted.

/** Statuses a task can end in: the only ones ever deleted. */
export const TERMINAL_STATUSES = ['SUCCESS', 'FAILED'] as const;
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

/** The fields of a listed task that the policy looks at. */
export interface TaskRecord {
  id: string;
  /** The whole name as received (exclusions match it, never a cut one); null when the record has none. */
  name: string | null;
  status: string;
  createdAt: string;
  createdAtMs: number;
}

/** What makes a task of one instance stale (docs/config.md). */
export interface TaskPolicy {
  olderThanMs: number;
  statuses: readonly TerminalStatus[];
  excludeTaskNames: readonly string[];
  keepLatest: number;
  maxDeletesPerInstance: number;
}

export const DEFAULT_POLICY: TaskPolicy = {
  olderThanMs: 30 * 86_400_000,
  statuses: TERMINAL_STATUSES,
  excludeTaskNames: [],
  keepLatest: 0,
  maxDeletesPerInstance: 500,
};

/** A created_at further ahead of the local clock than this cannot be judged: the record is ignored. */
export const MAX_CLOCK_AHEAD_MS = 24 * 3_600_000;

/**
 * Why a readable record is not used, with the words its `task record ignored` line gives: another record of
 * its id disagrees, a created_at too far ahead to judge, or no name where names are excluded (a record
 * without a name can match no exclusion).
 */
export const NOT_JUDGED = {
  conflicting: 'conflicting records',
  inTheFuture: 'created_at in the future',
  noName: 'no name',
} as const;
export type NotJudged = keyof typeof NOT_JUDGED;

export function isTerminal(status: string): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

/**
 * Why a readable record still cannot be judged, or undefined when it can: a created_at too far ahead (it
 * would take a keepLatest place from real ones), or no name where the policy excludes names.
 */
export function unjudgeable(
  task: TaskRecord,
  policy: TaskPolicy,
  nowMs: number,
): Exclude<NotJudged, 'conflicting'> | undefined {
  if (task.createdAtMs > nowMs + MAX_CLOCK_AHEAD_MS) return 'inTheFuture';
  if (task.name === null && policy.excludeTaskNames.length > 0) return 'noName';
  return undefined;
}

/**
 * Eligible: stale unless keepLatest protects it. Its status is one of the policy's (terminal) statuses, it
 * was created before `cutoffMs` (now − olderThan: a task exactly that old is not stale yet) and its name is
 * not excluded.
 */
export function eligibility(policy: TaskPolicy, nowMs: number): (task: TaskRecord) => boolean {
  const cutoffMs = nowMs - policy.olderThanMs;
  const statuses = new Set<string>(policy.statuses);
  const excluded = new Set(policy.excludeTaskNames);
  return (task) =>
    isTerminal(task.status) &&
    statuses.has(task.status) &&
    task.createdAtMs < cutoffMs &&
    // A record without a name can match no exclusion: it is eligible only where nothing is excluded.
    (task.name === null ? excluded.size === 0 : !excluded.has(task.name));
}

/** keepLatest ranks the SUCCESS and FAILED tasks, whatever their age, name or the statuses selection. */
export function isRanked(task: TaskRecord): boolean {
  return isTerminal(task.status);
}

/** Stale tasks go oldest first (created_at, then id, so equal times have one order too). */
export function isOlder(a: TaskRecord, b: TaskRecord): boolean {
  return a.createdAtMs < b.createdAtMs || (a.createdAtMs === b.createdAtMs && a.id < b.id);
}

/** Newest first: the keepLatest ranking. */
export function isNewer(a: TaskRecord, b: TaskRecord): boolean {
  return isOlder(b, a);
}

/** Records with the same id are one task; they agree when every fact the policy judges is the same. */
export function sameFacts(a: TaskRecord, b: TaskRecord): boolean {
  return a.status === b.status && a.createdAtMs === b.createdAtMs && a.name === b.name;
}

/** The facts of sameFacts, for a fingerprint. */
export function factsOf(task: TaskRecord): [string, number, string | null] {
  return [task.status, task.createdAtMs, task.name];
}
