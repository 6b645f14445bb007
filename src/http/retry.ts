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

/** Whole seconds, 0 to a day (RFC 9110 delay-seconds; more is not a wait anyone means). */
const DELAY_SECONDS = /^\d{1,5}$/;
const MAX_DELAY_SECONDS = 86_400;
/** The three HTTP-date forms of RFC 9110: IMF-fixdate, the obsolete RFC 850 form and asctime. */
const HTTP_DATE = [
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/,
  /^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \d{2}-(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-\d{2} \d{2}:\d{2}:\d{2} GMT$/,
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/,
];

/**
 * Retry-After in ms from `nowMs`: whole seconds (0–86400) or an HTTP-date (a past one means now). Anything
 * else (`-1`, `1.5`, `soon`, a far number) is undefined: normal backoff applies.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  const text = value?.trim() ?? '';
  if (DELAY_SECONDS.test(text)) {
    const seconds = Number(text);
    return seconds <= MAX_DELAY_SECONDS ? seconds * 1000 : undefined;
  }
  if (!HTTP_DATE.some((form) => form.test(text))) return undefined;
  // asctime carries no zone: it is GMT too.
  const date = Date.parse(/GMT$/.test(text) ? text : `${text} GMT`);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
