// The config file of docs/config.md, validated strictly: unknown keys, bad values and duplicates are errors.
// The same zod schema generates schema/cleanup.schema.json (see json-schema.ts), so every key carries a
// description, and no pattern uses regex flags (JSON Schema cannot say them).
import * as z from 'zod';
import { DEFAULT_ACCOUNT, type Limits } from '../model/config.js';
import { ACCOUNT_NAME, PROJECT_ID, UUID } from '../model/ids.js';
import { DEFAULT_POLICY, TERMINAL_STATUSES } from '../policy/policy.js';
import { accountSourcesSchema } from './account-sources.js';
import { ageSchema, formatDuration, MIN_AGE_MS } from './duration.js';
import { endpointSchema, int, REGION } from './fields.js';

export const DEFAULT_LIMITS: Limits = { concurrency: 8, requestsPerSecond: 20, maxAttempts: 5 };
/** Glob patterns use `*` and `?` only: bracket, brace and escape syntax is refused rather than misread. */
const GLOB = /^[^[\]{}\\]{1,128}$/;

/** What each policy key means; `defaults` documents the built-in default too. */
const POLICY_DOCS = {
  olderThan: `Tasks created longer ago than this are stale: an integer and m, h or d ("90m", "12h", "7d"); at least ${formatDuration(MIN_AGE_MS)}.`,
  statuses:
    'Task statuses that may be deleted. Only the terminal SUCCESS and FAILED can be named; any other status is never deleted.',
  excludeTaskNames: 'Task names (e.g. "masterStandbySwapJob") that are never deleted.',
  keepLatest:
    'The newest N SUCCESS or FAILED tasks of each instance are never deleted, whatever their age or name.',
  maxDeletesPerInstance:
    'At most this many stale tasks per instance get a delete attempt in one run; the rest are deferred to the next run.',
} as const;

/**
 * The policy keys. In `defaults` they document the built-in default; in an entry they override `defaults`
 * (so an entry's own default is the `defaults` value, and the schema says so instead of a default).
 */
function policyFieldsFor(where: 'defaults' | 'entry') {
  const doc = (key: keyof typeof POLICY_DOCS, builtIn: unknown) =>
    where === 'defaults'
      ? { description: POLICY_DOCS[key], default: builtIn }
      : { description: `${POLICY_DOCS[key]} Overrides defaults.${key} for this entry.` };
  const defaultAge = formatDuration(DEFAULT_POLICY.olderThanMs);
  const age = doc('olderThan', defaultAge);
  return {
    olderThan: ageSchema(age.description, where === 'defaults' ? defaultAge : undefined).optional(),
    statuses: z
      .array(
        z.enum(TERMINAL_STATUSES, { error: 'only terminal statuses may be selected: SUCCESS or FAILED' }),
      )
      .min(1, { error: 'must name at least one status' })
      .refine((list) => new Set(list).size === list.length, { error: 'must not repeat a status' })
      .optional()
      .meta(doc('statuses', [...DEFAULT_POLICY.statuses])),
    excludeTaskNames: z
      .array(z.string().min(1, { error: 'must not be empty' }))
      .optional()
      .meta(doc('excludeTaskNames', [])),
    keepLatest: int(0, 10_000).optional().meta(doc('keepLatest', DEFAULT_POLICY.keepLatest)),
    maxDeletesPerInstance: int(1, 100_000)
      .optional()
      .meta(doc('maxDeletesPerInstance', DEFAULT_POLICY.maxDeletesPerInstance)),
  };
}
export const policyFields = policyFieldsFor('entry');

const uuidSchema = z.string({ error: 'is required: a UUID' }).regex(UUID, { error: 'must be a UUID' });

export const scopeFields = {
  region: z
    .string({ error: 'is required: a Huawei Cloud region id such as "cn-north-4"' })
    .regex(REGION, { error: 'must be a Huawei Cloud region id such as "cn-north-4"' })
    .meta({ description: 'Huawei Cloud region id, e.g. "cn-north-4".' }),
  projectId: z
    .string({ error: 'is required: 32 hex characters' })
    .regex(PROJECT_ID, { error: 'must be 32 hex characters' })
    .meta({ description: "The region's IAM project id: 32 hex characters." }),
  endpoint: endpointSchema.optional(),
  account: z
    .string({ error: 'must be an account name' })
    .regex(ACCOUNT_NAME, {
      error: 'must be an account name: a lower-case letter, then up to 31 lower-case letters, digits or "-"',
    })
    .optional()
    .meta({
      description:
        'Whose credentials sign the requests: "default" (CLOUD_SDK_AK/SK or the default secret) or a named account of the credentials file or secret.',
      default: DEFAULT_ACCOUNT,
    }),
};

const instanceSchema = z
  .strictObject({
    ...scopeFields,
    instanceId: uuidSchema.meta({ description: 'The DCS instance id (a UUID).' }),
    ...policyFields,
  })
  .meta({ description: 'One DCS instance, named by id, with optional policy overrides.' });

const fleetSchema = z
  .strictObject({
    ...scopeFields,
    tags: z
      .record(z.string().min(1), z.string({ error: 'must be a string' }), {
        // zod reports a bad key as `invalid_key` on the record itself.
        error: (issue) =>
          issue.code === 'invalid_key'
            ? 'tag keys must not be empty'
            : issue.code === 'invalid_type'
              ? 'is required: an object of tag key → exact value ({} selects every instance of the project)'
              : undefined,
      })
      .meta({
        description:
          'Instance tags that must all match exactly (key → value). Required; {} deliberately selects every instance of the project.',
      }),
    names: z
      .array(
        z.string({ error: 'must be a glob pattern' }).regex(GLOB, {
          error: 'must be a glob pattern of 1 to 128 characters using only * and ? as wildcards',
        }),
      )
      .min(1, { error: 'must name at least one pattern (leave the key out to match any name)' })
      .optional()
      .meta({
        description:
          'Glob patterns (* and ? only) on the instance name; an instance matches when any pattern matches its whole name.',
      }),
    excludeInstanceIds: z
      .array(uuidSchema)
      .optional()
      .meta({ description: 'Instance ids (UUIDs) this fleet never cleans.' }),
    ...policyFields,
  })
  .meta({
    description:
      "A project's RUNNING instances selected by tags and names, discovered at the start of every run.",
  });

export const configSchema = z
  .strictObject({
    $schema: z
      .string()
      .optional()
      .meta({ description: 'The JSON Schema of this file, for editors; ignored by the cleanup.' }),
    dryRun: z
      .boolean({ error: 'is required: true or false' })
      .meta({ description: 'Required. true: report what would be deleted and delete nothing.' }),
    defaults: z
      .strictObject(policyFieldsFor('defaults'))
      .optional()
      .meta({ description: 'Policy for every instance and fleet; each entry may override any key.' }),
    limits: z
      .strictObject({
        concurrency: int(1, 64).optional().meta({
          description: 'Requests in flight at once, per endpoint.',
          default: DEFAULT_LIMITS.concurrency,
        }),
        requestsPerSecond: int(1, 1000).optional().meta({
          description:
            'Request rate per endpoint (each region has its own gateway); slowed down after a 429.',
          default: DEFAULT_LIMITS.requestsPerSecond,
        }),
        maxAttempts: int(1, 10).optional().meta({
          description:
            'Attempts per request, the first one included (500/502/503/504/429 and network errors are retried).',
          default: DEFAULT_LIMITS.maxAttempts,
        }),
      })
      .optional()
      .meta({ description: 'Request limits, applied per endpoint.' }),
    instances: z.array(instanceSchema, { error: 'must be a list of instances' }).optional().meta({
      description: 'Instances named by id. An instance listed here wins over any fleet that matches it.',
    }),
    fleets: z.array(fleetSchema, { error: 'must be a list of fleets' }).optional().meta({
      description:
        'Instances discovered by project, tags and names. An instance matched by several fleets is cleaned once, by the first.',
    }),
    accounts: accountSourcesSchema.optional(),
  })
  .superRefine((config, ctx) => {
    if ((config.instances?.length ?? 0) + (config.fleets?.length ?? 0) === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['instances'],
        message:
          'the config names no instance and no fleet: add at least one entry to "instances" or "fleets"',
      });
    }
    const seen = new Set<string>();
    config.instances?.forEach((instance, index) => {
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
  })
  .meta({
    title: 'dcs-task-cleanup config',
    description: 'Which Huawei Cloud DCS instances to clean of stale background tasks, and how.',
  });
