import { describe, expect, it } from 'vitest';
import { Breaker, downError } from '../src/http/breaker.js';
import { Pacer, paced } from '../src/http/pacer.js';
import type { HttpRequest } from '../src/http/request.js';
import { DEFAULT_RETRY, isRetryableStatus, parseRetryAfter, retryDelayMs } from '../src/http/retry.js';
import type { Clock } from '../src/time/clock.js';

/** A clock whose time moves only when the test says so; sleeps resolve as it passes them. */
class ManualClock implements Clock {
  time = 0;
  #sleepers: { until: number; wake: () => void }[] = [];
  now = () => this.time;
  random = () => 0.5;
  sleep = (ms: number) => new Promise<void>((wake) => this.#sleepers.push({ until: this.time + ms, wake }));
  async advance(ms: number) {
    await new Promise((resolve) => setImmediate(resolve));
    const end = this.time + ms;
    while (true) {
      const next = this.#sleepers.filter((s) => s.until <= end).sort((a, b) => a.until - b.until)[0];
      if (!next) break;
      this.time = Math.max(this.time, next.until);
      this.#sleepers.splice(this.#sleepers.indexOf(next), 1);
      next.wake();
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.time = end;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('Pacer', () => {
  it('spaces requests evenly at the configured rate', async () => {
    const clock = new ManualClock();
    const pacer = new Pacer({ concurrency: 100, requestsPerSecond: 10 }, clock);
    const grantedAt: number[] = [];
    for (let i = 0; i < 5; i++)
      void pacer.acquire().then((release) => {
        grantedAt.push(clock.time);
        release?.();
      });
    await clock.advance(1_000);
    expect(grantedAt).toEqual([0, 100, 200, 300, 400]);
  });

  it('never lets more than `concurrency` requests in flight', async () => {
    const clock = new ManualClock();
    const pacer = new Pacer({ concurrency: 2, requestsPerSecond: 1000 }, clock);
    const releases: (() => void)[] = [];
    for (let i = 0; i < 5; i++) void pacer.acquire().then((release) => release && releases.push(release));
    await clock.advance(100);
    expect(releases).toHaveLength(2);
    releases[0]?.();
    await clock.advance(100);
    expect(releases).toHaveLength(3);
  });

  it('gives up on a waiter whose deadline passes', async () => {
    const clock = new ManualClock();
    const pacer = new Pacer({ concurrency: 1, requestsPerSecond: 1 }, clock);
    const first = await pacer.acquire(500);
    first?.();
    const second = pacer.acquire(500);
    await clock.advance(600);
    expect(await second).toBeUndefined();
  });

  it('slows down after a 429 and recovers to the configured rate', async () => {
    const clock = new ManualClock();
    const pacer = new Pacer({ concurrency: 10, requestsPerSecond: 100 }, clock);
    pacer.throttled();
    pacer.throttled(); // the same wave of 429s counts once
    expect(pacer.rate).toBe(75);
    for (let second = 1; second <= 4; second++) {
      await clock.advance(1_000);
      (await pacer.acquire())?.();
    }
    expect(pacer.rate).toBe(100);
  });
});

describe('retry policy', () => {
  const policy = { ...DEFAULT_RETRY, maxAttempts: 5 };

  it('retries exactly 429, 500, 502, 503 and 504', () => {
    const retryable = [400, 401, 403, 404, 409, 429, 500, 501, 502, 503, 504].filter(isRetryableStatus);
    expect(retryable).toEqual([429, 500, 502, 503, 504]);
  });

  it('uses full jitter under a cap that starts at 1 s and doubles up to 20 s', () => {
    expect(retryDelayMs(policy, 1, 0.999)).toBeLessThan(1_000);
    expect(retryDelayMs(policy, 1, 0)).toBe(0);
    expect(retryDelayMs(policy, 3, 0.999)).toBeLessThan(4_000);
    expect(retryDelayMs(policy, 3, 0.999)).toBeGreaterThan(3_900);
    expect(retryDelayMs(policy, 10, 0.999)).toBeLessThan(20_000);
    expect(retryDelayMs(policy, 10, 0.999)).toBeGreaterThan(19_900);
  });

  it('honours Retry-After up to 30 s', () => {
    expect(retryDelayMs(policy, 1, 0.5, 4_000)).toBe(4_000);
    expect(retryDelayMs(policy, 1, 0.5, 120_000)).toBe(30_000);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('an endpoint found down empties its queue', () => {
  it('attempts waiting for a slot when the breaker opens are turned away at once, as unavailable', async () => {
    const clock: Clock = {
      now: () => Date.now(),
      random: () => 0,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    };
    const pacer = new Pacer({ concurrency: 1, requestsPerSecond: 1000 }, clock);
    const breaker = new Breaker(() => pacer.turnAwayWaiting());
    let sent = 0;
    let finish: () => void = () => {};
    const send = paced<HttpRequest>(
      () => pacer,
      undefined,
      undefined,
      (origin) => downError(origin, breaker),
    )(async () => {
      sent++;
      await new Promise<void>((resolve) => {
        finish = resolve;
      });
      return {
        status: 200,
        body: { text: '' },
        requestId: undefined,
        retryAfter: undefined,
        date: undefined,
      };
    });
    const request: HttpRequest = {
      origin: 'https://dcs.example',
      method: 'DELETE',
      target: '/x',
      headers: {},
      bodyCaps: { success: 1, error: 1 },
    };
    const first = send(request);
    const waiting = Array.from({ length: 5 }, () => send(request).catch((error) => error));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent).toBe(1);
    for (let n = 0; n < 3; n++) breaker.attemptUnanswered('DELETE', 'no answer');
    const turnedAway = await Promise.all(waiting);
    expect(turnedAway.map((error) => error.reason)).toEqual(Array(5).fill('unavailable'));
    expect(sent).toBe(1);
    // Later attempts are refused before they queue.
    await expect(send(request)).rejects.toMatchObject({ reason: 'unavailable' });
    finish();
    await first;
  });
});
