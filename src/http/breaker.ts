// A per-endpoint circuit breaker (docs/safety.md, "An endpoint that is down"): once requests in a row have
// ended, after their retries, with no answer or a 5xx, or attempts of one method in a row have gone
// unanswered (3 for an endpoint that never answered in the run: a silent network; 10 for one that did:
// DELETEs that hang while listings still answer), the
// endpoint is unavailable for the rest of the run and no attempt to it is sent: the breaker is asked as each
// attempt is about to go, after its wait in the queue.
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
/**
 * Attempts in a row without an answer before an endpoint that has not answered once in the run counts as
 * down: a network that drops or holds every connection (a VPC without NAT) is found in about 30 s. For an
 * endpoint that did answer, FAILURES_BEFORE_UNAVAILABLE attempts in a row: requests that hang are found
 * while their retries would still queue behind each other.
 */
export const SILENT_ATTEMPTS = 3;

export class Breaker {
  #inRow = 0;
  /** Per method: an endpoint whose DELETEs hang is down although its listings still answer. */
  readonly #unansweredInRow = new Map<string, number>();
  #answeredOnce = false;
  #lastError: string | undefined;
  #unavailable = false;
  readonly #onUnavailable: () => void;

  /** `onUnavailable` runs once, when the endpoint is found down (the client empties its queue then). */
  constructor(onUnavailable: () => void = () => {}) {
    this.#onUnavailable = onUnavailable;
  }

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

  /** One attempt with `method` got an HTTP answer (any status). */
  attemptAnswered(method: string): void {
    this.#answeredOnce = true;
    this.#unansweredInRow.set(method, 0);
  }

  /** One attempt with `method` got no answer. */
  attemptUnanswered(method: string, error: string): void {
    this.#lastError = error;
    const inRow = (this.#unansweredInRow.get(method) ?? 0) + 1;
    this.#unansweredInRow.set(method, inRow);
    if (inRow >= (this.#answeredOnce ? FAILURES_BEFORE_UNAVAILABLE : SILENT_ATTEMPTS)) this.#down();
  }

  #failed(error: string): void {
    this.#lastError = error;
    if (++this.#inRow >= FAILURES_BEFORE_UNAVAILABLE) this.#down();
  }

  #down(): void {
    if (this.#unavailable) return;
    this.#unavailable = true;
    this.#onUnavailable();
  }
}

/** The error of an attempt not sent to an endpoint found down, or undefined while it is up. */
export function downError(origin: string, breaker: Breaker): NotSentError | undefined {
  const down = breaker.unavailable;
  return down === undefined
    ? undefined
    : new NotSentError('unavailable', `endpoint ${origin} unavailable: ${down}`);
}

/**
 * Every attempt to an unavailable endpoint (`breakerFor` its origin) is not sent; each one sent tells the
 * breaker whether it got an answer. Stacked last before the exchange: nothing waits between it and the wire.
 */
export function breaking<R extends HttpRequest>(breakerFor: (origin: string) => Breaker): Interceptor<R> {
  return (next) => async (request) => {
    const breaker = breakerFor(request.origin);
    const down = downError(request.origin, breaker);
    if (down) throw down;
    try {
      const response = await next(request);
      breaker.attemptAnswered(request.method);
      return response;
    } catch (error) {
      if (error instanceof TransportError) breaker.attemptUnanswered(request.method, error.message);
      throw error;
    }
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
