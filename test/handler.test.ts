// The built Lambda bundle against moto_server (Secrets Manager, EventBridge, SQS) and the DCS simulator.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TASK_NAME } from '../src/bounds/limits.js';
import type { RunSummary } from '../src/report/summary.js';
import type { DcsSimulator } from '../src/simulator/server.js';
import { configFor, instanceId, PROJECT, seed, startSimulator, taskId, tasks } from './helpers.js';
import { alertRoute, capturingOutput, motoClients } from './lambda-harness.js';
import { type Moto, startMoto } from './moto.js';

const BUNDLE = pathToFileURL(join(import.meta.dirname, '..', 'dist', 'handler.js')).href;
const TEMPORARY = {
  ak: 'AKLAMBDATEMPORARY001',
  sk: 'lambda-secret-key-0123456789abcdef',
  securityToken: 'lambda-token+/=xyz',
};
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:dcs-task-cleanup';
const A = instanceId(1);
const B = instanceId(2);

let moto: Moto;
let simulator: DcsSimulator;
let aws: { secrets: SecretsManagerClient };
let fresh = 0;
const savedEnv = { ...process.env };

beforeAll(async () => {
  moto = await startMoto();
  aws = { secrets: new SecretsManagerClient(motoClients(moto).config) };
});
afterAll(async () => moto?.stop());
afterEach(async () => {
  process.env = { ...savedEnv };
  await simulator?.stop();
});

interface Setup {
  secret?: unknown;
  /** The config, or a function of the simulator's endpoint that returns it. */
  config?: Record<string, unknown> | ((endpoint: string) => Record<string, unknown>);
  env?: Record<string, string>;
  bus?: string | null;
}

/** A simulator fleet, a secret, a bus with a rule that copies our events to a queue, and a fresh handler. */
async function setup(options: Setup = {}) {
  const n = ++fresh;
  simulator = await startSimulator({ credentials: [TEMPORARY] });
  seed(simulator, A, [...tasks(3, { ageDays: 10, first: 0 }), ...tasks(2, { ageDays: 1, first: 5 })]);
  seed(simulator, B, [
    ...tasks(2, { ageDays: 40, first: 10 }),
    ...tasks(1, { ageDays: 10, status: 'EXECUTING', first: 20 }),
  ]);

  const secretName = `dcs/credentials-${n}`;
  await aws.secrets.send(
    new CreateSecretCommand({ Name: secretName, SecretString: JSON.stringify(options.secret ?? TEMPORARY) }),
  );
  const route = await alertRoute(moto, `alerts-${n}`);

  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    DCS_CREDENTIALS_SECRET_ID: secretName,
    ALERT_EVENT_BUS: options.bus === null ? 'no-such-bus' : route.bus,
    CLEANUP_CONFIG: JSON.stringify(
      typeof options.config === 'function'
        ? options.config(simulator.endpoint)
        : (options.config ?? configFor(simulator.endpoint, [A, B], { defaults: { olderThan: '7d' } })),
    ),
    POWERTOOLS_DEV: 'false',
    ...options.env,
  });
  const { handler } = (await import(`${BUNDLE}?fresh=${n}`)) as {
    handler: (event: unknown, context: Context) => Promise<RunSummary>;
  };

  const output: string[] = [];
  const invoke = (event: unknown, remainingMs = 120_000) =>
    capturingOutput(() => handler(event, lambdaContext(remainingMs)), output);
  const events = route.received;
  return { invoke, events, output, logs: () => output.join('') };
}

function lambdaContext(remainingMs: number): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'dcs-task-cleanup',
    functionVersion: '$LATEST',
    invokedFunctionArn: FUNCTION_ARN,
    memoryLimitInMB: '256',
    awsRequestId: `req-${fresh}`,
    logGroupName: '/aws/lambda/dcs-task-cleanup',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

const SCHEDULED_EVENT = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2026-11-28T03:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/dcs-task-cleanup'],
  detail: {},
};

describe('Lambda handler (built bundle)', () => {
  it('a scheduled event deletes the stale tasks with temporary credentials from Secrets Manager', async () => {
    const { invoke, events, logs } = await setup();
    const summary = await invoke(SCHEDULED_EVENT);
    expect(summary).toMatchObject({
      ok: true,
      complete: true,
      dryRun: false,
      totals: { listed: 8, stale: 5, deleted: 5 },
    });
    expect(
      simulator
        .tasks(PROJECT, A)
        .map((t) => t.id)
        .sort(),
    ).toEqual([taskId(5), taskId(6)]);
    expect(simulator.tasks(PROJECT, B).map((t) => t.id)).toEqual([taskId(20)]);
    const published = await events();
    expect(published.map((e) => e['detail-type'])).toEqual(['DCS Task Cleanup Completed']);
    expect(published[0]?.detail).toEqual({
      runId: summary.runId,
      dryRun: false,
      complete: true,
      ok: true,
      status: 'ok',
      totals: summary.totals,
    });
    expect(published[0]?.resources).toEqual([FUNCTION_ARN]);
    // EMF metrics and one JSON record per task, correlated by the run id.
    const lines = logs()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line));
    expect(lines.find((l) => l._aws)?._aws.CloudWatchMetrics[0].Namespace).toBe('DcsTaskCleanup');
    expect(lines.find((l) => l._aws)).toMatchObject({ Deleted: 5, Failed: 0, service: 'dcs-task-cleanup' });
    const taskLines = lines.filter((l) => l.outcome);
    expect(taskLines).toHaveLength(5);
    expect(taskLines.every((l) => l.correlation_id === summary.runId && l.runId === summary.runId)).toBe(
      true,
    );
  });

  it('EventBridge Scheduler input {} runs the configured cleanup too', async () => {
    const { invoke } = await setup();
    expect((await invoke({})).totals.deleted).toBe(5);
  });

  it('a failing task produces exactly one Failed event naming it and its instance', async () => {
    const { invoke, events } = await setup();
    simulator.inject({
      method: 'DELETE',
      taskId: taskId(10),
      fault: { type: 'status', status: 500, errorCode: 'DCS.5006' },
    });
    const summary = await invoke(SCHEDULED_EVENT);
    expect(summary.ok).toBe(false);
    const failed = (await events()).filter((e) => e['detail-type'] === 'DCS Task Cleanup Failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.detail).toMatchObject({
      runId: summary.runId,
      ok: false,
      complete: true,
      instances: [
        {
          instanceId: B,
          projectId: PROJECT,
          region: 'cn-north-4',
          failed: 1,
          failures: [{ taskId: taskId(10), httpStatus: 500, errorCode: 'DCS.5006', attempts: 3 }],
        },
      ],
    });
  });

  it('an instance that cannot be listed is named in the Failed event with its error', async () => {
    const { invoke, events } = await setup();
    simulator.inject({
      method: 'GET',
      instanceId: A,
      fault: { type: 'status', status: 404, errorCode: 'DCS.3022' },
    });
    await invoke(SCHEDULED_EVENT);
    const failed = (await events()).find((e) => e['detail-type'] === 'DCS Task Cleanup Failed');
    expect(failed?.detail.instances).toEqual([
      expect.objectContaining({ instanceId: A, error: expect.objectContaining({ errorCode: 'DCS.3022' }) }),
    ]);
  });

  it('a dry-run payload deletes nothing', async () => {
    const { invoke, events } = await setup();
    const summary = await invoke({ dryRun: true });
    expect(summary).toMatchObject({ dryRun: true, totals: { wouldDelete: 5, deleted: 0 } });
    expect(simulator.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
    expect((await events()).map((e) => e['detail-type'])).toEqual(['DCS Task Cleanup Completed']);
  });

  it('a manual payload can select one instance and ask for an older age', async () => {
    const { invoke } = await setup();
    const summary = await invoke({ instanceIds: [B], olderThan: '30d' });
    expect(summary.instances.map((i) => i.instanceId)).toEqual([B]);
    expect(summary.totals).toMatchObject({ stale: 2, deleted: 2 });
  });

  it.each<[string, unknown, RegExp]>([
    [
      'an instance not in the config',
      { instanceIds: [instanceId(9)] },
      /instanceIds\[0\]: .* is neither in "instances" nor discovered by a fleet/,
    ],
    ['an endpoint', { endpoint: 'https://evil.example.com' }, /endpoint: unknown key/],
    ['statuses', { statuses: ['EXECUTING'] }, /statuses: unknown key/],
    ['a shorter age than configured', { olderThan: '2d' }, /olderThan: 2d is shorter than the configured 7d/],
    ['an age under 1h', { olderThan: '30m' }, /olderThan: "30m" is out of range/],
    ['an unknown key', { dryRun: false, force: true }, /force: unknown key/],
    ['a dryRun that is not a boolean', { dryRun: 'false' }, /dryRun: must be true or false/],
    [
      'an empty instance list',
      { instanceIds: [] },
      /instanceIds: must name at least one configured or discovered instance/,
    ],
    ['a non-object event', ['run'], /event: must be a JSON object/],
    ['a null event', null, /event: must be a JSON object/],
    [
      'another EventBridge event',
      { source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification' },
      /source: unknown key/,
    ],
  ])('rejects %s before any request or event', async (_name, payload, message) => {
    const { invoke, events } = await setup();
    await expect(invoke(payload)).rejects.toThrow(message);
    expect(simulator.requests).toHaveLength(0);
    expect(await events()).toEqual([]);
  });

  it('never logs or returns the secret key, the token or a signature', async () => {
    const { invoke, logs } = await setup();
    simulator.inject({
      method: 'DELETE',
      taskId: taskId(0),
      fault: { type: 'status', status: 500, message: `leak ${TEMPORARY.sk}` },
    });
    const summary = await invoke(SCHEDULED_EVENT);
    const text = `${logs()}${JSON.stringify(summary)}`;
    const signatures = simulator.requests.map((r) => r.signature).filter((s): s is string => s !== null);
    expect(signatures.length).toBeGreaterThan(5);
    for (const secret of [TEMPORARY.sk, TEMPORARY.securityToken, ...signatures])
      expect(text).not.toContain(secret);
    expect(text).toContain('[REDACTED]');
  });

  it('fails the invocation when the credentials cannot be loaded, with nothing sent', async () => {
    const { invoke } = await setup({ env: { DCS_CREDENTIALS_SECRET_ID: 'dcs/missing' } });
    await expect(invoke(SCHEDULED_EVENT)).rejects.toThrow(
      /DCS_CREDENTIALS_SECRET_ID: cannot read secret dcs\/missing/,
    );
    expect(simulator.requests).toHaveLength(0);
  });

  it('rejects a secret that is not {"ak","sk"} without quoting it', async () => {
    const { invoke } = await setup({ secret: { accessKey: 'AKX', sk: 'do-not-print-me' } });
    const failure = await invoke({}).catch((error: Error) => error);
    expect(String(failure)).toMatch(
      /DCS_CREDENTIALS_SECRET_ID: secret dcs\/credentials-\d+ must be JSON \{"ak","sk","securityToken"\?\} or .*: ak is required; unknown key accessKey/,
    );
    expect(String(failure)).not.toContain('do-not-print-me');
  });

  it('uses CLOUD_SDK_AK/SK when no secret is configured', async () => {
    const { invoke } = await setup({
      env: {
        DCS_CREDENTIALS_SECRET_ID: '',
        CLOUD_SDK_AK: TEMPORARY.ak,
        CLOUD_SDK_SK: TEMPORARY.sk,
        CLOUD_SDK_SECURITY_TOKEN: TEMPORARY.securityToken,
      },
    });
    expect((await invoke({})).totals.deleted).toBe(5);
  });

  it('fails with a clear message on an invalid config', async () => {
    const { invoke } = await setup({
      config: { dryRun: true, instances: [{ region: 'cn-north-4', projectId: 'x', instanceId: A }] },
    });
    await expect(invoke({})).rejects.toThrow(/instances\[0\]\.projectId: must be 32 hex characters/);
    expect(simulator.requests).toHaveLength(0);
  });

  it('fails the invocation when a failure event cannot be published', async () => {
    const { invoke } = await setup({ bus: null });
    simulator.inject({ method: 'DELETE', taskId: taskId(0), fault: { type: 'status', status: 403 } });
    await expect(invoke(SCHEDULED_EVENT)).rejects.toThrow(/failure event could not be published/);
  });

  it('a clean run whose Completed event cannot be published still succeeds', async () => {
    const { invoke, logs } = await setup({ bus: null });
    expect((await invoke(SCHEDULED_EVENT)).ok).toBe(true);
    expect(logs()).toContain('alert event not published');
  });

  it('a multi-account secret signs each entry with its account; a fleet is discovered', async () => {
    const EU = { ak: 'AKLAMBDAEUROPE000001', sk: 'lambda-eu-secret-0123456789abcdef' };
    const OTHER = 'fedcba9876543210fedcba9876543210';
    const { invoke } = await setup({
      secret: { accounts: { default: TEMPORARY, eu: EU } },
      config: (endpoint) => ({
        ...configFor(endpoint, [A]),
        fleets: [{ region: 'cn-east-3', projectId: OTHER, endpoint, account: 'eu', tags: { cleanup: 'on' } }],
      }),
    });
    simulator.addCredentials(EU);
    simulator.assignProject(OTHER, EU.ak);
    simulator.addInstance(OTHER, instanceId(7), tasks(4, { ageDays: 10, first: 70 }), {
      tags: { cleanup: 'on' },
    });
    simulator.addInstance(OTHER, instanceId(8), tasks(4, { ageDays: 10, first: 80 }), {
      tags: { cleanup: 'off' },
    });
    const summary = await invoke({ instanceIds: [instanceId(7)], dryRun: false });
    expect(summary.instances.map((i) => [i.instanceId, i.account, i.source])).toEqual([
      [instanceId(7), 'eu', 'fleet'],
    ]);
    expect(summary.totals.deleted).toBe(4);
    expect(summary.fleets).toEqual([
      { region: 'cn-east-3', projectId: OTHER, account: 'eu', matched: 1, notRunning: 0, ignored: 0 },
    ]);
    for (const request of simulator.requests) expect(request.ak).toBe(EU.ak);
  });

  it('rejects a config account the secret does not hold, before any request', async () => {
    const { invoke } = await setup({
      config: {
        ...configFor('http://127.0.0.1:1', [A]),
        fleets: [{ region: 'cn-east-3', projectId: PROJECT, account: 'eu', tags: {} }],
      },
    });
    await expect(invoke({})).rejects.toThrow(
      /DCS_CREDENTIALS_SECRET_ID: secret dcs\/credentials-\d+ has no credentials for account "eu"/,
    );
    expect(simulator.requests).toHaveLength(0);
  });

  it('returns at most 100 failures per instance (marked), while the logs keep every one', async () => {
    const { invoke, logs } = await setup();
    simulator.addInstance(PROJECT, A, tasks(150, { ageDays: 10, first: 1000 }));
    simulator.inject({
      method: 'DELETE',
      instanceId: A,
      fault: { type: 'status', status: 403, errorCode: 'DCS.4003' },
    });
    const summary = await invoke(SCHEDULED_EVENT);
    const first = summary.instances[0];
    expect(first).toMatchObject({ instanceId: A, failed: 150, failuresTruncated: true });
    expect(first?.failures).toHaveLength(100);
    expect(summary.instances[1]?.failuresTruncated).toBeUndefined();
    const failedRecords = logs()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line))
      .filter((record) => record.outcome === 'failed');
    expect(failedRecords).toHaveLength(150);
  });

  it('answers under 1 MB for one failing task with a 1,024-character name, and no log line passes 16 KB', async () => {
    const { invoke, output } = await setup();
    simulator.addRawTasks(PROJECT, A, [
      {
        id: taskId(99),
        name: 'N'.repeat(MAX_TASK_NAME),
        status: 'SUCCESS',
        created_at: '2024-01-01T00:00:00Z',
      },
    ]);
    simulator.inject({ method: 'DELETE', taskId: taskId(99), fault: { type: 'status', status: 403 } });
    const summary = await invoke({});
    expect(Buffer.byteLength(JSON.stringify(summary))).toBeLessThan(1_000_000);
    expect(summary.instances[0]?.failures[0]?.taskName).toHaveLength(256);
    for (const line of output.join('').split('\n')) expect(Buffer.byteLength(line)).toBeLessThan(16 * 1024);
  });

  it('answers under 1 MB with 1,000 failures in all when 12 instances fail 100 deletes each', async () => {
    const ids = Array.from({ length: 12 }, (_, n) => instanceId(100 + n));
    const { invoke } = await setup({
      config: (endpoint) =>
        configFor(endpoint, ids, { limits: { concurrency: 8, requestsPerSecond: 1000, maxAttempts: 1 } }),
    });
    for (const [n, id] of ids.entries()) seed(simulator, id, tasks(100, { ageDays: 10, first: 1000 * n }));
    simulator.inject({ method: 'DELETE', fault: { type: 'status', status: 403 } });
    const summary = await invoke({});
    const failures = summary.instances.reduce((sum, instance) => sum + instance.failures.length, 0);
    expect(summary.totals.failed).toBe(1_200);
    expect(failures).toBe(1_000);
    expect(summary.failuresTruncated).toBe(true);
    expect(summary.instances.at(-1)?.failuresTruncated).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(summary))).toBeLessThan(1_000_000);
  });

  it('ends a large backlog as deferred within the time left, not as a timeout: partial, no Failed event', async () => {
    const { invoke, events } = await setup();
    simulator.addInstance(PROJECT, A, tasks(300, { ageDays: 10, first: 1000 }));
    simulator.inject({ method: 'DELETE', fault: { type: 'latency', ms: 50 } });
    const startedAt = Date.now();
    const summary = await invoke(SCHEDULED_EVENT, 16_000);
    expect(Date.now() - startedAt).toBeLessThan(3_000);
    expect(summary).toMatchObject({ complete: false, status: 'partial' });
    expect(summary.totals.deferred).toBeGreaterThan(0);
    // A drain that the budget cuts is no alert: Completed carries the status, Failed is not published.
    const published = await events();
    expect(published.map((e) => e['detail-type'])).toEqual(['DCS Task Cleanup Completed']);
    expect(published[0]?.detail).toMatchObject({ complete: false, status: 'partial' });
  });
});
