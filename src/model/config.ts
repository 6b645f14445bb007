// The runtime model of a config: what parsing produces (src/config/) and every later stage reads.
import type { TaskPolicy } from '../policy/policy.js';
import type { CredentialSource } from './credentials.js';

export interface Limits {
  /** Requests in flight at once, per endpoint. */
  concurrency: number;
  /** Request rate, per endpoint. */
  requestsPerSecond: number;
  /** Attempts per request, the first one included. */
  maxAttempts: number;
}

/** Where requests go and whose credentials sign them. */
export interface Scope {
  region: string;
  projectId: string;
  /** Origin without a trailing slash, e.g. `https://dcs.cn-north-4.myhuaweicloud.com`. */
  endpoint: string;
  account: string;
}

/** One instance to clean, with its effective policy: an `instances` entry or a discovered one. */
export interface Target extends Scope {
  instanceId: string;
  source: 'config' | 'fleet';
  /** The instance name, when discovery reported one. */
  name?: string | undefined;
  policy: TaskPolicy;
}

/** A `fleets` entry: the instances of a project that its selectors match (docs/config.md). */
export interface Fleet extends Scope {
  /** Position in the config's `fleets` (0-based). */
  index: number;
  tags: Readonly<Record<string, string>>;
  names: readonly string[];
  /** Lower case. */
  excludeInstanceIds: readonly string[];
  policy: TaskPolicy;
}

export interface Config {
  dryRun: boolean;
  limits: Limits;
  targets: Target[];
  fleets: Fleet[];
  /** Accounts that get temporary credentials, and from where (the config's `accounts`). */
  sources: ReadonlyMap<string, CredentialSource>;
}

/** The account of an entry that names none. */
export const DEFAULT_ACCOUNT = 'default';

/** Every account the config's instances and fleets name. */
export function accountsUsed(config: Config): string[] {
  return [...new Set([...config.targets, ...config.fleets].map((entry) => entry.account))];
}
