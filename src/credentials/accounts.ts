// Every account's credentials for a run (docs/credentials.md): an account whose source the config names gets
// temporary credentials from there; any other its long-lived keys (the environment, a file, a secret).

import { InputError } from '../config/errors.js';
import { Agent } from '../http/undici.js';
import type { Accounts, CredentialSource, Credentials } from '../model/credentials.js';
import { type Clock, systemClock } from '../time/clock.js';
import { ccePodIdentity } from './cce-pod-identity.js';
import { ecsAgency, METADATA_BASE } from './ecs-agency.js';
import { identityCaller } from './identity-http.js';
import { oidc } from './oidc.js';
import {
  type AccountCredentials,
  type Fetch,
  KeyCredentials,
  RefreshingCredentials,
  type RefreshTuning,
} from './refresh.js';

type Env = Record<string, string | undefined>;

/** Credentials by account name, as the signer asks for them. */
export type CredentialSet = ReadonlyMap<string, AccountCredentials>;

export interface SourceSettings {
  env: Env;
  clock?: Clock;
  /** Per identity call (default 10 s). */
  timeoutMs?: number;
  refresh?: RefreshTuning;
}

/** Hosts that DCS_TASK_CLEANUP_METADATA_URL may name: the metadata service stands in only locally. */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The run's credentials; `close` ends the identity calls' connections. */
export function credentialSet(
  keys: Accounts,
  sources: ReadonlyMap<string, CredentialSource>,
  settings: SourceSettings,
): { accounts: CredentialSet; close: () => Promise<void> } {
  const accounts = new Map<string, AccountCredentials>();
  for (const [name, credentials] of keys) accounts.set(name, new KeyCredentials(credentials));
  if (sources.size === 0) return { accounts, close: async () => {} };
  const metadataBase = metadataBaseFrom(settings.env);
  const clock = settings.clock ?? systemClock;
  const dispatcher = new Agent({ keepAliveTimeout: 10_000 });
  const call = identityCaller(dispatcher, settings.timeoutMs);
  for (const [name, source] of sources) {
    const fetch: Fetch =
      source.source === 'ecs-agency'
        ? ecsAgency(call, metadataBase, clock)
        : source.source === 'cce-pod-identity'
          ? ccePodIdentity(call, settings.env, clock)
          : oidc(call, source, clock);
    accounts.set(name, new RefreshingCredentials(source.source, fetch, clock, settings.refresh));
  }
  return { accounts, close: () => dispatcher.close() };
}

/** `use` with the run's credentials; the identity calls' connections end after it, however it ends. */
export async function withCredentials<T>(
  keys: Accounts,
  sources: ReadonlyMap<string, CredentialSource>,
  settings: SourceSettings,
  use: (accounts: CredentialSet) => Promise<T>,
): Promise<T> {
  const { accounts, close } = credentialSet(keys, sources, settings);
  try {
    return await use(accounts);
  } finally {
    await close();
  }
}

/** Every secret every account has handed out so far (for a redactor that asks at each text). */
export function secretsOfSet(accounts: CredentialSet): string[] {
  return [...accounts.values()].flatMap((account) => account.secrets());
}

/** Long-lived keys or credential providers, by account name. */
export type AccountsIn = ReadonlyMap<string, Credentials | AccountCredentials>;

/** Keys or providers as a CredentialSet: keys become KeyCredentials. */
export function asCredentialSet(accounts: AccountsIn): CredentialSet {
  return new Map(
    [...accounts].map(([name, value]) => [name, 'current' in value ? value : new KeyCredentials(value)]),
  );
}

function metadataBaseFrom(env: Env): string {
  const override = env.DCS_TASK_CLEANUP_METADATA_URL;
  if (override === undefined || override === '') return METADATA_BASE;
  const url = URL.canParse(override) ? new URL(override) : undefined;
  if (url?.protocol !== 'http:' || !LOOPBACK.has(url.hostname) || url.pathname !== '/') {
    throw InputError.of(
      'DCS_TASK_CLEANUP_METADATA_URL',
      'must be a bare http origin on 127.0.0.1, localhost or [::1] (it stands in for the metadata service in tests)',
    );
  }
  return url.origin;
}
