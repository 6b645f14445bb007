// A per-endpoint circuit breaker (docs/safety.md, "An endpoint that is down"): once requests in a row have
// ended, after their retries, with no answer or a 5xx, the endpoint is unavailable for the rest of the run
// and no request to it starts (not even a retry). Any other answer resets the count.
import {
  type Delivered,
  type HttpRequest,
  type Interceptor,
  NotSentError,
  type Send,
  TransportError,
} from './request.js';

/** Requests in a row that end with no HTTP answer or a 5xx before an endpoint counts as down. */
export const FAILURES_BEFORE_UNAVAILABLE = 10;

export class Breaker {
  #inRow = 0;
  #lastError: string | undefined;
  #unavailable = false;

  /** The last error, once the endpoint is unavailable; undefined while it is not. */
  get unavailable(): string | undefined {
    return this.#unavailable ? this.#lastError : undefined;
  }

  /** A request ended (after its retries) with this answer. */
  answered(status: number): void {
    if (status < 500) this.#inRow = 0;
    else this.#failed(`HTTP ${status}`);
  }

  /** A request ended (after its retries) with no answer. */
  noAnswer(error: string): void {
    this.#failed(error);
  }

  #failed(error: string): void {
    this.#lastError = error;
    if (++this.#inRow >= FAILURES_BEFORE_UNAVAILABLE) this.#unavailable = true;
  }
}

/** Every attempt to an unavailable endpoint (`breakerFor` its origin) is not sent. */
export function breaking<R extends HttpRequest>(breakerFor: (origin: string) => Breaker): Interceptor<R> {
  return (next) => (request) => {
    const down = breakerFor(request.origin).unavailable;
    if (down !== undefined) throw new NotSentError('unavailable', `endpoint unavailable: ${down}`);
    return next(request);
  };
}

/** Tells each request's breaker how the request ended, after all its attempts. */
export function tripping<R extends HttpRequest>(
  send: Send<R, Delivered>,
  breakerFor: (origin: string) => Breaker,
): Send<R, Delivered> {
  return async (request) => {
    const breaker = breakerFor(request.origin);
    try {
      const delivered = await send(request);
      breaker.answered(delivered.response.status);
      return delivered;
    } catch (error) {
      if (error instanceof TransportError) breaker.noAnswer(error.message);
      throw error;
    }
  };
}
