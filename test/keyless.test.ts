// §16 No long-lived key: full runs with temporary credentials from each source, against the simulator's
// identity endpoints over HTTP (an OIDC issuer with real JWT signatures, IAM STS, the ECS metadata service,
// a pod-identity endpoint, AWS STS through the real @aws-sdk/client-sts), for the CLI and the Lambda
// handler; renewal over a run longer than the lifetime; failing and hostile sources; no secret in any output.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { credentialSet } from '../src/credentials/accounts.js';
import { connectDcs } from '../src/dcs/client.js';
import { run } from '../src/engine/run.js';
import { LogReporter } from '../src/report/log-reporter.js';
import { IDENTITY_PATHS, SIMULATED_AWS_ROLE } from '../src/simulator/identity.js';
import type { DcsSimulator, SimulatorOptions } from '../src/simulator/server.js';
import {
  CREDENTIALS,
  configFor,
  instanceId,
  MemoryLogger,
  PROJECT,
  parseConfig,
  runMain,
  seed,
  startSimulator,
  tasks,
} from './helpers.js';
import { alertRoute, capturingOutput } from './lambda-harness.js';
import { type Moto, startMoto } from './moto.js';

const BUNDLE = pathToFileURL(join(import.meta.dirname, '..', 'dist', 'handler.js')).href;

const [A, B] = [instanceId(1), instanceId(2)];
let dir: string;
let simulator: DcsSimulator | undefined;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dcs-keyless-'));
});
afterEach(async () => {
  await simulator?.stop();
  simulator = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A simulator with identity endpoints and no long-lived key at all. */
async function keylessSimulator(options: SimulatorOptions = {}) {
  simulator = await startSimulator({ credentials: [], identity: {}, ...options });
  seed(simulator, A, tasks(6, { ageDays: 10 }));
  seed(simulator, B, tasks(4, { ageDays: 10 }));
  return simulator;
}

function oidcSource(sim: DcsSimulator, idToken: unknown, provider = sim.identity.urns.provider) {
  return {
    source: 'oidc',
    providerUrn: provider,
    agencyUrn: sim.identity.urns.agency,
    stsEndpoint: sim.endpoint,
    idToken,
  };
}

/** Runs the CLI on a config whose `default` account takes `source`; no key in the environment. */
async function runWith(
  sim: DcsSimulator,
  source: unknown,
  env: Record<string, string> = {},
  extra: string[] = [],
) {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(configFor(sim.endpoint, [A, B], { accounts: { default: source } })));
  const result = await runMain(['run', '--config', path, '--json', '--log-format', 'json', ...extra], env);
  return { ...result, summary: JSON.parse(result.stdout || '{}') };
}

/** Every secret the simulator issued or signed, as no output may show it. */
function secretsIssued(sim: DcsSimulator): string[] {
  return sim.identity.issued.flatMap((credentials) => [credentials.sk, credentials.securityToken]);
}

function expectNoSecret(outputs: string[], secrets: string[]) {
  expect(secrets.length).toBeGreaterThan(0);
  for (const secret of secrets) for (const output of outputs) expect(output).not.toContain(secret);
}

describe('a keyless run, for each source (CLI)', () => {
  it('oidc from a token file: everything deleted, signed with temporary credentials and their token', async () => {
    const sim = await keylessSimulator();
    const tokenFile = join(dir, 'token');
    await sim.identity.writeTokenFile(tokenFile, { sub: 'system:serviceaccount:ops:dcs-task-cleanup' });
    const metrics = join(dir, 'keyless.prom');
    const { code, stdout, stderr, summary } = await runWith(sim, oidcSource(sim, { file: tokenFile }), {}, [
      '--metrics-file',
      metrics,
    ]);
    expect(code).toBe(0);
    expect(summary).toMatchObject({ status: 'ok', totals: { deleted: 10, failed: 0 } });
    expect(sim.identity.counts.assumeWithOidc).toBe(1);
    const idToken = readFileSync(tokenFile, 'utf8');
    expectNoSecret([stdout, stderr, readFileSync(metrics, 'utf8')], [...secretsIssued(sim), idToken]);
  });

  it.each([
    ['with a session token', 'required'],
    ['without one (an older metadata service: 404)', 'none'],
  ] as const)('ecs-agency, the metadata service %s', async (_, metadataTokens) => {
    const sim = await keylessSimulator({ identity: { metadataTokens } });
    const { code, stdout, stderr, summary } = await runWith(
      sim,
      { source: 'ecs-agency' },
      { DCS_TASK_CLEANUP_METADATA_URL: sim.endpoint },
    );
    expect(code).toBe(0);
    expect(summary).toMatchObject({ status: 'ok', totals: { deleted: 10 } });
    expect(sim.requests.filter((r) => r.path === IDENTITY_PATHS.securityKey)).toHaveLength(1);
    expectNoSecret([stdout, stderr], secretsIssued(sim));
  });

  it('cce-pod-identity: the token file’s contents as Authorization', async () => {
    const sim = await keylessSimulator();
    const tokenFile = join(dir, 'pod-token');
    writeFileSync(tokenFile, sim.identity.podToken);
    const { code, stdout, stderr, summary } = await runWith(
      sim,
      { source: 'cce-pod-identity' },
      {
        HC_CONTAINER_CREDENTIALS_FULL_URI: `${sim.endpoint}${IDENTITY_PATHS.podIdentity}`,
        HC_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile,
      },
    );
    expect(code).toBe(0);
    expect(summary).toMatchObject({ status: 'ok', totals: { deleted: 10 } });
    expectNoSecret([stdout, stderr], [...secretsIssued(sim), sim.identity.podToken]);
  });

  it('oidc from AWS GetWebIdentityToken, through the real @aws-sdk/client-sts pointed at the simulator', async () => {
    const sim = await keylessSimulator();
    const source = oidcSource(
      sim,
      { awsWebIdentity: { audience: sim.identity.audience } },
      sim.identity.urns.awsProvider,
    );
    for (const [name, value] of Object.entries(awsEnv(sim))) vi.stubEnv(name, value);
    const { code, stdout, stderr, summary } = await runWith(sim, source, awsEnv(sim)).finally(() =>
      vi.unstubAllEnvs(),
    );
    expect(code).toBe(0);
    expect(summary).toMatchObject({ status: 'ok', totals: { deleted: 10 } });
    expect(sim.identity.counts.awsSts).toBe(1);
    expect(sim.identity.subjects).toEqual([SIMULATED_AWS_ROLE]);
    expectNoSecret([stdout, stderr], secretsIssued(sim));
  });
});

/** What a Lambda's environment gives the AWS SDK, pointed at the simulator's AWS STS. */
function awsEnv(sim: DcsSimulator): Record<string, string> {
  return {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'ASIATESTTESTTESTTEST',
    AWS_SECRET_ACCESS_KEY: 'aws-secret-for-the-test-only',
    AWS_SESSION_TOKEN: 'aws-session-token-for-the-test',
    AWS_ENDPOINT_URL_STS: `${sim.endpoint}${IDENTITY_PATHS.awsSts}`,
  };
}

describe('renewal', () => {
  it('a run three times longer than the credential lifetime: everything deleted, renewed about every half lifetime', async () => {
    const lifetimeMs = 1_500;
    const sim = await keylessSimulator({ identity: { credentialLifetimeMs: lifetimeMs }, latencyMs: 60 });
    seed(sim, A, tasks(40, { ageDays: 10 }));
    seed(sim, B, tasks(40, { ageDays: 10 }));
    const tokenFile = join(dir, 'token-long');
    await sim.identity.writeTokenFile(tokenFile, { sub: 'ci-job' });
    // The issuer rotates the token file while the run goes (a projected token): each renewal reads it again.
    const rotation = setInterval(() => void sim.identity.writeTokenFile(tokenFile, { sub: 'ci-job' }), 400);
    const path = join(dir, 'config-long.json');
    const config = configFor(sim.endpoint, [A, B], {
      accounts: { default: oidcSource(sim, { file: tokenFile }) },
      limits: { concurrency: 1, requestsPerSecond: 1000, maxAttempts: 3 },
    });
    writeFileSync(path, JSON.stringify(config));
    const startedAt = Date.now();
    const { code, stdout, stderr } = await runMain(
      ['run', '--config', path, '--json', '--log-format', 'json'],
      {},
    );
    clearInterval(rotation);
    const runMs = Date.now() - startedAt;
    const summary = JSON.parse(stdout);
    const stats = stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .find((record) => record.message === 'run finished')?.stats;
    expect(code).toBe(0);
    expect(runMs).toBeGreaterThan(3 * lifetimeMs);
    expect(summary).toMatchObject({ status: 'ok', totals: { deleted: 80, failed: 0 } });
    expect(sim.countByStatus()[401]).toBeUndefined();
    // About run time / (lifetime / 2) renewals, never one per request.
    const expected = runMs / (lifetimeMs / 2);
    expect(stats.credentialRefreshes).toBe(sim.identity.counts.assumeWithOidc);
    expect(stats.credentialRefreshes).toBeGreaterThanOrEqual(Math.floor(expected * 0.5));
    expect(stats.credentialRefreshes).toBeLessThanOrEqual(Math.ceil(expected * 1.5) + 1);
    expect(stats.credentialRefreshes).toBeLessThan(stats.requests / 4);
    expectNoSecret([stdout, stderr], secretsIssued(sim));
  }, 60_000);

  it('a failed renewal that is transient (503, then a reset) is tried again: the run is ok', async () => {
    const sim = await keylessSimulator();
    const failures = [
      { status: 503, body: { error_code: 'STS5.0500', error_msg: 'busy' } },
      'reset',
    ] as const;
    let calls = 0;
    sim.identity.override = () => (calls < failures.length ? (failures[calls++] as never) : undefined);
    const tokenFile = join(dir, 'token-transient');
    await sim.identity.writeTokenFile(tokenFile, { sub: 'ci-job' });
    const { code, summary } = await runWith(sim, oidcSource(sim, { file: tokenFile }));
    expect(code).toBe(0);
    expect(summary).toMatchObject({ status: 'ok', totals: { deleted: 10 } });
    expect(sim.identity.counts.assumeWithOidc).toBe(3);
  });

  it('once its credentials expired and cannot be renewed, the account stops alone: its work deferred, the others go on', async () => {
    const sim = await keylessSimulator({
      credentials: [CREDENTIALS],
      identity: { credentialLifetimeMs: 1_200 },
      latencyMs: 80,
    });
    seed(sim, A, tasks(40, { ageDays: 10 }));
    seed(sim, B, tasks(10, { ageDays: 10 }));
    const tokenFile = join(dir, 'token-stops');
    await sim.identity.writeTokenFile(tokenFile, { sub: 'ci-job' });
    let first = true;
    // The first exchange works; every later one fails (STS down).
    sim.identity.override = () => {
      if (first) {
        first = false;
        return undefined;
      }
      return { status: 500, body: { error_code: 'STS5.0500', error_msg: 'internal error' } };
    };
    const config = configFor(sim.endpoint, [A], {
      limits: { concurrency: 1, requestsPerSecond: 1000, maxAttempts: 3 },
      accounts: { prod: oidcSource(sim, { file: tokenFile }) },
    });
    config.instances = [
      { ...config.instances[0], account: 'prod' },
      { region: 'cn-north-4', projectId: PROJECT, instanceId: B, endpoint: sim.endpoint },
    ] as typeof config.instances;
    const path = join(dir, 'config-stops.json');
    writeFileSync(path, JSON.stringify(config));
    const { code, stdout, stderr } = await runMain([
      'run',
      '--config',
      path,
      '--json',
      '--log-format',
      'json',
    ]);
    const summary = JSON.parse(stdout);
    expect(code).toBe(1);
    expect(summary.status).toBe('failed');
    const [prod, other] = summary.instances;
    expect(other).toMatchObject({ instanceId: B, deleted: 10, failed: 0 });
    expect(prod.failed).toBe(0);
    expect(prod.deleted).toBeGreaterThan(0);
    expect(prod.deferred).toBe(40 - prod.deleted);
    const records = stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    const stopped = records.filter((record) => record.message === 'credentials unavailable');
    expect(stopped).toHaveLength(1);
    expect(stopped[0]).toMatchObject({
      level: 'ERROR',
      account: 'prod',
      source: 'oidc',
      deferred: prod.deferred,
    });
    expect(stopped[0].error).toMatch(
      /^credentials unavailable: oidc: IAM STS .* answered HTTP 500 STS5\.0500/,
    );
    expect(records.find((r) => r.message === 'tasks deferred' && r.reason === 'credentials')).toBeDefined();
    // No request was signed with expired credentials.
    expect(sim.countByStatus()[401]).toBeUndefined();
  }, 30_000);
});

describe('hostile identity answers: a clear error, nothing sent with bad credentials', () => {
  const valid = (expires_at: string) => ({
    status: 200,
    body: {
      credential: {
        access: 'TMPHOSTILE',
        secret: 'hostile-secret-key',
        securitytoken: 'hostile-token',
        expires_at,
      },
    },
  });
  const day = 86_400_000;
  it.each([
    ['an expiry in the past', valid('2020-01-08T03:50:07.574000Z'), /expire in the past/],
    [
      'an expiry 30 days ahead',
      valid(new Date(Date.now() + 30 * day).toISOString()),
      /more than 7 days ahead/,
    ],
    ['an expiry that does not parse', valid('tomorrow at noon'), /expiry is not an ISO 8601 time/],
    [
      'a security token with a line break (a header injection)',
      {
        status: 200,
        body: {
          credential: {
            access: 'TMP',
            secret: 'hostile-secret-key',
            securitytoken: 'hostile-token\r\nX-Injected: 1',
            expires_at: '2030-01-01T00:00:00Z',
          },
        },
      },
      /credential\.securitytoken holds characters a header cannot carry/,
    ],
    [
      'no secret',
      { status: 200, body: { credential: { access: 'TMP', expires_at: '2030-01-01T00:00:00Z' } } },
      /credential\.secret is missing/,
    ],
    [
      'a 5 MB body',
      {
        status: 200,
        stream: {
          prefix: '{"credential": "',
          filler: 'x',
          bytes: 5 * 1024 * 1024,
          suffix: '"}',
          declareLength: false,
        },
      },
      /larger than 1 MiB/,
    ],
    ['no answer', 'hang', /no answer from .* within 300 ms/],
  ] as const)('%s', async (_, reply, why) => {
    const sim = await keylessSimulator();
    sim.identity.override = (route) => (route === 'metadata' ? (reply as never) : undefined);
    const config = parseConfig(
      configFor(sim.endpoint, [A, B], { accounts: { default: { source: 'ecs-agency' } } }),
    );
    const credentials = credentialSet(new Map(), config.sources, {
      env: { DCS_TASK_CLEANUP_METADATA_URL: sim.endpoint },
      timeoutMs: 300,
      refresh: { attempts: 2, backoffMs: 10 },
    });
    const logger = new MemoryLogger();
    try {
      const { summary } = await run(
        config,
        {},
        { dcs: connectDcs(credentials.accounts), reporter: new LogReporter(logger) },
      );
      expect(summary.status).toBe('failed');
      for (const instance of summary.instances) {
        expect(instance.error?.message).toMatch(
          /^credentials unavailable: ecs-agency: the ECS metadata service/,
        );
        expect(instance.error?.message).toMatch(why);
      }
      expect(logger.records.filter((r) => r.message === 'credentials unavailable')).toHaveLength(1);
    } finally {
      await credentials.close();
    }
    // Not one DCS request: nothing signed with credentials that were refused.
    expect(sim.requests.filter((request) => request.operation !== null)).toHaveLength(0);
    const text = JSON.stringify(logger.records);
    expect(text).not.toContain('hostile-secret-key');
    expect(text).not.toContain('hostile-token');
  });
});

describe('the Lambda handler, keyless (built bundle)', () => {
  let moto: Moto;
  let route: Awaited<ReturnType<typeof alertRoute>>;
  const savedEnv = { ...process.env };
  beforeAll(async () => {
    moto = await startMoto();
    route = await alertRoute(moto, 'keyless-alerts');
  });
  afterAll(async () => {
    process.env = { ...savedEnv };
    await moto?.stop();
  });

  /** What each source needs: the config's account and the function's environment. */
  const SOURCES: Record<
    string,
    (sim: DcsSimulator) => Promise<{ source: unknown; env: Record<string, string>; secrets: string[] }>
  > = {
    'oidc from AWS GetWebIdentityToken (the keyless deployment)': async (sim) => ({
      source: oidcSource(
        sim,
        { awsWebIdentity: { audience: sim.identity.audience } },
        sim.identity.urns.awsProvider,
      ),
      // The service-specific setting wins for STS only: the simulator's AWS STS.
      env: { AWS_ENDPOINT_URL_STS: `${sim.endpoint}${IDENTITY_PATHS.awsSts}` },
      secrets: [],
    }),
    'oidc from a token file': async (sim) => {
      const file = join(dir, 'lambda-token');
      await sim.identity.writeTokenFile(file, { sub: 'lambda' });
      return { source: oidcSource(sim, { file }), env: {}, secrets: [readFileSync(file, 'utf8')] };
    },
    'ecs-agency': async (sim) => ({
      source: { source: 'ecs-agency' },
      env: { DCS_TASK_CLEANUP_METADATA_URL: sim.endpoint },
      secrets: [],
    }),
    'cce-pod-identity': async (sim) => {
      const file = join(dir, 'lambda-pod-token');
      writeFileSync(file, sim.identity.podToken);
      return {
        source: { source: 'cce-pod-identity' },
        env: {
          HC_CONTAINER_CREDENTIALS_FULL_URI: `${sim.endpoint}${IDENTITY_PATHS.podIdentity}`,
          HC_CONTAINER_AUTHORIZATION_TOKEN_FILE: file,
        },
        secrets: [sim.identity.podToken],
      };
    },
  };

  it.each(Object.keys(SOURCES))(
    '%s: no secret set; nothing secret in logs, answer or events',
    async (name) => {
      const sim = await keylessSimulator();
      const { source, env, secrets } = await (SOURCES[name] as (typeof SOURCES)[string])(sim);
      process.env = {
        ...savedEnv,
        AWS_ENDPOINT_URL: moto.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        ALERT_EVENT_BUS: route.bus,
        CLEANUP_CONFIG: JSON.stringify(configFor(sim.endpoint, [A, B], { accounts: { default: source } })),
        POWERTOOLS_DEV: 'false',
        ...env,
      };
      delete process.env.DCS_CREDENTIALS_SECRET_ID;
      const { handler } = (await import(`${BUNDLE}?keyless=${encodeURIComponent(name)}`)) as {
        handler: (event: unknown, context: unknown) => Promise<Record<string, unknown>>;
      };
      const output: string[] = [];
      const summary = await capturingOutput(
        () =>
          handler(
            { 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} },
            {
              functionName: 'dcs-task-cleanup',
              invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:dcs-task-cleanup',
              awsRequestId: 'keyless',
              getRemainingTimeInMillis: () => 120_000,
            },
          ),
        output,
      );
      expect(summary).toMatchObject({ status: 'ok', totals: { deleted: 10 } });
      expect(sim.identity.issued).toHaveLength(1);
      const published = (await route.received()).map((event) => JSON.stringify(event));
      expect(published.length).toBeGreaterThan(0);
      // The run's metrics (EMF) and logs are in the output.
      expect(output.join('')).toContain('"run finished"');
      expectNoSecret(
        [output.join(''), JSON.stringify(summary), ...published],
        [...secretsIssued(sim), ...secrets],
      );
    },
    60_000,
  );
});

describe('a 401 on temporary credentials', () => {
  it('renews them once and sends the request again: nothing fails, nothing counts toward the 401 stop', async () => {
    const sim = await keylessSimulator({ identity: { revokeFirst: 1 } });
    const tokenFile = join(dir, 'token-revoked');
    await sim.identity.writeTokenFile(tokenFile, { sub: 'ci-job' });
    const { code, stderr, summary } = await runWith(sim, oidcSource(sim, { file: tokenFile }));
    expect(code).toBe(0);
    expect(summary).toMatchObject({ status: 'ok', totals: { deleted: 10, failed: 0 } });
    expect(sim.countByStatus()[401]).toBe(1);
    expect(sim.identity.counts.assumeWithOidc).toBe(2);
    const finished = stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .find((record) => record.message === 'run finished');
    expect(finished.stats).toMatchObject({ authFailures: 0, credentialRefreshes: 2 });
  });

  it('with credentials that are refused again after renewal, the 401 stop applies as for keys', async () => {
    const sim = await keylessSimulator({ identity: { revokeFirst: 100 } });
    const tokenFile = join(dir, 'token-refused');
    await sim.identity.writeTokenFile(tokenFile, { sub: 'ci-job' });
    const { code, summary } = await runWith(sim, oidcSource(sim, { file: tokenFile }));
    expect(code).toBe(1);
    expect(summary.status).toBe('failed');
    // 3 stops the account (MAX_AUTH_FAILURES), each after one renewal: 6 answers of 401 at most.
    expect(sim.countByStatus()[401]).toBeLessThanOrEqual(6);
    expect(sim.identity.counts.assumeWithOidc).toBeLessThanOrEqual(4);
  });
});
