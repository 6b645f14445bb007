import { type Interceptor, NotSentError } from '../http/request.js';
import type { DcsRequest } from './request.js';

/**
 * Huawei locks an AK after 5 authentication failures in a row. A run therefore stops sending with an
 * account's credentials after MAX_AUTH_FAILURES 401s (other accounts go on), and until a request has proven the credentials (or after a 401) it lets only
 * one request through at a time, so a wave of concurrent requests cannot fail together.
 */
export const MAX_AUTH_FAILURES = 3;

/** Call with the attempt's HTTP status (null when no answer came). */
export type Settle = (httpStatus: number | null) => void;

/** One account's guard. */
export class AuthGuard {
  readonly #account: string;
  #failures = 0;
  #proven = false;
  #probe: Promise<void> | undefined;

  constructor(account: string) {
    this.#account = account;
  }

  get failures(): number {
    return this.#failures;
  }

  /** Why no request may be sent any more, or undefined while requests may go. */
  haltReason(): string | undefined {
    return this.#failures >= MAX_AUTH_FAILURES
      ? `the run stopped sending for account "${this.#account}" after ${this.#failures} authentication failures (401)`
      : undefined;
  }

  /** Waits until a request may be sent; the returned function must be called with its result. */
  async admit(): Promise<Settle> {
    while (!this.#proven && this.#probe) await this.#probe;
    if (this.#proven) return (status) => this.#record(status);
    let finished: () => void = () => {};
    this.#probe = new Promise((resolve) => {
      finished = resolve;
    });
    return (status) => {
      this.#record(status);
      this.#probe = undefined;
      finished();
    };
  }

  #record(status: number | null): void {
    if (status === 401) {
      this.#failures++;
      this.#proven = false;
    } else if (status !== null) {
      this.#proven = true;
    }
  }
}

/**
 * Each attempt passes its account's guard (`guardFor`): it waits while the credentials are unproven, and is
 * not sent once the account is halted.
 */
export function guarded<R extends DcsRequest>(guardFor: (account: string) => AuthGuard): Interceptor<R> {
  return (next) => async (request) => {
    const guard = guardFor(request.account);
    const settle = await guard.admit();
    const halted = guard.haltReason();
    if (halted) {
      settle(null);
      throw new NotSentError('interrupted', halted);
    }
    try {
      const response = await next(request);
      settle(response.status);
      return response;
    } catch (error) {
      settle(null);
      throw error;
    }
  };
}
