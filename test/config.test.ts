import { describe, expect, it } from 'vitest';
import { credentialsFromEnv } from '../src/config/credentials.js';
import { formatDuration, parseDuration } from '../src/config/duration.js';
import { InputError } from '../src/config/errors.js';
import { checkBeforeDiscovery, narrowTargets } from '../src/config/narrowing.js';
import { parseConfig } from '../src/config/resolve.js';
import type { Narrowing } from '../src/model/run-request.js';

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
const FLEET = { region: 'cn-north-4', projectId: '0123456789abcdef0123456789abcdef', tags: { env: 'prod' } };
const withFleet = (patch: Record<string, unknown>) => ({ dryRun: true, fleets: [{ ...FLEET, ...patch }] });

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
    [{ dryRun: true, instances: [] }, 'instances: the config names no instance and no fleet'],
    [{ dryRun: true }, 'instances: the config names no instance and no fleet'],
    [{ dryRun: true, instances: [], fleets: [] }, 'instances: the config names no instance and no fleet'],
    [withInstance({ account: 'Prod' }), 'instances[0].account: must be an account name'],
    [withInstance({ account: '' }), 'instances[0].account: must be an account name'],
    [withInstance({ account: 'a'.repeat(33) }), 'instances[0].account: must be an account name'],
    [withFleet({ tags: undefined }), 'fleets[0].tags: is required'],
    [withFleet({ tags: ['env=prod'] }), 'fleets[0].tags: is required'],
    [withFleet({ tags: { env: 1 } }), 'fleets[0].tags.env'],
    [withFleet({ tags: { '': 'x' } }), 'fleets[0].tags[""]: tag keys must not be empty'],
    [withFleet({ tags: { 'app tier': 1 } }), 'fleets[0].tags["app tier"]: must be a string'],
    [withFleet({ names: ['redis-[ab]*'] }), 'fleets[0].names[0]: must be a glob pattern'],
    [withFleet({ names: ['{a,b}'] }), 'fleets[0].names[0]: must be a glob pattern'],
    [withFleet({ names: ['a\\*'] }), 'fleets[0].names[0]: must be a glob pattern'],
    [withFleet({ names: [''] }), 'fleets[0].names[0]: must be a glob pattern'],
    [withFleet({ names: [] }), 'fleets[0].names: must name at least one pattern'],
    [withFleet({ names: 'redis-*' }), 'fleets[0].names'],
    [withFleet({ account: 'prod_eu' }), 'fleets[0].account: must be an account name'],
    [withFleet({ excludeInstanceIds: ['x'] }), 'fleets[0].excludeInstanceIds[0]: must be a UUID'],
    [withFleet({ instanceId: INSTANCE.instanceId }), 'fleets[0].instanceId: unknown key'],
    [withFleet({ projectId: undefined }), 'fleets[0].projectId: is required'],
    [withFleet({ keepLatest: -1 }), 'fleets[0].keepLatest: must be at least 0'],
    [withFleet({ olderThan: '10m' }), 'fleets[0].olderThan: "10m" is out of range'],
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
    [withInstance({ endpoint: 'not a url' }), 'instances[0].endpoint: must be an http(s) URL'],
    [withInstance({ endpoint: 'https://' }), 'instances[0].endpoint: is not a URL'],
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

describe('fleets and accounts', () => {
  it('resolves a fleet: default endpoint and account, lower-case exclusions, policy overrides', () => {
    const config = parseConfig({
      dryRun: true,
      defaults: { olderThan: '7d', keepLatest: 2 },
      fleets: [
        {
          ...FLEET,
          names: ['redis-*'],
          excludeInstanceIds: ['E2A3B1C0-1111-4222-8333-944455556666'],
          keepLatest: 9,
        },
        { ...FLEET, account: 'prod-eu', tags: {}, endpoint: 'http://127.0.0.1:9' },
      ],
    });
    expect(config.targets).toEqual([]);
    expect(config.fleets[0]).toMatchObject({
      index: 0,
      endpoint: 'https://dcs.cn-north-4.myhuaweicloud.com',
      account: 'default',
      names: ['redis-*'],
      excludeInstanceIds: ['e2a3b1c0-1111-4222-8333-944455556666'],
      policy: { olderThanMs: 7 * 86_400_000, keepLatest: 9 },
    });
    expect(config.fleets[1]).toMatchObject({ index: 1, account: 'prod-eu', tags: {}, names: [] });
  });

  it('accepts upper-case hex ids (the JSON Schema says the same) and a $schema key', () => {
    expect(
      issuesOf({
        $schema: '../../schema/cleanup.schema.json',
        dryRun: true,
        instances: [
          {
            ...INSTANCE,
            projectId: '0123456789ABCDEF0123456789ABCDEF',
            instanceId: 'E2A3B1C0-1111-4222-8333-944455556666',
          },
        ],
      }),
    ).toEqual([]);
  });
});

describe('narrowing', () => {
  const config = parseConfig({
    ...CONTRACT_EXAMPLE,
    instances: [
      ...CONTRACT_EXAMPLE.instances,
      { ...INSTANCE, instanceId: 'e2a3b1c0-1111-4222-8333-000000000002', olderThan: '7d' },
    ],
  });
  const narrowing = (patch: Partial<Narrowing>): Narrowing => ({
    olderThanMayShorten: false,
    fields: { instanceId: (index) => `instanceIds[${index}]`, olderThan: 'olderThan' },
    ...patch,
  });

  it('selects instances case-insensitively and rejects unknown ones, naming each', () => {
    const picked = narrowTargets(
      config.targets,
      narrowing({ instanceIds: [(INSTANCE.instanceId as string).toUpperCase()] }),
    );
    expect(picked.map((target) => target.instanceId)).toEqual([INSTANCE.instanceId]);
    expect(() =>
      narrowTargets(
        config.targets,
        narrowing({ instanceIds: [INSTANCE.instanceId as string, 'e2a3b1c0-1111-4222-8333-000000000009'] }),
      ),
    ).toThrow(
      /instanceIds\[1\]: "e2a3b1c0-1111-4222-8333-000000000009" is neither in "instances" nor discovered/,
    );
  });

  it('names the fleets that failed when an id may be theirs', () => {
    expect(() =>
      narrowTargets(
        config.targets,
        narrowing({ instanceIds: ['e2a3b1c0-1111-4222-8333-000000000009'] }),
        'fleets[1] could not be discovered',
      ),
    ).toThrow(/fleets\[1\] could not be discovered/);
  });

  it('a payload may lengthen the age of what it selects, never shorten it', () => {
    expect(() => narrowTargets(config.targets, narrowing({ olderThanMs: 10 * 86_400_000 }))).toThrow(
      /olderThan: 10d is shorter than the configured 30d/,
    );
    const second = narrowTargets(
      config.targets,
      narrowing({ instanceIds: ['e2a3b1c0-1111-4222-8333-000000000002'], olderThanMs: 10 * 86_400_000 }),
    );
    expect(second[0]?.policy.olderThanMs).toBe(10 * 86_400_000);
  });

  it('the command line replaces the age, shorter or longer', () => {
    const picked = narrowTargets(
      config.targets,
      narrowing({ olderThanMs: 3_600_000, olderThanMayShorten: true }),
    );
    expect(picked.map((target) => target.policy.olderThanMs)).toEqual([3_600_000, 3_600_000]);
  });

  it('before discovery: judges what it can, and with fleets checks the age against every entry', () => {
    expect(() =>
      checkBeforeDiscovery(config, narrowing({ instanceIds: ['e2a3b1c0-1111-4222-8333-000000000009'] })),
    ).toThrow(/neither in "instances" nor discovered/);
    const withFleets = parseConfig({ ...CONTRACT_EXAMPLE, fleets: [{ ...FLEET, olderThan: '60d' }] });
    // An unknown id may still be discovered: not judged yet.
    expect(() =>
      checkBeforeDiscovery(withFleets, narrowing({ instanceIds: ['e2a3b1c0-1111-4222-8333-000000000009'] })),
    ).not.toThrow();
    expect(() => checkBeforeDiscovery(withFleets, narrowing({ olderThanMs: 40 * 86_400_000 }))).toThrow(
      /olderThan: 40d is shorter than the configured 60d/,
    );
  });
});

describe('accounts: sources of temporary credentials, never keys', () => {
  const base = {
    dryRun: true,
    instances: [
      {
        region: 'cn-north-4',
        projectId: '0123456789abcdef0123456789abcdef',
        instanceId: '11111111-1111-4111-8111-111111111111',
        account: 'prod',
      },
    ],
  };
  const oidc = {
    source: 'oidc',
    providerUrn: 'iam::1:oidcProvider:k8s',
    agencyUrn: 'iam::1:agency:cleanup',
    region: 'cn-north-4',
    idToken: { file: '/var/run/secrets/tokens/huawei' },
  };
  const issues = (accounts: unknown) => {
    try {
      parseConfig({ ...base, accounts });
      return '';
    } catch (error) {
      return (error as Error).message;
    }
  };

  it('a key in the config is bad input naming the field, and never shows its value', () => {
    const message = issues({
      prod: { ...oidc, ak: 'AKVISIBLE', sk: 'sk-never-shown', securityToken: 'tok-never' },
    });
    expect(message).toContain(
      'accounts.prod.ak: keys do not belong in the config: put them in the credentials file or secret',
    );
    expect(message).toContain('accounts.prod.sk: keys do not belong in the config');
    expect(message).toContain('accounts.prod.securityToken: keys do not belong in the config');
    expect(message).not.toContain('sk-never-shown');
    expect(message).not.toContain('tok-never');
  });

  it.each([
    [{ prod: { source: 'iam-user' } }, /accounts\.prod\.source: must name its "source"/],
    [{ prod: { ...oidc, region: undefined } }, /accounts\.prod\.region: needs "region" or "stsEndpoint"/],
    [{ prod: { ...oidc, durationSeconds: 600 } }, /accounts\.prod\.durationSeconds: must be at least 900/],
    [{ prod: { ...oidc, sessionName: 'x' } }, /accounts\.prod\.sessionName: must be 2 to 128 characters/],
    [
      { prod: { ...oidc, stsEndpoint: 'http://sts.example.com' } },
      /accounts\.prod\.stsEndpoint: must use https/,
    ],
    [{ prod: { ...oidc, idToken: { url: 'x' } } }, /accounts\.prod\.idToken: must be \{"file": PATH\}/],
    [{ Prod: { source: 'ecs-agency' } }, /account names are a lower-case letter/],
  ])('%j is refused with the field named', (accounts, message) => {
    expect(issues(accounts)).toMatch(message);
  });

  it('defaults: session dcs-task-cleanup, 3600 s, STS of the region', () => {
    const config = parseConfig({ ...base, accounts: { prod: oidc } });
    expect(config.sources.get('prod')).toEqual({
      ...oidc,
      region: undefined,
      sessionName: 'dcs-task-cleanup',
      durationSeconds: 3600,
      stsEndpoint: 'https://sts.cn-north-4.myhuaweicloud.com',
    });
  });
});

describe('the official SDKs’ environment names', () => {
  it('HUAWEICLOUD_SDK_AK, _SK and _SECURITY_TOKEN give the default account', () => {
    expect(
      credentialsFromEnv({
        HUAWEICLOUD_SDK_AK: 'AKOFFICIAL',
        HUAWEICLOUD_SDK_SK: 'sk-official',
        HUAWEICLOUD_SDK_SECURITY_TOKEN: 'tok',
      }),
    ).toEqual({ ak: 'AKOFFICIAL', sk: 'sk-official', securityToken: 'tok' });
  });

  it('both spellings with the same value are fine; with different values, bad input naming both', () => {
    expect(
      credentialsFromEnv({ CLOUD_SDK_AK: 'AK', HUAWEICLOUD_SDK_AK: 'AK', CLOUD_SDK_SK: 'sk' }),
    ).toMatchObject({
      ak: 'AK',
    });
    expect(() =>
      credentialsFromEnv({
        CLOUD_SDK_AK: 'AK1',
        HUAWEICLOUD_SDK_AK: 'AK2',
        CLOUD_SDK_SK: 'sk',
        HUAWEICLOUD_SDK_SK: 'other',
      }),
    ).toThrow(
      /CLOUD_SDK_AK: and HUAWEICLOUD_SDK_AK are both set, to different values: set one[\s\S]*CLOUD_SDK_SK: and HUAWEICLOUD_SDK_SK/,
    );
  });
});
