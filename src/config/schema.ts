// The config file of contract §2, validated strictly: unknown keys, bad values and duplicates are errors.
import * as z from 'zod';
import { DEFAULT_POLICY, type TaskPolicy, TERMINAL_STATUSES } from '../policy/policy.js';
import { ageSchema } from './duration.js';
import { formatPath, InputError, type InputIssue } from './errors.js';

export interface Limits {
  /** Requests in flight at once for the whole run. */
  concurrency: number;
  requestsPerSecond: number;
  /** Attempts per request, the first one included. */
  maxAttempts: number;
}

/** One configured instance with its effective policy. */
export interface Target {
  region: string;
  projectId: string;
  instanceId: string;
  /** Origin without a trailing slash, e.g. `https://dcs.cn-north-4.myhuaweicloud.com`. */
  endpoint: string;
  policy: TaskPolicy;
}

export interface Config {
  dryRun: boolean;
  limits: Limits;
  targets: Target[];
}

export const DEFAULT_LIMITS: Limits = { concurrency: 8, requestsPerSecond: 20, maxAttempts: 5 };
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

const int = (min: number, max: number) =>
  z
    .number({ error: `must be a whole number from ${min} to ${max}` })
    .int({ error: `must be a whole number from ${min} to ${max}` })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

const policyFields = {
  olderThan: ageSchema.optional(),
  statuses: z
    .array(z.enum(TERMINAL_STATUSES, { error: 'only terminal statuses may be selected: SUCCESS or FAILED' }))
    .min(1, { error: 'must name at least one status' })
    .refine((list) => new Set(list).size === list.length, { error: 'must not repeat a status' })
    .optional(),
  excludeTaskNames: z.array(z.string().min(1, { error: 'must not be empty' })).optional(),
  keepLatest: int(0, 10_000).optional(),
  maxDeletesPerInstance: int(1, 100_000).optional(),
};

const endpointSchema = z.string().transform((text, ctx) => {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  const problem = !url
    ? 'is not a URL'
    : url.username || url.password || url.search || url.hash || url.pathname !== '/'
      ? 'must be a bare origin such as https://dcs.cn-north-4.myhuaweicloud.com (no path, query or credentials)'
      : url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))
        ? undefined
        : 'must use https (http is allowed only to 127.0.0.1, localhost or [::1])';
  if (problem || !url) {
    ctx.addIssue({ code: 'custom', message: problem ?? 'is not a URL' });
    return z.NEVER;
  }
  return url.origin;
});

const instanceSchema = z.strictObject({
  region: z
    .string({ error: 'is required: a Huawei Cloud region id such as "cn-north-4"' })
    .regex(/^[a-z]{2,}(-[a-z]+)+-\d{1,3}$/, {
      error: 'must be a Huawei Cloud region id such as "cn-north-4"',
    }),
  projectId: z
    .string({ error: 'is required: 32 hex characters' })
    .regex(/^[0-9a-f]{32}$/i, { error: 'must be 32 hex characters' }),
  instanceId: z
    .string({ error: 'is required: a UUID' })
    .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { error: 'must be a UUID' }),
  endpoint: endpointSchema.optional(),
  ...policyFields,
});

const configSchema = z
  .strictObject({
    dryRun: z.boolean({ error: 'is required: true or false' }),
    defaults: z.strictObject(policyFields).optional(),
    limits: z
      .strictObject({
        concurrency: int(1, 64).optional(),
        requestsPerSecond: int(1, 1000).optional(),
        maxAttempts: int(1, 10).optional(),
      })
      .optional(),
    instances: z
      .array(instanceSchema, { error: 'is required: a list of instances' })
      .min(1, { error: 'must list at least one instance' }),
  })
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.instances.forEach((instance, index) => {
      const id = instance.instanceId.toLowerCase();
      if (seen.has(id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['instances', index, 'instanceId'],
          message: 'duplicate instanceId',
        });
      }
      seen.add(id);
    });
  });

type ParsedPolicy = z.output<z.ZodObject<typeof policyFields>>;

/** Validates a parsed JSON value as a config; throws InputError listing every problem with its path. */
export function parseConfig(input: unknown): Config {
  const result = configSchema.safeParse(input);
  if (!result.success) throw inputErrorFrom(result.error);
  const { dryRun, defaults = {}, limits = {}, instances } = result.data;
  return {
    dryRun,
    limits: { ...DEFAULT_LIMITS, ...limits },
    targets: instances.map(({ region, projectId, instanceId, endpoint, ...overrides }) => ({
      region,
      projectId,
      instanceId,
      endpoint: endpoint ?? `https://dcs.${region}.myhuaweicloud.com`,
      policy: resolvePolicy(defaults, overrides),
    })),
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

function toInputIssues(issue: z.core.$ZodIssue): InputIssue[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'unknown key' }));
  }
  return [{ path: formatPath(issue.path), message: issue.message }];
}

/** Turns zod issues into an InputError naming each field (the config file's, or a Lambda payload's). */
export function inputErrorFrom(error: z.ZodError): InputError {
  return new InputError(error.issues.flatMap(toInputIssues));
}
