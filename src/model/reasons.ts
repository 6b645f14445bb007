// Why work was left undone, in one table (docs/logs.md): the reason a stale task was deferred, or a request
// not sent, with the words each view shows and what an incomplete run says for it. Reasons are data (a log
// record's `reason`), never log messages.

export const DEFER_REASONS = {
  cap: { deferred: 'over maxDeletesPerInstance', incomplete: undefined },
  budget: { deferred: 'the time budget ran out', incomplete: 'time budget' },
  interrupted: { deferred: 'the run was stopped', incomplete: 'authentication failures' },
  unavailable: { deferred: 'the endpoint is unavailable', incomplete: 'endpoint unavailable' },
  credentials: {
    deferred: 'the account’s credentials are unavailable',
    incomplete: 'credentials unavailable',
  },
} as const satisfies Record<string, { deferred: string; incomplete: string | undefined }>;

/** Why a stale task was deferred. */
export type DeferReason = keyof typeof DEFER_REASONS;

/** Why a request was not sent: every reason to defer but the cap, in the order an operator acts on them. */
export const NOT_SENT_REASONS = [
  'budget',
  'unavailable',
  'credentials',
  'interrupted',
] as const satisfies readonly DeferReason[];
export type NotSentReason = (typeof NOT_SENT_REASONS)[number];

/** One fresh value per reason a request may not be sent (a list to collect tasks into, say). */
export function perNotSentReason<T>(make: () => T): Record<NotSentReason, T> {
  return { budget: make(), unavailable: make(), credentials: make(), interrupted: make() };
}

/** Why a run is incomplete when no request went unsent: what else an operator reads first. */
export const INCOMPLETE_ELSE = { fleet: 'fleet not discovered', listing: 'instance not listed' } as const;
