import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../src/config/duration.js';
import { InputError } from '../src/config/errors.js';
import { planRun } from '../src/config/plan.js';
import { parseConfig } from '../src/config/schema.js';

const CONTRACT_EXAMPLE = {
  dryRun: false,
  defaults: {
    olderThan: '7d',
    statuses: ['SUCCESS', 'FAILED'],
    excludeTaskNames: [],
    keepLatest: 0,
    maxDeletesPerInstance: 500,
  },
  limits: { concurrency: 8, requestsPerSecond: 20, maxAttempts: 5 },
  instances: [
    {
      region: 'cn-north-4',
      projectId: '0123456789abcdef0123456789abcdef',
      instanceId: 'e2a3b1c0-1111-4222-8333-944455556666',
      endpoint: 'https://dcs.cn-north-4.myhuaweicloud.com',
      olderThan: '30d',
    },
  ],
};
const INSTANCE = CONTRACT_EXAMPLE.instances[0] as Record<string, unknown>;

function issuesOf(input: unknown): string[] {
  try {
    parseConfig(input);
  } catch (error) {
    if (error instanceof InputError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  return [];
}

const withInstance = (patch: Record<string, unknown>) => ({
  dryRun: true,
  instances: [{ ...INSTANCE, ...patch }],
});

describe('config', () => {
  it('accepts the contract example and resolves per-instance overrides', () => {
    const config = parseConfig(CONTRACT_EXAMPLE);
    expect(config.targets[0]?.policy).toEqual({
      olderThanMs: 30 * 86_400_000,
      statuses: ['SUCCESS', 'FAILED'],
      excludeTaskNames: [],
      keepLatest: 0,
      maxDeletesPerInstance: 500,
    });
    expect(config.limits).toEqual({ concurrency: 8, requestsPerSecond: 20, maxAttempts: 5 });
  });

  it('applies the built-in defaults and the default endpoint', () => {
    const { endpoint, ...rest } = INSTANCE;
    const config = parseConfig({ dryRun: true, instances: [{ ...rest, olderThan: undefined }] });
    expect(config.targets[0]).toMatchObject({
      endpoint: 'https://dcs.cn-north-4.myhuaweicloud.com',
      policy: { olderThanMs: 30 * 86_400_000, keepLatest: 0, maxDeletesPerInstance: 500 },
    });
    expect(config.limits).toEqual({ concurrency: 8, requestsPerSecond: 20, maxAttempts: 5 });
  });

  it.each([
    [{ instances: [INSTANCE] }, 'dryRun: is required'],
    [{ dryRun: 'no', instances: [INSTANCE] }, 'dryRun: is required: true or false'],
    [{ dryRun: true, instances: [] }, 'instances: must list at least one instance'],
    [{ dryRun: true }, 'instances: is required'],
    [{ dryRun: true, instances: [INSTANCE], extra: 1 }, 'extra: unknown key'],
    [withInstance({ projectId: 'abc' }), 'instances[0].projectId: must be 32 hex characters'],
    [withInstance({ instanceId: 'not-a-uuid' }), 'instances[0].instanceId: must be a UUID'],
    [withInstance({ region: 'North China' }), 'instances[0].region: must be a Huawei Cloud region id'],
    [withInstance({ olderThan: '30m' }), 'instances[0].olderThan: "30m" is out of range'],
    [withInstance({ olderThan: '7 days' }), 'instances[0].olderThan: "7 days" is not a duration'],
    [withInstance({ olderThan: 7 }), 'instances[0].olderThan: must be a duration string'],
    [withInstance({ statuses: ['EXECUTING'] }), 'instances[0].statuses[0]: only terminal statuses'],
    [withInstance({ statuses: [] }), 'instances[0].statuses: must name at least one status'],
    [withInstance({ keepLatest: -1 }), 'instances[0].keepLatest: must be at least 0'],
    [withInstance({ keepLatest: 1.5 }), 'instances[0].keepLatest: must be a whole number'],
    [withInstance({ maxDeletesPerInstance: 0 }), 'instances[0].maxDeletesPerInstance: must be at least 1'],
    [
      withInstance({ maxDeletesPerInstance: 100_001 }),
      'instances[0].maxDeletesPerInstance: must be at most 100000',
    ],
    [withInstance({ endpoint: 'http://dcs.example.com' }), 'instances[0].endpoint: must use https'],
    [
      withInstance({ endpoint: 'https://dcs.example.com/v2' }),
      'instances[0].endpoint: must be a bare origin',
    ],
    [withInstance({ endpoint: 'not a url' }), 'instances[0].endpoint: is not a URL'],
    [withInstance({ endpoints: 'x' }), 'instances[0].endpoints: unknown key'],
    [{ ...withInstance({}), defaults: { olderThan: '1d', keep: 1 } }, 'defaults.keep: unknown key'],
    [{ ...withInstance({}), limits: { concurrency: 65 } }, 'limits.concurrency: must be at most 64'],
    [
      { ...withInstance({}), limits: { requestsPerSecond: 0 } },
      'limits.requestsPerSecond: must be at least 1',
    ],
    [{ ...withInstance({}), limits: { maxAttempts: 11 } }, 'limits.maxAttempts: must be at most 10'],
    [{ dryRun: true, instances: [INSTANCE, INSTANCE] }, 'instances[1].instanceId: duplicate instanceId'],
  ])('rejects %j with the field path', (input, expected) => {
    expect(issuesOf(input).join('\n')).toContain(expected);
  });

  it('allows http only to loopback hosts', () => {
    for (const host of ['127.0.0.1:8080', 'localhost:9', '[::1]:443']) {
      expect(issuesOf(withInstance({ endpoint: `http://${host}` }))).toEqual([]);
    }
    expect(issuesOf(withInstance({ endpoint: 'http://10.0.0.1' }))).toHaveLength(1);
  });

  it('validates the region even when an endpoint is given', () => {
    expect(issuesOf(withInstance({ region: 'nowhere', endpoint: 'https://x.example.com' }))).toHaveLength(1);
  });

  it('reports every problem at once', () => {
    expect(issuesOf(withInstance({ projectId: 'x', instanceId: 'y', keepLatest: 'z' }))).toHaveLength(3);
  });
});

describe('durations', () => {
  it.each([
    ['90m', 90 * 60_000],
    ['12h', 12 * 3_600_000],
    ['7d', 7 * 86_400_000],
  ])('parses %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(parseDuration(formatDuration(ms))).toBe(ms);
  });

  it.each(['', '7', 'd', '1.5h', '-1d', '7D', '07d', '1w', ' 7d'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('planRun', () => {
  const config = parseConfig(CONTRACT_EXAMPLE);

  it('narrows to configured instances and rejects others', () => {
    expect(planRun(config, { instanceIds: [INSTANCE.instanceId as string] }).targets).toHaveLength(1);
    expect(() => planRun(config, { instanceIds: ['e2a3b1c0-1111-4222-8333-000000000000'] })).toThrow(
      /instanceIds: not in the config/,
    );
  });

  it('overrides dryRun and the age', () => {
    const plan = planRun(config, { dryRun: true, olderThanMs: 3_600_000 });
    expect(plan.dryRun).toBe(true);
    expect(plan.targets[0]?.policy.olderThanMs).toBe(3_600_000);
    expect(planRun(config, {}).dryRun).toBe(false);
  });
});
