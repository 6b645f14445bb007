// An account's credentials as the signer asks for them (docs/credentials.md): long-lived keys as they are, or
// temporary ones from a source, cached, renewed before they run short, one renewal at a time.
import { MAX_RENEWALS } from '../bounds/limits.js';
import type { Credentials, SourceName } from '../model/credentials.js';
import type { Clock } from '../time/clock.js';
import { CredentialsError, CredentialsUnavailableError } from './errors.js';

/** What a source hands out: credentials, when they expire, and what doctor may show of them. */
export interface IssuedCredentials {
  credentials: Required<Credentials>;
  expiresAtMs: number;
  /** The assumed agency, the id token's subject: facts for doctor, no secret. */
  facts: Readonly<Record<string, string>>;
}

/**
 * Gets fresh credentials from a source: one attempt; a CredentialsError says whether to try again. Every
 * secret it handles on the way (an id token, before anything can echo it) goes to `noteSecret`.
 */
export type Fetch = (noteSecret: (secret: string) => void) => Promise<IssuedCredentials>;

export interface AccountCredentials {
  readonly source: SourceName;
  /** Whether a 401 may be cured by renewing them. */
  readonly temporary: boolean;
  /** Credentials fit to sign a request now; CredentialsUnavailableError once there are none. */
  current(): Promise<Credentials>;
  /** After a 401 signed with `used`: newer credentials (renewed once, whoever asks). */
  renew(used: Credentials): Promise<Credentials>;
  /** Every secret handed out so far, for redaction. */
  secrets(): string[];
  /** Facts for doctor: the last credentials' expiry, agency, subject. */
  facts(): Readonly<Record<string, string>>;
  /** Identity requests made and renewals done (a run's stats). */
  readonly counts: { requests: number; refreshes: number };
  /** Why the account stopped (its credentials expired and could not be renewed), or undefined. */
  readonly unavailable: string | undefined;
}

/** Long-lived keys: always current, nothing to renew. */
export class KeyCredentials implements AccountCredentials {
  readonly source = 'keys';
  readonly temporary = false;
  readonly counts = { requests: 0, refreshes: 0 };
  readonly unavailable = undefined;
  readonly #keys: Credentials;

  constructor(keys: Credentials) {
    this.#keys = keys;
  }

  async current(): Promise<Credentials> {
    return this.#keys;
  }

  async renew(): Promise<Credentials> {
    return this.#keys;
  }

  secrets(): string[] {
    return [this.#keys.sk, ...(this.#keys.securityToken ? [this.#keys.securityToken] : [])];
  }

  facts(): Record<string, string> {
    return {};
  }
}

/** Renewal starts when less than this remains, or half the lifetime when that is shorter. */
export const REFRESH_BEFORE_MS = 40 * 60_000;

/**
 * Whether credentials obtained at `obtainedAtMs` and expiring at `expiresAtMs` are due for renewal at `nowMs`:
 * less than min(40 minutes, half their lifetime) remains (the official SDKs' 40 minutes; short lifetimes halve).
 */
export function refreshDue(nowMs: number, obtainedAtMs: number, expiresAtMs: number): boolean {
  const lifetime = expiresAtMs - obtainedAtMs;
  return expiresAtMs - nowMs < Math.min(REFRESH_BEFORE_MS, lifetime / 2);
}

/**
 * Whether credentials may still sign at `nowMs` after a renewal failed: more than a tenth of their lifetime
 * (at most a minute) remains, so that no request is signed with credentials about to expire in flight.
 */
export function stillUsable(nowMs: number, obtainedAtMs: number, expiresAtMs: number): boolean {
  const margin = Math.min(60_000, (expiresAtMs - obtainedAtMs) / 10);
  return expiresAtMs - nowMs > margin;
}

export interface RefreshTuning {
  /** Attempts per renewal, the first included; only transient failures are tried again. */
  attempts: number;
  /** The first retry's delay; each later one doubles. */
  backoffMs: number;
}

export const DEFAULT_REFRESH: RefreshTuning = { attempts: 3, backoffMs: 1_000 };

interface Held {
  credentials: Credentials;
  obtainedAtMs: number;
  expiresAtMs: number;
}

/** Temporary credentials from a source, renewed by the rules above. */
export class RefreshingCredentials implements AccountCredentials {
  readonly source: SourceName;
  readonly temporary = true;
  readonly counts = { requests: 0, refreshes: 0 };
  readonly #fetch: Fetch;
  readonly #clock: Clock;
  readonly #tuning: RefreshTuning;
  readonly #secrets = new Set<string>();
  #facts: Readonly<Record<string, string>> = {};
  #held: Held | undefined;
  /** The renewal in progress: every request that needs one waits for this one. */
  #renewal: Promise<Held> | undefined;
  /** Set once the credentials expired and could not be renewed: the account stops. */
  #unavailable: CredentialsUnavailableError | undefined;
  /** After a failed renewal, the next is not tried before this (requests do not each wait for a failing source). */
  #nextTryAtMs = 0;

  constructor(source: SourceName, fetch: Fetch, clock: Clock, tuning: RefreshTuning = DEFAULT_REFRESH) {
    this.source = source;
    this.#fetch = fetch;
    this.#clock = clock;
    this.#tuning = tuning;
  }

  async current(): Promise<Credentials> {
    const held = this.#held;
    const now = this.#clock.now();
    if (held && !refreshDue(now, held.obtainedAtMs, held.expiresAtMs)) return held.credentials;
    if (held && now < this.#nextTryAtMs && stillUsable(now, held.obtainedAtMs, held.expiresAtMs))
      return held.credentials;
    return this.#renewed(held);
  }

  async renew(used: Credentials): Promise<Credentials> {
    const held = this.#held;
    // Someone renewed since `used` was handed out: the newer ones are the answer.
    if (held && held.credentials !== used) return held.credentials;
    return this.#renewed(held, true);
  }

  get unavailable(): string | undefined {
    return this.#unavailable?.message;
  }

  secrets(): string[] {
    return [...this.#secrets];
  }

  facts(): Readonly<Record<string, string>> {
    return this.#facts;
  }

  /**
   * One renewal for all who ask. When it fails, credentials still valid for a while go on being used
   * (`force`: a 401 said they no longer are); otherwise the account stops for good.
   */
  async #renewed(held: Held | undefined, force = false): Promise<Credentials> {
    if (this.#unavailable) throw this.#unavailable;
    this.#renewal ??= this.#fetchWithRetries().finally(() => {
      this.#renewal = undefined;
    });
    try {
      return (await this.#renewal).credentials;
    } catch (error) {
      const why = (error as Error).message;
      const now = this.#clock.now();
      if (!force && held && stillUsable(now, held.obtainedAtMs, held.expiresAtMs)) {
        // Try again after a quarter of what remains (at most a minute), well before they expire.
        this.#nextTryAtMs = now + Math.min(60_000, (held.expiresAtMs - now) / 4);
        return held.credentials;
      }
      this.#unavailable ??= new CredentialsUnavailableError(this.source, why);
      throw this.#unavailable;
    }
  }

  async #fetchWithRetries(): Promise<Held> {
    // A renewal count at the bound means credentials are held: their lifetime says why.
    const held = this.#held;
    if (held && this.counts.refreshes >= MAX_RENEWALS) {
      throw new CredentialsError(
        `renewed ${MAX_RENEWALS} times in one run (its credentials last ${held.expiresAtMs - held.obtainedAtMs} ms): not renewed again`,
        false,
      );
    }
    for (let attempt = 1; ; attempt++) {
      this.counts.requests++;
      try {
        const issued = await this.#fetch((secret) => this.#secrets.add(secret));
        const { credentials } = issued;
        for (const secret of [credentials.sk, credentials.securityToken]) this.#secrets.add(secret);
        this.#facts = { ...issued.facts, expiresAt: new Date(issued.expiresAtMs).toISOString() };
        this.counts.refreshes++;
        this.#held = { credentials, obtainedAtMs: this.#clock.now(), expiresAtMs: issued.expiresAtMs };
        return this.#held;
      } catch (error) {
        const transient = error instanceof CredentialsError && error.transient;
        if (!transient || attempt >= this.#tuning.attempts) throw error;
        await this.#clock.sleep(this.#tuning.backoffMs * 2 ** (attempt - 1));
      }
    }
  }
}
