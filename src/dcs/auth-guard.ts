/**
 * Huawei locks an AK after 5 authentication failures in a row, so a run stops sending after
 * MAX_AUTH_FAILURES 401s, whatever instance or request they came from.
 */
export const MAX_AUTH_FAILURES = 3;

export class AuthGuard {
  #failures = 0;

  recordAuthFailure(): void {
    this.#failures++;
  }

  get failures(): number {
    return this.#failures;
  }

  /** Why no request may be sent any more, or undefined while requests may go. */
  haltReason(): string | undefined {
    return this.#failures >= MAX_AUTH_FAILURES
      ? `the run stopped sending after ${this.#failures} authentication failures (401)`
      : undefined;
  }
}
