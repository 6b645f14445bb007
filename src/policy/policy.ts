/** Statuses a task can end in: the only ones ever deleted. */
export const TERMINAL_STATUSES = ['SUCCESS', 'FAILED'] as const;
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

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

export function isTerminal(status: string): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}
