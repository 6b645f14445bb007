// A validated config resolved into the runtime model: every default applied, every endpoint and account set.
import type * as z from 'zod';
import { type Config, DEFAULT_ACCOUNT, type Scope } from '../model/config.js';
import { DEFAULT_POLICY, type TaskPolicy } from '../policy/policy.js';
import { resolveSources } from './account-sources.js';
import { inputErrorFrom } from './errors.js';
import { configSchema, DEFAULT_LIMITS, type policyFields, type scopeFields } from './schema.js';

type ParsedPolicy = z.output<z.ZodObject<typeof policyFields>>;
type ParsedScope = z.output<z.ZodObject<typeof scopeFields>>;

/** Validates a parsed JSON value as a config; throws InputError listing every problem with its path. */
export function parseConfig(input: unknown): Config {
  const result = configSchema.safeParse(input);
  if (!result.success) throw inputErrorFrom(result.error);
  const { dryRun, defaults = {}, limits = {}, instances = [], fleets = [], accounts } = result.data;
  return {
    dryRun,
    limits: { ...DEFAULT_LIMITS, ...limits },
    targets: instances.map(({ instanceId, region, projectId, endpoint, account, ...overrides }) => ({
      ...resolveScope({ region, projectId, endpoint, account }),
      instanceId,
      source: 'config',
      policy: resolvePolicy(defaults, overrides),
    })),
    fleets: fleets.map(
      ({ region, projectId, endpoint, account, tags, names, excludeInstanceIds, ...overrides }, index) => ({
        ...resolveScope({ region, projectId, endpoint, account }),
        index,
        tags,
        names: names ?? [],
        excludeInstanceIds: (excludeInstanceIds ?? []).map((id) => id.toLowerCase()),
        policy: resolvePolicy(defaults, overrides),
      }),
    ),
    sources: resolveSources(accounts),
  };
}

function resolveScope({ region, projectId, endpoint, account }: ParsedScope): Scope {
  return {
    region,
    projectId,
    endpoint: endpoint ?? `https://dcs.${region}.myhuaweicloud.com`,
    account: account ?? DEFAULT_ACCOUNT,
  };
}

function resolvePolicy(defaults: ParsedPolicy, overrides: ParsedPolicy): TaskPolicy {
  const pick = <K extends keyof ParsedPolicy>(key: K) => overrides[key] ?? defaults[key];
  return {
    olderThanMs: pick('olderThan') ?? DEFAULT_POLICY.olderThanMs,
    statuses: pick('statuses') ?? DEFAULT_POLICY.statuses,
    excludeTaskNames: pick('excludeTaskNames') ?? DEFAULT_POLICY.excludeTaskNames,
    keepLatest: pick('keepLatest') ?? DEFAULT_POLICY.keepLatest,
    maxDeletesPerInstance: pick('maxDeletesPerInstance') ?? DEFAULT_POLICY.maxDeletesPerInstance,
  };
}
