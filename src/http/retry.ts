// When and how long to wait before another attempt (contract §2, "Retries").

export interface RetryPolicy {
  maxAttempts: number;
  /** Cap of the first retry's delay; later caps double up to maxDelayMs (full jitter picks within the cap). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Retry-After is honoured up to this. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: Omit<RetryPolicy, 'maxAttempts'> = {
  baseDelayMs: 1_000,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 30_000,
};

const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);

/** 429, 500, 502, 503 and 504 are transient; 400, 401, 403, 404 and everything else are not. */
export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/**
 * Delay before retry number `retry` (1 for the first retry): capped exponential backoff with full
 * jitter, or the server's Retry-After (capped) when it gave one.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  retry: number,
  random: number,
  retryAfterMs?: number,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random * cap);
}

/** Retry-After as delta-seconds or an HTTP date, in ms from `nowMs`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
