// The renewal rules of temporary credentials (src/credentials/refresh.ts), on a fake clock: when a renewal
// starts, that there is one at a time, what a failure does before and after expiry, and a 401's renewal.
import { describe, expect, it } from 'vitest';
import { MAX_RENEWALS } from '../src/bounds/limits.js';
import { CredentialsError, CredentialsUnavailableError } from '../src/credentials/errors.js';
import {
  type Fetch,
  type IssuedCredentials,
  KeyCredentials,
  REFRESH_BEFORE_MS,
  RefreshingCredentials,
  refreshDue,
  stillUsable,
} from '../src/credentials/refresh.js';
import type { Clock } from '../src/time/clock.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function fakeClock(start = 1_000_000) {
  const clock = {
    nowMs: start,
    slept: [] as number[],
    now: () => clock.nowMs,
    sleep: async (ms: number) => {
      clock.slept.push(ms);
      clock.nowMs += ms;
    },
    random: () => 0.5,
  };
  return clock satisfies Clock;
}

/** A source that hands out numbered credentials lasting `lifetimeMs`, or fails as `fail` says. */
function source(clock: ReturnType<typeof fakeClock>, lifetimeMs: number) {
  const state = {
    calls: 0,
    fail: undefined as ((call: number) => Error | undefined) | undefined,
    noted: [] as string[],
  };
  const fetch: Fetch = async (noteSecret) => {
    state.calls++;
    noteSecret(`id-token-${state.calls}`);
    const error = state.fail?.(state.calls);
    if (error) throw error;
    const n = state.calls;
    return {
      credentials: { ak: `AK${n}`, sk: `sk-${n}`, securityToken: `token-${n}` },
      expiresAtMs: clock.now() + lifetimeMs,
      facts: { agency: 'iam::1:agency:a', subject: 'sub' },
    } satisfies IssuedCredentials;
  };
  return { fetch, state };
}

const transient = () => new CredentialsError('STS answered HTTP 503', true);
const permanent = () => new CredentialsError('STS answered HTTP 403', false);

describe('when renewal is due', () => {
  it('at less than half the lifetime left for short lifetimes, 40 minutes for long ones', () => {
    // 1 h: half is 30 min, shorter than 40.
    expect(refreshDue(0, 0, HOUR)).toBe(false);
    expect(refreshDue(30 * MINUTE, 0, HOUR)).toBe(false);
    expect(refreshDue(30 * MINUTE + 1, 0, HOUR)).toBe(true);
    // 12 h: 40 minutes before the end.
    expect(refreshDue(12 * HOUR - REFRESH_BEFORE_MS, 0, 12 * HOUR)).toBe(false);
    expect(refreshDue(12 * HOUR - REFRESH_BEFORE_MS + 1, 0, 12 * HOUR)).toBe(true);
    expect(refreshDue(12 * HOUR, 0, 12 * HOUR)).toBe(true);
  });

  it('a failed renewal leaves credentials usable until a tenth of their lifetime (at most a minute) remains', () => {
    expect(stillUsable(0, 0, 10_000)).toBe(true);
    expect(stillUsable(9_000 - 1, 0, 10_000)).toBe(true);
    expect(stillUsable(9_000, 0, 10_000)).toBe(false);
    expect(stillUsable(12 * HOUR - MINUTE - 1, 0, 12 * HOUR)).toBe(true);
    expect(stillUsable(12 * HOUR - MINUTE, 0, 12 * HOUR)).toBe(false);
  });
});

describe('RefreshingCredentials', () => {
  it('fetches once, then serves the same credentials until renewal is due', async () => {
    const clock = fakeClock();
    const { fetch, state } = source(clock, HOUR);
    const account = new RefreshingCredentials('oidc', fetch, clock);
    expect(account.temporary).toBe(true);
    expect(account.source).toBe('oidc');
    expect(account.counts).toEqual({ requests: 0, refreshes: 0 });
    const first = await account.current();
    clock.nowMs += 30 * MINUTE;
    expect(await account.current()).toBe(first);
    clock.nowMs += 1;
    expect(await account.current()).toMatchObject({ ak: 'AK2' });
    expect(state.calls).toBe(2);
    expect(account.counts).toEqual({ requests: 2, refreshes: 2 });
    expect(account.facts()).toEqual({
      agency: 'iam::1:agency:a',
      subject: 'sub',
      expiresAt: new Date(clock.nowMs + HOUR).toISOString(),
    });
    expect(account.secrets()).toEqual(
      expect.arrayContaining(['id-token-1', 'sk-1', 'token-1', 'id-token-2', 'sk-2', 'token-2']),
    );
  });

  it('one renewal at a time: a hundred requests at once wait for the same one', async () => {
    const clock = fakeClock();
    const { fetch, state } = source(clock, HOUR);
    const account = new RefreshingCredentials('oidc', fetch, clock);
    const all = await Promise.all(Array.from({ length: 100 }, () => account.current()));
    expect(state.calls).toBe(1);
    expect(new Set(all).size).toBe(1);
  });

  it('transient failures are tried again with doubling waits; others are not', async () => {
    const clock = fakeClock();
    const { fetch, state } = source(clock, HOUR);
    state.fail = (call) => (call < 3 ? transient() : undefined);
    const account = new RefreshingCredentials('oidc', fetch, clock, { attempts: 3, backoffMs: 100 });
    expect(await account.current()).toMatchObject({ ak: 'AK3' });
    expect(clock.slept).toEqual([100, 200]);

    const other = source(clock, HOUR);
    other.state.fail = () => permanent();
    const refused = new RefreshingCredentials('oidc', other.fetch, clock, { attempts: 3, backoffMs: 100 });
    await expect(refused.current()).rejects.toThrow('credentials unavailable: oidc: STS answered HTTP 403');
    expect(other.state.calls).toBe(1);
  });

  it('by default: 3 attempts, 1 s then 2 s apart', async () => {
    const clock = fakeClock();
    const { fetch, state } = source(clock, HOUR);
    state.fail = () => transient();
    const account = new RefreshingCredentials('oidc', fetch, clock);
    await expect(account.current()).rejects.toBeInstanceOf(CredentialsUnavailableError);
    expect(state.calls).toBe(3);
    expect(clock.slept).toEqual([1_000, 2_000]);
  });

  it('a failed renewal goes on with valid credentials; once they expired the account stops for good', async () => {
    const clock = fakeClock();
    const { fetch, state } = source(clock, 10_000);
    const account = new RefreshingCredentials('ecs-agency', fetch, clock, { attempts: 1, backoffMs: 0 });
    const first = await account.current();
    state.fail = () => transient();
    clock.nowMs += 6_000;
    expect(await account.current()).toBe(first);
    expect(account.unavailable).toBeUndefined();
    // The next renewal waits a quarter of what remained (1 s): requests meanwhile do not call the source.
    const failedCalls = state.calls;
    clock.nowMs += 999;
    expect(await account.current()).toBe(first);
    expect(state.calls).toBe(failedCalls);
    clock.nowMs += 1;
    expect(await account.current()).toBe(first);
    expect(state.calls).toBe(failedCalls + 1);
    clock.nowMs += 2_000;
    const error = await account.current().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsUnavailableError);
    expect(account.unavailable).toBe('credentials unavailable: ecs-agency: STS answered HTTP 503');
    state.fail = undefined;
    const calls = state.calls;
    await expect(account.current()).rejects.toBe(error);
    expect(state.calls).toBe(calls);
  });

  it('after a 401: renews once for everyone who used the same credentials; a failure stops the account', async () => {
    const clock = fakeClock();
    const { fetch, state } = source(clock, HOUR);
    const account = new RefreshingCredentials('oidc', fetch, clock);
    const used = await account.current();
    const renewed = await Promise.all([account.renew(used), account.renew(used), account.renew(used)]);
    expect(state.calls).toBe(2);
    expect(new Set(renewed).size).toBe(1);
    expect(renewed[0]).not.toBe(used);
    // A late 401 of the old credentials gets the newer ones, without another renewal.
    expect(await account.renew(used)).toBe(renewed[0]);
    expect(state.calls).toBe(2);
    // Refused credentials are not used again even though their expiry is far: the account stops.
    state.fail = () => permanent();
    await expect(account.renew(renewed[0] as never)).rejects.toBeInstanceOf(CredentialsUnavailableError);
  });

  it('a source whose credentials expire at once is renewed at most MAX_RENEWALS times a run, then the account stops', async () => {
    const clock = fakeClock();
    const { fetch, state } = source(clock, 10);
    const account = new RefreshingCredentials('ecs-agency', fetch, clock, { attempts: 1, backoffMs: 0 });
    let error: unknown;
    for (let request = 0; request < 3 * MAX_RENEWALS && !error; request++) {
      clock.nowMs += 6;
      error = await account.current().then(
        () => undefined,
        (e: unknown) => e,
      );
    }
    expect(error).toBeInstanceOf(CredentialsUnavailableError);
    expect(account.unavailable).toBe(
      `credentials unavailable: ecs-agency: renewed ${MAX_RENEWALS} times in one run (its credentials last 10 ms): not renewed again`,
    );
    expect(state.calls).toBe(MAX_RENEWALS);
    // What it keeps to redact is bounded with it: an SK, a token and an id token a renewal.
    expect(account.secrets().length).toBe(3 * MAX_RENEWALS);
  });

  it('long-lived keys are what they are: nothing to renew, nothing temporary', async () => {
    const keys = new KeyCredentials({ ak: 'AK', sk: 'sk-long', securityToken: 'tok' });
    expect(keys.source).toBe('keys');
    expect(keys.temporary).toBe(false);
    expect(keys.counts).toEqual({ requests: 0, refreshes: 0 });
    expect(keys.facts()).toEqual({});
    expect(new KeyCredentials({ ak: 'AK', sk: 'sk-only' }).secrets()).toEqual(['sk-only']);
    expect(await keys.current()).toEqual({ ak: 'AK', sk: 'sk-long', securityToken: 'tok' });
    expect(await keys.renew()).toEqual(await keys.current());
    expect(keys.secrets()).toEqual(['sk-long', 'tok']);
    expect(keys.unavailable).toBeUndefined();
  });
});
