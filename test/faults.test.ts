// The fault matrix: every failure mode against the simulator over real HTTP.
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../src/engine/run.js';
import { invariantHolds } from '../src/report/summary.js';
import { renderSummaryTable } from '../src/report/table.js';
import type { DcsSimulator, Fault } from '../src/simulator/server.js';
import {
  configFor,
  fastDeps,
  instanceId,
  PROJECT,
  parseConfig,
  seed,
  startSimulator,
  taskId,
  tasks,
} from './helpers.js';

let simulator: DcsSimulator;
afterEach(async () => simulator?.stop());

const A = instanceId(1);
const B = instanceId(2);

async function setup(overrides: Record<string, unknown> = {}, options = {}) {
  simulator = await startSimulator(options);
  seed(simulator, A, tasks(3, { ageDays: 10, first: 0 }));
  seed(simulator, B, tasks(3, { ageDays: 10, first: 10 }));
  return parseConfig(configFor(simulator.endpoint, [A, B], overrides));
}

const requestsTo = (id: string, method: string) =>
  simulator.requests.filter((r) => r.instanceId === id && r.method === method);

function checkInvariants(summary: Awaited<ReturnType<typeof run>>['summary']) {
  expect(invariantHolds(summary.totals)).toBe(true);
  for (const instance of summary.instances) expect(invariantHolds(instance)).toBe(true);
}

describe('fault matrix', () => {
  it('always 500 → failed after exactly maxAttempts, the others deleted', async () => {
    const config = await setup({ limits: { maxAttempts: 4 } });
    simulator.inject({
      method: 'DELETE',
      taskId: taskId(1),
      fault: { type: 'status', status: 500, errorCode: 'DCS.5006' },
    });
    const deps = fastDeps();
    const { summary } = await run(config, {}, deps);
    expect(simulator.requests.filter((r) => r.taskId === taskId(1))).toHaveLength(4);
    expect(summary.totals).toMatchObject({ stale: 6, deleted: 5, failed: 1 });
    expect(summary.instances[0]?.failures).toEqual([
      {
        taskId: taskId(1),
        taskName: 'EXTEND',
        httpStatus: 500,
        errorCode: 'DCS.5006',
        message: 'HTTP 500',
        attempts: 4,
      },
    ]);
    expect(summary).toMatchObject({ complete: true, ok: false });
    expect(deps.logger.taskRecords().find((r) => r.taskId === taskId(1))).toMatchObject({
      outcome: 'failed',
      httpStatus: 500,
      errorCode: 'DCS.5006',
      attempts: 4,
    });
    checkInvariants(summary);
  });

  it.each<[string, Fault]>([
    ['502', { type: 'status', status: 502 }],
    ['503', { type: 'status', status: 503 }],
    ['504', { type: 'status', status: 504 }],
    ['429', { type: 'status', status: 429, errorCode: 'APIGW.0308' }],
    ['a connection reset', { type: 'reset' }],
  ])('%s then success → deleted on the second attempt', async (_name, fault) => {
    const config = await setup();
    simulator.inject({ method: 'DELETE', taskId: taskId(0), times: 1, fault });
    const deps = fastDeps();
    const { summary } = await run(config, {}, deps);
    expect(summary.totals.deleted).toBe(6);
    expect(summary.ok).toBe(true);
    expect(deps.logger.taskRecords().find((r) => r.taskId === taskId(0))).toMatchObject({
      outcome: 'deleted',
      attempts: 2,
    });
  });

  it('a request that times out is retried', async () => {
    const config = await setup();
    simulator.inject({
      method: 'DELETE',
      taskId: taskId(0),
      times: 1,
      fault: { type: 'latency', ms: 1_500 },
    });
    const deps = fastDeps(undefined, undefined, { requestTimeoutMs: 300 });
    const { summary } = await run(config, {}, deps);
    expect(summary.totals.deleted + summary.totals.alreadyGone).toBe(6);
    expect(deps.logger.taskRecords().find((r) => r.taskId === taskId(0))?.attempts).toBe(2);
  });

  it('429 with Retry-After waits that long before the retry', async () => {
    const config = await setup();
    simulator.inject({
      method: 'DELETE',
      taskId: taskId(0),
      times: 1,
      fault: { type: 'status', status: 429, errorCode: 'APIGW.0308', retryAfterSeconds: 1 },
    });
    const { summary, stats } = await run(config, {}, fastDeps());
    const attempts = simulator.requests.filter((r) => r.taskId === taskId(0));
    expect(attempts.map((r) => r.status)).toEqual([429, expect.any(Number)]);
    expect((attempts[1]?.receivedAt ?? 0) - (attempts[0]?.receivedAt ?? 0)).toBeGreaterThanOrEqual(990);
    expect(summary.totals.deleted).toBe(6);
    expect(stats.throttled).toBe(1);
    // Every attempt is signed afresh: a new X-Sdk-Date gives a new signature.
    expect(attempts[0]?.signature).not.toBe(attempts[1]?.signature);
  });

  it('no retry starts when the time budget cannot fit it', async () => {
    const config = await setup();
    simulator.inject({
      method: 'DELETE',
      taskId: taskId(0),
      fault: { type: 'status', status: 503, retryAfterSeconds: 20 },
    });
    const startedAt = Date.now();
    const { summary } = await run(config, { timeBudgetMs: 2_000 }, fastDeps());
    expect(Date.now() - startedAt).toBeLessThan(1_500);
    expect(simulator.requests.filter((r) => r.taskId === taskId(0))).toHaveLength(1);
    expect(summary.instances[0]?.failures[0]).toMatchObject({
      taskId: taskId(0),
      httpStatus: 503,
      attempts: 1,
    });
  });

  it('404 on delete → already-gone, not a failure', async () => {
    const config = await setup();
    simulator.inject({
      method: 'DELETE',
      taskId: taskId(0),
      fault: { type: 'status', status: 404, errorCode: 'DCS.4001' },
    });
    const { summary } = await run(config, {}, fastDeps());
    expect(summary.totals).toMatchObject({ deleted: 5, alreadyGone: 1, failed: 0 });
    expect(requestsTo(A, 'DELETE').filter((r) => r.taskId === taskId(0))).toHaveLength(1);
    expect(summary.ok).toBe(true);
  });

  it('404 DCS.3022 on delete → failed (the instance is gone)', async () => {
    const config = await setup();
    simulator.inject({
      method: 'DELETE',
      taskId: taskId(0),
      fault: { type: 'status', status: 404, errorCode: 'DCS.3022' },
    });
    const { summary } = await run(config, {}, fastDeps());
    expect(summary.totals).toMatchObject({ deleted: 5, failed: 1 });
    expect(summary.ok).toBe(false);
  });

  it.each(['DCS.4017', 'DCS.4957'])('400 %s → skipped, not retried', async (code) => {
    const config = await setup();
    simulator.inject({
      method: 'DELETE',
      taskId: taskId(0),
      fault: { type: 'status', status: 400, errorCode: code },
    });
    const { summary } = await run(config, {}, fastDeps());
    expect(summary.totals).toMatchObject({ deleted: 5, skipped: 1, failed: 0 });
    expect(simulator.requests.filter((r) => r.taskId === taskId(0))).toHaveLength(1);
    expect(summary.ok).toBe(true);
  });

  it.each([400, 403])('%i on delete → failed without a retry', async (status) => {
    const config = await setup();
    simulator.inject({
      method: 'DELETE',
      taskId: taskId(0),
      fault: { type: 'status', status, errorCode: 'DCS.4070' },
    });
    const { summary } = await run(config, {}, fastDeps());
    expect(summary.totals).toMatchObject({ deleted: 5, failed: 1 });
    expect(simulator.requests.filter((r) => r.taskId === taskId(0))).toHaveLength(1);
  });

  it('401 on listing → instance error with no retry; other instances unaffected', async () => {
    const config = await setup();
    simulator.inject({
      method: 'GET',
      instanceId: A,
      fault: { type: 'status', status: 401, errorCode: 'APIGW.0301' },
    });
    const { summary, stats } = await run(config, {}, fastDeps());
    expect(requestsTo(A, 'GET')).toHaveLength(1);
    expect(requestsTo(A, 'DELETE')).toHaveLength(0);
    expect(summary.instances[0]).toMatchObject({
      listed: 0,
      stale: 0,
      error: { httpStatus: 401, errorCode: 'APIGW.0301' },
    });
    expect(summary.instances[1]).toMatchObject({ deleted: 3 });
    expect(summary).toMatchObject({ complete: false, ok: false });
    expect(stats.authFailures).toBe(1);
    checkInvariants(summary);
  });

  it('a real signature failure is a 401 from the gateway and is not retried', async () => {
    const config = await setup();
    const deps = fastDeps(undefined, { default: { ak: 'AKTESTTESTTESTTEST01', sk: 'wrong-secret-key' } });
    const { summary } = await run(config, {}, deps);
    expect(simulator.requests).toHaveLength(2);
    expect(summary.instances.map((i) => i.error?.errorCode)).toEqual(['APIGW.0301', 'APIGW.0301']);
  });

  it('after 3 authentication failures the run sends nothing more', async () => {
    simulator = await startSimulator();
    const ids = [1, 2, 3, 4, 5].map(instanceId);
    for (const id of ids) seed(simulator, id, tasks(2, { ageDays: 10 }));
    const config = parseConfig(
      configFor(simulator.endpoint, ids, { limits: { concurrency: 1, requestsPerSecond: 1000 } }),
    );
    const deps = fastDeps(undefined, { default: { ak: 'AKTESTTESTTESTTEST01', sk: 'wrong' } });
    const { summary, stats } = await run(config, {}, deps);
    expect(simulator.requests).toHaveLength(3);
    expect(stats.authFailures).toBe(3);
    expect(summary.instances.every((i) => i.error !== undefined)).toBe(true);
    expect(summary.instances[4]?.error?.message).toMatch(/authentication failures/);
    expect(summary.complete).toBe(false);
  });

  it('401 on delete → failed, not retried; the halt defers the rest', async () => {
    const config = await setup({ limits: { concurrency: 1, requestsPerSecond: 1000, maxAttempts: 3 } });
    simulator.inject({ method: 'DELETE', fault: { type: 'status', status: 401, errorCode: 'APIGW.0301' } });
    const { summary } = await run(config, {}, fastDeps());
    expect(simulator.requests.filter((r) => r.status === 401)).toHaveLength(3);
    expect(summary.totals.failed).toBe(3);
    expect(summary.totals.deferred).toBe(3);
    expect(summary.complete).toBe(false);
    checkInvariants(summary);
  });

  it('a malformed page → instance error, nothing of it deleted; others unaffected', async () => {
    const config = await setup();
    simulator.inject({ method: 'GET', instanceId: A, fault: { type: 'malformed' } });
    const { summary } = await run(config, {}, fastDeps());
    expect(summary.instances[0]).toMatchObject({ stale: 0, deleted: 0, error: { httpStatus: 200 } });
    expect(summary.instances[0]?.error?.message).toMatch(/malformed/);
    expect(requestsTo(A, 'DELETE')).toHaveLength(0);
    expect(summary.instances[1]).toMatchObject({ deleted: 3 });
    expect(summary.ok).toBe(false);
  });

  it('a listing that fails part-way deletes nothing of that instance and counts what it saw', async () => {
    simulator = await startSimulator();
    seed(simulator, A, tasks(25, { ageDays: 10 }));
    simulator.inject({ method: 'GET', instanceId: A, after: 2, fault: { type: 'status', status: 503 } });
    const { summary } = await run(
      parseConfig(configFor(simulator.endpoint, [A])),
      {},
      fastDeps(undefined, undefined, { pageSize: 10 }),
    );
    expect(summary.instances[0]).toMatchObject({ listed: 20, stale: 0, error: { httpStatus: 503 } });
    expect(requestsTo(A, 'DELETE')).toHaveLength(0);
    expect(simulator.tasks(PROJECT, A)).toHaveLength(25);
  });

  it('concurrent requests cannot pile up authentication failures', async () => {
    simulator = await startSimulator({ latencyMs: 20 });
    const ids = Array.from({ length: 10 }, (_, i) => instanceId(i + 1));
    for (const id of ids) seed(simulator, id, tasks(2, { ageDays: 10 }));
    const config = parseConfig(
      configFor(simulator.endpoint, ids, { limits: { concurrency: 8, requestsPerSecond: 1000 } }),
    );
    const deps = fastDeps(undefined, { default: { ak: 'AKTESTTESTTESTTEST01', sk: 'wrong' } });
    const { summary } = await run(config, {}, deps);
    expect(simulator.requests.filter((r) => r.status === 401)).toHaveLength(3);
    expect(summary.instances.filter((i) => i.error?.message.includes('not sent'))).toHaveLength(7);
  });

  it('404 DCS.3022 on listing → instance error; others unaffected', async () => {
    simulator = await startSimulator();
    seed(simulator, B, tasks(2, { ageDays: 10 }));
    const { summary } = await run(parseConfig(configFor(simulator.endpoint, [A, B])), {}, fastDeps());
    expect(summary.instances[0]?.error).toEqual({
      httpStatus: 404,
      errorCode: 'DCS.3022',
      message:
        'instance not found: check its instanceId, projectId and region or endpoint in the config (The instance does not exist.)',
    });
    expect(summary.instances[0]?.vanished).toBeUndefined();
    expect(requestsTo(A, 'GET')).toHaveLength(1);
    expect(summary.instances[1]?.deleted).toBe(2);
  });

  it('retries exhausted on listing → instance error after maxAttempts', async () => {
    const config = await setup();
    simulator.inject({ method: 'GET', instanceId: A, fault: { type: 'status', status: 500 } });
    const { summary } = await run(config, {}, fastDeps());
    expect(requestsTo(A, 'GET')).toHaveLength(3);
    expect(summary.instances[0]?.error?.httpStatus).toBe(500);
  });
});

describe('run semantics', () => {
  it('deletes exactly the stale tasks and leaves young and running ones', async () => {
    simulator = await startSimulator();
    seed(simulator, A, [
      ...tasks(5, { ageDays: 10, first: 0 }),
      ...tasks(3, { ageDays: 1, first: 100 }),
      ...tasks(2, { ageDays: 10, status: 'EXECUTING', first: 200 }),
    ]);
    const deps = fastDeps();
    const { summary } = await run(parseConfig(configFor(simulator.endpoint, [A])), {}, deps);
    expect(summary.totals).toMatchObject({ listed: 10, stale: 5, deleted: 5, failed: 0 });
    expect(summary).toMatchObject({ ok: true, complete: true });
    const left = simulator.tasks(PROJECT, A).map((t) => t.id);
    expect(left.sort()).toEqual([100, 101, 102, 200, 201].map(taskId).sort());
    expect(deps.logger.taskRecords()).toHaveLength(5);
    checkInvariants(summary);
  });

  it('dry-run reports would-delete and sends no DELETE', async () => {
    const config = await setup();
    const deps = fastDeps();
    const { summary } = await run(config, { dryRun: true }, deps);
    expect(summary).toMatchObject({ dryRun: true, ok: true, complete: true });
    expect(summary.totals).toMatchObject({ stale: 6, wouldDelete: 6, deleted: 0 });
    expect(simulator.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
    expect(deps.logger.taskRecords().every((r) => r.outcome === 'would-delete' && r.attempts === 0)).toBe(
      true,
    );
  });

  it('maxDeletesPerInstance defers the newest stale tasks; the run stays complete', async () => {
    const config = await setup({ defaults: { olderThan: '7d', maxDeletesPerInstance: 2 } });
    const deps = fastDeps();
    const { summary } = await run(config, {}, deps);
    expect(summary.instances[0]).toMatchObject({ stale: 3, deleted: 2, deferred: 1 });
    expect(summary).toMatchObject({ complete: true, ok: true });
    // Deferred tasks are summed in one record per instance, not logged one by one.
    expect(deps.logger.taskRecords().filter((r) => r.outcome === 'deferred')).toHaveLength(0);
    const deferred = deps.logger.records.filter((r) => r.message === 'tasks deferred');
    // One record for each instance (both have three stale tasks).
    expect(deferred.map((record) => record.instanceId)).toEqual(expect.arrayContaining([A, B]));
    expect(deferred).toHaveLength(2);
    // tasks(…) makes task 0 the newest, so it is the one deferred.
    const task0 = simulator.tasks(PROJECT, A).find((task) => task.id === taskId(0));
    expect(deferred.find((record) => record.instanceId === A)).toMatchObject({
      level: 'INFO',
      count: 1,
      reason: 'cap',
      oldestCreatedAt: task0?.created_at,
      newestCreatedAt: task0?.created_at,
    });
  });

  it('a time budget ends the run cleanly: the rest is deferred and the run partial', async () => {
    simulator = await startSimulator({ latencyMs: 50 });
    seed(simulator, A, tasks(40, { ageDays: 10 }));
    const config = parseConfig(
      configFor(simulator.endpoint, [A], { limits: { concurrency: 1, requestsPerSecond: 1000 } }),
    );
    const deps = fastDeps();
    const { summary, incompleteBecause } = await run(config, { timeBudgetMs: 600 }, deps);
    expect(incompleteBecause).toBe('time budget');
    expect(deps.logger.records.at(-1)).toMatchObject({
      message: 'run finished',
      level: 'WARN',
      status: 'partial',
      incompleteBecause: 'time budget',
    });
    expect(renderSummaryTable(summary, undefined, incompleteBecause).split('\n')[0]).toBe(
      `PARTIAL (time budget) · run ${summary.runId}`,
    );
    const instance = summary.instances[0];
    expect(instance?.deleted).toBeGreaterThan(0);
    expect(instance?.deferred).toBeGreaterThan(0);
    expect(instance?.stale).toBe(40);
    expect(summary).toMatchObject({ complete: false, ok: false });
    expect(simulator.tasks(PROJECT, A)).toHaveLength(40 - (instance?.deleted ?? 0));
    checkInvariants(summary);
  });

  it('instances not listed when the budget runs out get an error', async () => {
    simulator = await startSimulator({ latencyMs: 400 });
    seed(simulator, A, tasks(1, { ageDays: 10 }));
    seed(simulator, B, tasks(1, { ageDays: 10 }));
    const config = parseConfig(
      configFor(simulator.endpoint, [A, B], { limits: { concurrency: 1, requestsPerSecond: 1000 } }),
    );
    const { summary } = await run(config, { timeBudgetMs: 200 }, fastDeps());
    expect(summary.instances[1]?.error?.message).toMatch(/time budget/);
    expect(summary.complete).toBe(false);
  });

  it('every stale task gets exactly one log record with every key', async () => {
    const config = await setup();
    simulator.inject({ method: 'DELETE', taskId: taskId(10), fault: { type: 'status', status: 500 } });
    const deps = fastDeps();
    const { summary } = await run(config, {}, deps);
    const records = deps.logger.taskRecords();
    expect(records).toHaveLength(summary.totals.stale);
    for (const record of records) {
      for (const key of [
        'runId',
        'instanceId',
        'taskId',
        'taskName',
        'taskStatus',
        'createdAt',
        'outcome',
        'httpStatus',
        'errorCode',
        'attempts',
        'durationMs',
      ]) {
        expect(record).toHaveProperty(key);
      }
      expect(record.runId).toBe(summary.runId);
    }
  });
});
