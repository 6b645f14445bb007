import type { Clock } from '../time/clock.js';
import { type HttpRequest, type Interceptor, NotSentError } from './request.js';

export interface PacerOptions {
  /** Requests in flight at once. */
  concurrency: number;
  /** Steady request rate; requests are spaced evenly, without bursts. */
  requestsPerSecond: number;
}

export type Release = () => void;

interface Waiter {
  deadline: number | undefined;
  grant: (release: Release | undefined) => void;
}

// After a 429 the rate drops to this share of what it was (at most once a second, so one wave of
// throttled in-flight requests counts once), then climbs back by RECOVERY_PER_SECOND of the configured rate.
const THROTTLE_FACTOR = 0.75;
const RECOVERY_PER_SECOND = 0.1;
const MIN_RATE = 1;

/** One pacer per endpoint: bounds concurrency and request rate for every request sent there. */
export class Pacer {
  readonly #options: PacerOptions;
  readonly #clock: Clock;
  readonly #queue: Waiter[] = [];
  #inFlight = 0;
  #rate: number;
  #nextStartAt = 0;
  #lastRateChangeAt = 0;
  #timerPending = false;

  readonly #stop: AbortSignal | undefined;

  /** Once `stop` aborts, every waiting and later acquire resolves to undefined. */
  constructor(options: PacerOptions, clock: Clock, stop?: AbortSignal) {
    this.#options = options;
    this.#clock = clock;
    this.#rate = options.requestsPerSecond;
    this.#stop = stop;
    stop?.addEventListener('abort', () => this.#pump(), { once: true });
  }

  /** Current requests per second (lower than configured for a while after a 429). */
  get rate(): number {
    return this.#rate;
  }

  /**
   * Waits for a slot. Resolves to a release function, or to undefined when `deadline` (epoch ms)
   * passes first or the pacer is stopped: the caller must then not send.
   */
  acquire(deadline?: number): Promise<Release | undefined> {
    return new Promise((grant) => {
      this.#queue.push({ deadline, grant });
      this.#pump();
    });
  }

  /** Turns away every attempt waiting now (their acquire resolves to undefined): the endpoint is down. */
  turnAwayWaiting(): void {
    for (const waiter of this.#queue.splice(0)) waiter.grant(undefined);
  }

  /** Reports a 429: slow down for a while. */
  throttled(): void {
    const now = this.#clock.now();
    if (now - this.#lastRateChangeAt < 1000 && this.#rate < this.#options.requestsPerSecond) return;
    this.#rate = Math.max(MIN_RATE, this.#rate * THROTTLE_FACTOR);
    this.#lastRateChangeAt = now;
  }

  #pump(): void {
    while (this.#queue.length > 0 && (this.#inFlight < this.#options.concurrency || this.#stop?.aborted)) {
      const now = this.#clock.now();
      const head = this.#queue[0] as Waiter;
      if (this.#stop?.aborted || (head.deadline !== undefined && now >= head.deadline)) {
        this.#queue.shift();
        head.grant(undefined);
        continue;
      }
      const wait = this.#nextStartAt - now;
      if (wait > 0) {
        this.#wakeAfter(head.deadline === undefined ? wait : Math.min(wait, head.deadline - now));
        return;
      }
      this.#queue.shift();
      this.#inFlight++;
      this.#recover(now);
      this.#nextStartAt = Math.max(now, this.#nextStartAt) + 1000 / this.#rate;
      head.grant(this.#releaser());
    }
  }

  #releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inFlight--;
      this.#pump();
    };
  }

  #recover(now: number): void {
    const configured = this.#options.requestsPerSecond;
    if (this.#rate >= configured) return;
    const seconds = (now - this.#lastRateChangeAt) / 1000;
    if (seconds < 1) return;
    this.#rate = Math.min(configured, this.#rate + configured * RECOVERY_PER_SECOND * seconds);
    this.#lastRateChangeAt = now;
  }

  #wakeAfter(ms: number): void {
    if (this.#timerPending) return;
    this.#timerPending = true;
    void this.#clock.sleep(ms).then(() => {
      this.#timerPending = false;
      this.#pump();
    });
  }
}

/**
 * Every attempt waits for its origin's pacer (`pacerFor`): one per endpoint, as each region has its own
 * gateway and throttling. A 429 slows that pacer down. No slot before `deadline`, a stop, or an endpoint
 * found down (`downFor`, asked before the wait and after it: a dead endpoint's queue empties at once):
 * NotSentError.
 */
export function paced<R extends HttpRequest>(
  pacerFor: (origin: string) => Pacer,
  deadline: number | undefined,
  stop: AbortSignal | undefined,
  downFor: (origin: string) => NotSentError | undefined = () => undefined,
): Interceptor<R> {
  return (next) => async (request) => {
    const pacer = pacerFor(request.origin);
    const downBefore = downFor(request.origin);
    if (downBefore) throw downBefore;
    const release = await pacer.acquire(deadline);
    if (!release) {
      throw (
        downFor(request.origin) ??
        (stop?.aborted
          ? new NotSentError('interrupted', `the run was stopped (${stop.reason})`)
          : new NotSentError('budget', 'the time budget ran out'))
      );
    }
    try {
      const response = await next(request);
      if (response.status === 429) pacer.throttled();
      return response;
    } finally {
      release();
    }
  };
}
