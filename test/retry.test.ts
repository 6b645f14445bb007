// The retry interceptor (src/http/retry.ts) and the endpoint breaker (src/http/breaker.ts), driven by a
// scripted transport and a clock that only moves when slept on.
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  Breaker,
  breaking,
  FAILURES_BEFORE_UNAVAILABLE,
  SILENT_ATTEMPTS,
  tripping,
} from '../src/http/breaker.js';
import {
  type HttpRequest,
  type HttpResponse,
  NotSentError,
  type Send,
  TransportError,
} from '../src/http/request.js';
import {
  type AttemptReport,
  DEFAULT_RETRY,
  parseRetryAfter,
  retryDelayMs,
  retrying,
} from '../src/http/retry.js';

const request: HttpRequest = {
  origin: 'https://dcs.example',
  method: 'DELETE',
  target: '/x',
  headers: {},
  bodyCaps: { success: 10, error: 10 },
};
const answer = (status: number, extra: Partial<HttpResponse> = {}): HttpResponse => ({
  status,
  body: { text: '' },
  requestId: undefined,
  retryAfter: undefined,
  date: undefined,
  ...extra,
});
type Step = HttpResponse | TransportError | NotSentError;

/** A transport that plays `steps` in order, and a clock whose sleeps are recorded and pass at once. */
function scripted(steps: Step[], start = 1_000_000) {
  const sent: number[] = [];
  const sleeps: number[] = [];
  let time = start;
  const clock = {
    now: () => time,
    random: () => 0.5,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      time += ms;
    },
  };
  const send: Send<HttpRequest> = async () => {
    sent.push(time);
    const step = steps.shift();
    if (!step) throw new Error('no more steps');
    if (step instanceof Error) throw step;
    return step;
  };
  return { send, clock, sent, sleeps };
}

const network = () => new TransportError('network', 'network error: ECONNREFUSED');
const policy = { ...DEFAULT_RETRY, maxAttempts: 3 };

describe('retrying', () => {
  it('retries a transient answer until one that is not, with growing capped jittered delays', async () => {
    const { send, clock, sleeps } = scripted([answer(503), answer(500), answer(200)]);
    const reports: AttemptReport[] = [];
    const result = await retrying(send, { policy, clock, onAttempt: (r) => reports.push(r) })(request);
    expect(result).toMatchObject({ response: { status: 200 }, attempts: 3 });
    expect(sleeps).toEqual([500, 1_000]);
    expect(reports).toEqual([
      { method: 'DELETE', endpoint: 'https://dcs.example', attempt: 1, httpStatus: 503, willRetry: true },
      { method: 'DELETE', endpoint: 'https://dcs.example', attempt: 2, httpStatus: 500, willRetry: true },
      { method: 'DELETE', endpoint: 'https://dcs.example', attempt: 3, httpStatus: 200, willRetry: false },
    ]);
  });

  it('gives up after maxAttempts with the last answer', async () => {
    const { send, clock } = scripted([answer(502), answer(504), answer(429)]);
    await expect(retrying(send, { policy, clock })(request)).resolves.toMatchObject({
      response: { status: 429 },
      attempts: 3,
    });
  });

  it.each([400, 401, 403, 404, 409, 501])('never retries %i', async (status) => {
    const { send, clock, sent } = scripted([answer(status)]);
    await expect(retrying(send, { policy, clock })(request)).resolves.toMatchObject({ attempts: 1 });
    expect(sent).toHaveLength(1);
  });

  it('does not retry a body over its cap, even with a transient status', async () => {
    const { send, clock, sent } = scripted([answer(500, { body: { tooLarge: 'big' } })]);
    await retrying(send, { policy, clock })(request);
    expect(sent).toHaveLength(1);
  });

  it('retries network errors, not TLS errors, and throws the last one with its attempts', async () => {
    const { send, clock } = scripted([network(), network(), network()]);
    const error = await retrying(send, { policy, clock })(request).catch((e) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect(error.attempts).toBe(3);
    const tls = scripted([new TransportError('tls', 'TLS error: CERT_HAS_EXPIRED')]);
    const tlsError = await retrying(tls.send, { policy, clock: tls.clock })(request).catch((e) => e);
    expect(tlsError.attempts).toBe(1);
    expect(tls.sent).toHaveLength(1);
  });

  it('honours Retry-After (capped at 30 s) instead of its own backoff', async () => {
    const { send, clock, sleeps } = scripted([
      answer(429, { retryAfter: '7' }),
      answer(503, { retryAfter: '120' }),
      answer(200),
    ]);
    await retrying(send, { policy, clock })(request);
    expect(sleeps).toEqual([7_000, 30_000]);
  });

  it('starts no retry that the deadline cannot fit (its delay must end before it)', async () => {
    const start = 1_000_000;
    const fits = scripted([answer(500), answer(200)], start);
    const ok = await retrying(fits.send, { policy, clock: fits.clock, deadline: start + 501 })(request);
    expect(ok.attempts).toBe(2);
    const tight = scripted([answer(500), answer(200)], start);
    const late = await retrying(tight.send, { policy, clock: tight.clock, deadline: start + 500 })(request);
    expect(late).toMatchObject({ attempts: 1, response: { status: 500 } });
  });

  it('starts no retry once stopped; a first attempt that cannot be sent throws why', async () => {
    const stopped = new AbortController();
    stopped.abort();
    const one = scripted([answer(500), answer(200)]);
    const result = await retrying(one.send, { policy, clock: one.clock, stop: stopped.signal })(request);
    expect(result.attempts).toBe(1);
    const refused = scripted([new NotSentError('budget', 'the time budget ran out')]);
    await expect(retrying(refused.send, { policy, clock: refused.clock })(request)).rejects.toBeInstanceOf(
      NotSentError,
    );
  });

  it('a retry the budget or a stop prevents ends with the answer that called for it', async () => {
    const { send, clock } = scripted([answer(503), new NotSentError('budget', 'the time budget ran out')]);
    await expect(retrying(send, { policy, clock })(request)).resolves.toMatchObject({
      response: { status: 503 },
      attempts: 1,
    });
    const after = scripted([network(), new NotSentError('interrupted', 'the run was stopped')]);
    const error = await retrying(after.send, { policy, clock: after.clock })(request).catch((e) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect(error.attempts).toBe(1);
  });

  it('a retry to an endpoint found down is not sent: the request ends not sent (its task is deferred)', async () => {
    const { send, clock } = scripted([network(), new NotSentError('unavailable', 'endpoint unavailable: x')]);
    const error = await retrying(send, { policy, clock })(request).catch((e) => e);
    expect(error).toBeInstanceOf(NotSentError);
    expect(error.reason).toBe('unavailable');
  });

  it('a stop cuts a backoff wait short', async () => {
    const stop = new AbortController();
    let woke = false;
    const clock = {
      now: () => 0,
      random: () => 0.999,
      sleep: () => new Promise<void>(() => {}), // never ends by itself
    };
    const steps = [answer(500), answer(200)];
    const send: Send<HttpRequest> = async () => steps.shift() as HttpResponse;
    const pending = retrying(send, { policy, clock, stop: stop.signal })(request).then((r) => {
      woke = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(woke).toBe(false);
    stop.abort();
    await expect(pending).resolves.toMatchObject({ attempts: 2 });
  });

  it('a backoff wait that ends leaves no listener on the stop signal', async () => {
    const stop = new AbortController();
    const { send, clock } = scripted([answer(500), answer(500), answer(200)]);
    await retrying(send, { policy, clock, stop: stop.signal })(request);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });

  it('the delay: full jitter under a cap doubling from baseDelayMs to maxDelayMs; Retry-After as given', () => {
    const p = { baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000, maxAttempts: 9 };
    expect([1, 2, 3, 4, 5].map((retry) => retryDelayMs(p, retry, 0.5))).toEqual([50, 100, 200, 400, 500]);
    expect(retryDelayMs(p, 3, 0)).toBe(0);
    expect(retryDelayMs(p, 1, 0.5, 0)).toBe(0);
    expect(retryDelayMs(p, 1, 0.5, 5_000)).toBe(5_000);
    expect(retryDelayMs(p, 1, 0.5, 5_001)).toBe(5_000);
  });

  it('Retry-After: whole seconds up to a day, or one of the three HTTP-date forms', () => {
    const now = Date.UTC(2026, 11, 1, 12, 0, 0);
    expect(parseRetryAfter('86400', now)).toBe(86_400_000);
    expect(parseRetryAfter('86401', now)).toBeUndefined();
    expect(parseRetryAfter('99999', now)).toBeUndefined();
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('Tuesday, 01-Dec-26 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue Dec  1 12:00:30 2026', now)).toBe(30_000);
    expect(parseRetryAfter('Tue Dec 01 12:00:30 2026', now)).toBe(30_000);
    // Near misses of each form (Date.parse would read most of them): none is a Retry-After.
    for (const text of [
      'xTue, 01 Dec 2026 12:00:30 GMT',
      'Tue, 01 Dec 2026 12:00:30 GMTx',
      'Tue, 01 Dec 2026 12:00:30 GMT+0100',
      'Tuesday, 01-Dec-26 12:00:30 GMT+0100',
      'Tue, 1 Dec 2026 12:00:30 GMT',
      'Tue, 01 Dec 26 12:00:30 GMT',
      'Tue, 01 Dec 2026 12:0:30 GMT',
      'xTuesday, 01-Dec-26 12:00:30 GMT',
      'Tuesday, 01-Dec-26 12:00:30 GMTx',
      'Tuesday, 1-Dec-26 12:00:30 GMT',
      'Tuesday, 01-Dec-2026 12:00:30 GMT',
      'Tuesday, 01-Dec-26 1:00:30 GMT',
      'Tuesday, 01-Dec-26 12:0:30 GMT',
      'Tuesday, 01-Dec-26 12:00:3 GMT',
      'Tuesday, 01-Dec-26 12:00:30',
      'Tuesday, 01 Dec 26 12:00:30 GMT',
      'Tue, 01-Dec-26 12:00:30 GMT',
      'xTue Dec  1 12:00:30 2026',
      'Tue Dec  1 12:00:30 2026x',
      'Tue Dec  1 12:00:30 26',
      'Tue Dec   1 12:00:30 2026',
      'Tue Dec  1 12:0:30 2026',
      'Tue Dec  1 12:00:30 2026 GMT',
    ]) {
      expect([text, parseRetryAfter(text, now)]).toEqual([text, undefined]);
    }
    expect(parseRetryAfter(' 12 ', now)).toBe(12_000);
    expect(parseRetryAfter('00086400', now)).toBeUndefined();
    expect(parseRetryAfter('123456', now)).toBeUndefined();
    expect(parseRetryAfter('Tue, 01 Dec 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 01 Dec 2026 12:00:30 UTC', now)).toBeUndefined();
    expect(parseRetryAfter('Tue, 31 Feb 2026 12:00:30 GMT', now)).toBeDefined();
    expect(parseRetryAfter('Tue Dec  1 12:00:30 2026 ', now)).toBe(30_000);
  });
});

describe('the endpoint breaker', () => {
  it(`opens after ${FAILURES_BEFORE_UNAVAILABLE} requests in a row with no answer or a 5xx; any other answer resets it`, () => {
    const breaker = new Breaker();
    for (let n = 1; n < FAILURES_BEFORE_UNAVAILABLE; n++) breaker.answered(500 + (n % 5));
    expect(breaker.unavailable).toBeUndefined();
    breaker.answered(404);
    for (let n = 1; n < FAILURES_BEFORE_UNAVAILABLE; n++) breaker.noAnswer('network error: ECONNRESET');
    breaker.answered(499);
    for (let n = 1; n < FAILURES_BEFORE_UNAVAILABLE; n++) breaker.answered(503);
    expect(breaker.unavailable).toBeUndefined();
    breaker.noAnswer('network error: ECONNREFUSED');
    expect(breaker.unavailable).toBe('network error: ECONNREFUSED');
    breaker.answered(200); // open for the rest of the run
    expect(breaker.unavailable).toBe('network error: ECONNREFUSED');
    expect(FAILURES_BEFORE_UNAVAILABLE).toBe(10);
  });

  it('unanswered attempts in a row: 3 for an endpoint that never answered, 10 for one that did', () => {
    const silent = new Breaker();
    silent.attemptUnanswered('GET', 'network error: no answer within 10000 ms');
    silent.attemptUnanswered('GET', 'network error: no answer within 10000 ms');
    expect(silent.unavailable).toBeUndefined();
    silent.attemptUnanswered('GET', 'network error: no answer within 10000 ms');
    expect(silent.unavailable).toBe('network error: no answer within 10000 ms');
    expect(SILENT_ATTEMPTS).toBe(3);
    const answeredOnce = new Breaker();
    answeredOnce.attemptUnanswered('DELETE', 'x');
    answeredOnce.attemptUnanswered('DELETE', 'x');
    answeredOnce.attemptAnswered('DELETE'); // an answer to the same method starts the count again
    for (let n = 1; n < FAILURES_BEFORE_UNAVAILABLE; n++) answeredOnce.attemptUnanswered('DELETE', 'x');
    answeredOnce.attemptAnswered('GET'); // listings that answer do not clear hanging deletes
    expect(answeredOnce.unavailable).toBeUndefined();
    answeredOnce.attemptUnanswered('DELETE', 'hang');
    expect(answeredOnce.unavailable).toBe('hang');
  });

  it('is asked as each attempt is about to go: an attempt that queued while the breaker opened is not sent', async () => {
    const breaker = new Breaker();
    let sent = 0;
    const send = breaking<HttpRequest>(() => breaker)(async () => {
      sent++;
      throw network();
    });
    for (let n = 0; n < SILENT_ATTEMPTS; n++)
      await expect(send(request)).rejects.toBeInstanceOf(TransportError);
    await expect(send(request)).rejects.toMatchObject({ reason: 'unavailable' });
    expect(sent).toBe(SILENT_ATTEMPTS);
  });

  it('counts requests after their retries, and stops every attempt to that origin once open', async () => {
    const breakers = new Map<string, Breaker>();
    const breakerFor = (origin: string) =>
      breakers.get(origin) ?? (breakers.set(origin, new Breaker()).get(origin) as Breaker);
    let attempts = 0;
    // Each request: no answer, then 503 twice (an answer: the unanswered attempts never reach 10 in a row).
    const failing: Send<HttpRequest> = async () => {
      attempts++;
      if (attempts % 3 === 1) throw network();
      return answer(503);
    };
    const clock = { now: () => 0, random: () => 0, sleep: async () => {} };
    const send = tripping(
      retrying(breaking<HttpRequest>(breakerFor)(failing), { policy, clock }),
      breakerFor,
    );
    for (let n = 0; n < FAILURES_BEFORE_UNAVAILABLE; n++) {
      await expect(send(request)).resolves.toMatchObject({ response: { status: 503 }, attempts: 3 });
    }
    expect(attempts).toBe(3 * FAILURES_BEFORE_UNAVAILABLE);
    const error = await send(request).catch((e) => e);
    expect(error).toBeInstanceOf(NotSentError);
    expect(error).toMatchObject({
      reason: 'unavailable',
      message: `endpoint ${request.origin} unavailable: HTTP 503`,
    });
    expect(attempts).toBe(3 * FAILURES_BEFORE_UNAVAILABLE);
    // Another origin goes on.
    await expect(send({ ...request, origin: 'https://other.example' })).resolves.toMatchObject({
      attempts: 3,
    });
    expect(attempts).toBe(3 * FAILURES_BEFORE_UNAVAILABLE + 3);
  });

  it('a request the run did not send is not counted; 500 counts like any 5xx', async () => {
    const breaker = new Breaker();
    const send = tripping(
      async () => {
        throw new NotSentError('budget', 'the time budget ran out');
      },
      () => breaker,
    );
    for (let n = 0; n < FAILURES_BEFORE_UNAVAILABLE; n++) {
      await expect(send(request)).rejects.toBeInstanceOf(NotSentError);
    }
    expect(breaker.unavailable).toBeUndefined();
    for (let n = 0; n < FAILURES_BEFORE_UNAVAILABLE; n++) breaker.answered(500);
    expect(breaker.unavailable).toBe('HTTP 500');
  });

  it('a 5xx answer counts, its status is the last error', async () => {
    const breaker = new Breaker();
    const send = tripping(
      async () => ({ response: answer(502), attempts: 1 }),
      () => breaker,
    );
    for (let n = 0; n < FAILURES_BEFORE_UNAVAILABLE; n++) await send(request);
    expect(breaker.unavailable).toBe('HTTP 502');
  });
});

describe('what the breaker counts', () => {
  it('requests that end with no answer, after their retries, count toward the 10 in a row', async () => {
    const breaker = new Breaker();
    const send = tripping(
      async () => {
        throw network();
      },
      () => breaker,
    );
    for (let n = 1; n < FAILURES_BEFORE_UNAVAILABLE; n++)
      await expect(send(request)).rejects.toThrow(TransportError);
    expect(breaker.unavailable).toBeUndefined();
    await expect(send(request)).rejects.toThrow(TransportError);
    expect(breaker.unavailable).toBe('network error: ECONNREFUSED');
  });

  it('an attempt that was not sent, or failed before the wire, is no unanswered attempt', async () => {
    const breaker = new Breaker();
    const send = breaking<HttpRequest>(() => breaker)(async () => {
      throw new NotSentError('budget', 'the time budget ran out');
    });
    for (let n = 0; n < 2 * SILENT_ATTEMPTS; n++) await expect(send(request)).rejects.toThrow(NotSentError);
    expect(breaker.unavailable).toBeUndefined();
  });
});
