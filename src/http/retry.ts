// When and how long to wait before another attempt, and the interceptor that does it (docs/config.md,
// "Retries"): 429, 500, 502, 503, 504 and network errors are retried with backoff; nothing else is.
import type { Clock } from '../time/clock.js';
import { parseHttpDate } from '../time/http-date.js';
import {
  type Delivered,
  type HttpRequest,
  type HttpResponse,
  NotSentError,
  type Send,
  TransportError,
} from './request.js';

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
  const date = parseHttpDate(text);
  return date === undefined ? undefined : Math.max(0, date - nowMs);
}

/** What each attempt did: for the run's retry and throttle counters and the progress line. */
export interface AttemptReport {
  method: string;
  endpoint: string;
  attempt: number;
  httpStatus: number | null;
  willRetry: boolean;
}

export interface RetryOptions {
  policy: RetryPolicy;
  clock: Clock;
  /** Epoch ms after which no retry starts (the time budget). */
  deadline?: number | undefined;
  /** Once aborted, no retry starts and a backoff wait ends at once. */
  stop?: AbortSignal | undefined;
  onAttempt?: ((attempt: AttemptReport) => void) | undefined;
}

/**
 * `send` with retries. It resolves to the last response with the attempts it took, or throws the last
 * TransportError. A retry that can no longer be sent (budget, stop) ends with what called for it; a first
 * attempt that cannot be sent, or a retry to an endpoint found down, throws its NotSentError.
 */
export function retrying<R extends HttpRequest>(
  send: Send<R>,
  { policy, clock, deadline, stop, onAttempt }: RetryOptions,
): Send<R, Delivered> {
  return async (request) => {
    let last: HttpResponse | TransportError | undefined;
    for (let attempt = 1; ; attempt++) {
      let outcome: HttpResponse | TransportError;
      try {
        outcome = await send(request);
      } catch (error) {
        // A retry the budget or a stop prevents ends with what called for it; one to an endpoint found down
        // is not sent at all, and its request goes where the endpoint's other work goes (deferred).
        if (error instanceof NotSentError && last !== undefined && error.reason !== 'unavailable') {
          return settle(last, attempt - 1);
        }
        if (!(error instanceof TransportError)) throw error;
        outcome = error;
      }
      const status = outcome instanceof TransportError ? null : outcome.status;
      // A body over its cap is not retried: the server would only send it again.
      const transient =
        outcome instanceof TransportError
          ? outcome.kind === 'network'
          : isRetryableStatus(outcome.status) && !('tooLarge' in outcome.body);
      const retryAfter = outcome instanceof TransportError ? undefined : outcome.retryAfter;
      const delay = retryDelayMs(policy, attempt, clock.random(), parseRetryAfter(retryAfter, clock.now()));
      const willRetry =
        transient &&
        attempt < policy.maxAttempts &&
        !stop?.aborted &&
        (deadline === undefined || clock.now() + delay < deadline);
      onAttempt?.({
        method: request.method,
        endpoint: request.origin,
        attempt,
        httpStatus: status,
        willRetry,
      });
      if (!willRetry) return settle(outcome, attempt);
      last = outcome;
      await untilStopped(clock.sleep(delay), stop);
    }
  };
}

function settle(outcome: HttpResponse | TransportError, attempts: number): Delivered {
  if (outcome instanceof TransportError) {
    outcome.attempts = attempts;
    throw outcome;
  }
  return { response: outcome, attempts };
}

/** `wait`, cut short when `stop` aborts. */
function untilStopped(wait: Promise<void>, stop: AbortSignal | undefined): Promise<void> {
  // A stopped run starts no retry, so `stop` has not fired yet here.
  if (!stop) return wait;
  return new Promise((resolve) => {
    const done = () => {
      stop.removeEventListener('abort', done);
      resolve();
    };
    stop.addEventListener('abort', done);
    void wait.then(done);
  });
}
