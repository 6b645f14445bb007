import { afterEach, describe, expect, it } from 'vitest';
import { CREDENTIALS as BENCH_CREDENTIALS, runCli, writeConfig } from '../bench/fleet.js';
import { DcsClient } from '../src/dcs/client.js';
import { RequestPathError } from '../src/dcs/paths.js';
import { run } from '../src/engine/run.js';
import { DEFAULT_RETRY } from '../src/http/retry.js';
import { alertEvents } from '../src/report/events.js';
import { invariantHolds } from '../src/report/summary.js';
import { renderSummaryTable } from '../src/report/table.js';
import type { DcsSimulator } from '../src/simulator/server.js';
import { systemClock } from '../src/time/clock.js';
import {
  accounts,
  BUILT_CLI,
  configFor,
  DAY,
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
const OLD = new Date(Date.now() - 40 * DAY).toISOString();
const NEWEST = new Date(Date.now() - 1_000).toISOString();
const MiB = 1024 * 1024;

/** Ids no request path may ever carry, each in an otherwise stale record. */
const HOSTILE_IDS: unknown[] = [
  '..',
  '.',
  '%2e%2e',
  '%2E%2E',
  'a/b',
  'a?b',
  'a#b',
  '',
  'x'.repeat(65),
  'tâche',
  12345,
  '-leading-dash',
  '_leading_underscore',
  'a b',
  '..%2f..%2finstances',
  '../../instances/x',
  ['array'],
  { nested: 'object' },
  null,
  `${'y'.repeat(300)}`,
];
const hostile = (id: unknown, createdAt = OLD) => ({
  id,
  name: 'EXTEND',
  status: 'SUCCESS',
  created_at: createdAt,
});

const DELETE_PATH = new RegExp(
  `^/v2/${PROJECT}/instances/[0-9a-f-]{36}/tasks/[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`,
);

describe('hostile task records', () => {
  it('never reach a request path; the valid tasks beside them are deleted; each is counted and logged once', async () => {
    simulator = await startSimulator();
    // 20 hostile ids on A, 4 unusable records on B: each instance logs up to 20 one by one.
    seed(simulator, A, tasks(5, { ageDays: 10 }));
    seed(simulator, B, []);
    simulator.addRawTasks(
      PROJECT,
      A,
      HOSTILE_IDS.map((id) => hostile(id)),
    );
    simulator.addRawTasks(PROJECT, B, [
      { name: 'EXTEND', status: 'SUCCESS', created_at: OLD },
      { id: 'no-status-0001', name: 'EXTEND', created_at: OLD },
      { id: 'bad-date-0001', name: 'EXTEND', status: 'SUCCESS', created_at: 'last tuesday' },
      'not an object',
    ]);
    const deps = fastDeps();
    const { summary } = await run(parseConfig(configFor(simulator.endpoint, [A, B])), {}, deps);

    const deletes = simulator.requests.filter((request) => request.method === 'DELETE');
    expect(deletes.map((request) => request.path).sort()).toEqual(
      [0, 1, 2, 3, 4].map((n) => `/v2/${PROJECT}/instances/${A}/tasks/${taskId(n)}`).sort(),
    );
    for (const request of simulator.requests) {
      expect(request.path).not.toMatch(/(^|\/)\.\.?(\/|$)|%|\?|#/);
      if (request.method === 'DELETE') expect(request.path).toMatch(DELETE_PATH);
    }
    const ignoredCount = HOSTILE_IDS.length + 4;
    expect(summary.instances[0]).toMatchObject({
      listed: 5,
      ignored: HOSTILE_IDS.length,
      stale: 5,
      deleted: 5,
    });
    expect(summary.instances[1]).toMatchObject({ listed: 0, ignored: 4, stale: 0 });
    expect(summary.totals.ignored).toBe(ignoredCount);
    expect(summary.ok).toBe(true);
    expect(invariantHolds(summary.totals)).toBe(true);
    // Only the hostile records are left.
    expect(simulator.tasks(PROJECT, A)).toHaveLength(HOSTILE_IDS.length);

    const warnings = deps.logger.records.filter((record) => record.message === 'task record ignored');
    expect(warnings).toHaveLength(ignoredCount);
    const byId = new Map(warnings.map((record) => [record.taskId, record]));
    expect(byId.get('".."')).toMatchObject({
      level: 'WARN',
      instanceId: A,
      reason: expect.stringMatching(/not a valid task id/),
    });
    expect(byId.get('12345')?.reason).toMatch(/not a valid task id/);
    expect(byId.get('"%2e%2e"')).toBeDefined();
    expect(byId.get('"a/b"')).toBeDefined();
    expect(byId.get('""')?.reason).toBe('the record has no id');
    expect(byId.get('null')?.reason).toBe('the record has no id');
    expect(
      warnings
        .filter((record) => record.taskId === null)
        .map((record) => record.reason)
        .sort(),
    ).toEqual(['the record has no id', 'the record is not an object']);
    expect(byId.get('"no-status-0001"')?.reason).toBe('the record has no status');
    expect(byId.get('"bad-date-0001"')?.reason).toBe('the record has no readable created_at');
    expect(warnings.every((record) => typeof record.taskId !== 'string' || record.taskId.length <= 80)).toBe(
      true,
    );
    expect(warnings.find((record) => String(record.taskId).startsWith('"yyyy'))?.taskId).toHaveLength(80);
    // No per-task outcome record for an ignored record.
    expect(deps.logger.taskRecords()).toHaveLength(5);
  });

  it('a repeated hostile record is counted and logged once', async () => {
    simulator = await startSimulator({ maxPageSize: 3 });
    seed(simulator, A, tasks(4, { ageDays: 10 }));
    simulator.addRawTasks(PROJECT, A, [hostile('..'), hostile('..'), hostile('..')]);
    const deps = fastDeps();
    const { summary } = await run(parseConfig(configFor(simulator.endpoint, [A])), {}, deps);
    expect(summary.instances[0]).toMatchObject({ listed: 4, ignored: 1, deleted: 4 });
    expect(deps.logger.records.filter((record) => record.message === 'task record ignored')).toHaveLength(1);
  });

  it('keepLatest ranks valid records only', async () => {
    simulator = await startSimulator();
    seed(simulator, A, tasks(5, { ageDays: 10 }));
    // Newer than every valid task: if they were ranked, they would take the keepLatest places.
    simulator.addRawTasks(PROJECT, A, [hostile('..', NEWEST), hostile('a/b', NEWEST)]);
    const config = parseConfig(
      configFor(simulator.endpoint, [A], { defaults: { olderThan: '7d', keepLatest: 2 } }),
    );
    const { summary } = await run(config, {}, fastDeps());
    expect(summary.instances[0]).toMatchObject({ listed: 5, ignored: 2, stale: 3, deleted: 3 });
    // tasks(…) makes task 0 the newest: tasks 0 and 1 are kept.
    const left = simulator.tasks(PROJECT, A).map((task) => task.id);
    expect(left).toEqual(expect.arrayContaining([taskId(0), taskId(1)]));
  });

  it('the ignored count reaches the summary table and both events', async () => {
    simulator = await startSimulator();
    seed(simulator, A, tasks(2, { ageDays: 10 }));
    simulator.addRawTasks(PROJECT, A, [hostile('..')]);
    simulator.inject({ method: 'DELETE', taskId: taskId(0), fault: { type: 'status', status: 403 } });
    const { summary } = await run(parseConfig(configFor(simulator.endpoint, [A])), {}, fastDeps());
    expect(renderSummaryTable(summary)).toMatch(/listed\s+ignored\s+stale/);
    const [completed, failed] = alertEvents(summary);
    expect(completed?.detail.totals).toMatchObject({ ignored: 1 });
    expect(failed?.detail).toMatchObject({
      totals: { ignored: 1 },
      instances: [{ instanceId: A, ignored: 1 }],
    });
  });
});

describe('request paths', () => {
  it('a delete with a bad id is a bug that throws: nothing is sent', async () => {
    simulator = await startSimulator();
    seed(simulator, A, tasks(1, { ageDays: 10 }));
    const target = parseConfig(configFor(simulator.endpoint, [A])).targets[0];
    if (!target) throw new Error('no target');
    const client = new DcsClient(
      accounts(),
      { limits: { concurrency: 1, requestsPerSecond: 1000, maxAttempts: 1 }, clock: systemClock },
      { retry: DEFAULT_RETRY },
    );
    await expect(client.deleteTask(target, '..')).rejects.toThrow(RequestPathError);
    await client.close();
    expect(simulator.requests).toHaveLength(0);
  });
});

describe('response body size', () => {
  async function twoInstances() {
    simulator = await startSimulator();
    seed(simulator, A, tasks(3, { ageDays: 10 }));
    seed(simulator, B, tasks(3, { ageDays: 10, first: 10 }));
    return parseConfig(configFor(simulator.endpoint, [A, B]));
  }

  it.each([false, true])(
    'a 1 GiB listing (Content-Length announced: %s) ends reading past 8 MiB: an instance error, not retried',
    async (declareLength) => {
      const config = await twoInstances();
      simulator.inject({
        method: 'GET',
        instanceId: A,
        fault: { type: 'huge-body', bytes: 1024 * MiB, declareLength },
      });
      const { summary } = await run(config, {}, fastDeps());
      const listings = simulator.requests.filter(
        (request) => request.instanceId === A && request.method === 'GET',
      );
      expect(listings).toHaveLength(1);
      // Reading stopped and the socket was closed long before the body's end.
      expect(listings[0]?.bytesSent).toBeLessThan(64 * MiB);
      expect(summary.instances[0]).toMatchObject({
        stale: 0,
        deleted: 0,
        error: { httpStatus: 200, message: 'response body larger than 8 MiB' },
      });
      expect(
        simulator.requests.some((request) => request.instanceId === A && request.method === 'DELETE'),
      ).toBe(false);
      // The connection pool is not poisoned: the other instance is cleaned.
      expect(summary.instances[1]).toMatchObject({ deleted: 3 });
      expect(summary).toMatchObject({ complete: false, ok: false });
    },
  );

  it('a huge 500 body on a DELETE fails that task without a retry, naming the size', async () => {
    const config = await twoInstances();
    simulator.inject({
      method: 'DELETE',
      taskId: taskId(1),
      fault: { type: 'huge-body', status: 500, bytes: 64 * MiB },
    });
    const deps = fastDeps();
    const { summary } = await run(config, {}, deps);
    expect(simulator.requests.filter((request) => request.taskId === taskId(1))).toHaveLength(1);
    expect(summary.instances[0]?.failures).toEqual([
      {
        taskId: taskId(1),
        taskName: 'EXTEND',
        httpStatus: 500,
        errorCode: null,
        message: 'response body larger than 1 MiB',
        attempts: 1,
      },
    ]);
    expect(summary.totals).toMatchObject({ deleted: 5, failed: 1 });
  });

  it('bodies under the caps are read whole', async () => {
    simulator = await startSimulator();
    seed(simulator, A, []);
    // A page of 1,000 records with a 3 KB `params` each: about 3 MiB, under the 8 MiB listing cap. The
    // strings are full of braces, quotes and backslashes: only objects and arrays outside strings count.
    const params = '{"a":[\\"{['.repeat(310);
    simulator.addRawTasks(
      PROJECT,
      A,
      Array.from({ length: 1_000 }, (_, n) => ({ ...hostile(taskId(n)), params })),
    );
    const deps = fastDeps(undefined, undefined, { pageSize: 1_000 });
    const { summary } = await run(parseConfig(configFor(simulator.endpoint, [A])), { dryRun: true }, deps);
    expect(simulator.requests[0]?.bytesSent).toBeGreaterThan(3 * MiB);
    expect(summary.instances[0]).toMatchObject({ listed: 1_000, ignored: 0, stale: 1_000 });
    expect(summary.instances[0]?.error).toBeUndefined();
  });
});

describe('objects per page', () => {
  it('a page under the byte cap but made of millions of tiny records is refused before it is parsed', async () => {
    simulator = await startSimulator();
    seed(simulator, A, tasks(3, { ageDays: 10 }));
    seed(simulator, B, tasks(3, { ageDays: 10, first: 10 }));
    simulator.inject({
      method: 'GET',
      instanceId: A,
      fault: { type: 'huge-body', bytes: 8 * MiB - 1024, filler: '{},' },
    });
    const { summary } = await run(parseConfig(configFor(simulator.endpoint, [A, B])), {}, fastDeps());
    expect(summary.instances[0]?.error).toEqual({
      httpStatus: 200,
      errorCode: null,
      message: 'response body holds more than 100000 JSON objects and arrays',
    });
    expect(simulator.requests.filter((request) => request.instanceId === A)).toHaveLength(1);
    expect(summary.instances[1]).toMatchObject({ deleted: 3 });
  });
});

describe('time', () => {
  it('a trickling listing is cut off at the request timeout and retried like a network error', async () => {
    simulator = await startSimulator();
    seed(simulator, A, tasks(3, { ageDays: 10 }));
    simulator.inject({ method: 'GET', instanceId: A, times: 1, fault: { type: 'trickle', intervalMs: 40 } });
    const deps = fastDeps(undefined, undefined, { requestTimeoutMs: 400 });
    const startedAt = Date.now();
    const { summary, stats } = await run(parseConfig(configFor(simulator.endpoint, [A])), {}, deps);
    expect(Date.now() - startedAt).toBeLessThan(3_000);
    expect(stats.retries).toBe(1);
    expect(summary.instances[0]).toMatchObject({ listed: 3, deleted: 3 });
  });

  it('a delete that always trickles fails after maxAttempts, saying it timed out', async () => {
    simulator = await startSimulator();
    seed(simulator, A, tasks(1, { ageDays: 10 }));
    simulator.inject({ method: 'DELETE', fault: { type: 'trickle', intervalMs: 100 } });
    simulator.inject({ method: 'DELETE', fault: { type: 'status', status: 500 } });
    const { summary } = await run(
      parseConfig(configFor(simulator.endpoint, [A], { limits: { maxAttempts: 2 } })),
      {},
      fastDeps(undefined, undefined, { requestTimeoutMs: 300 }),
    );
    expect(summary.instances[0]?.failures[0]).toMatchObject({
      httpStatus: null,
      attempts: 2,
      message: `network error: no answer from ${simulator.endpoint} within 300 ms`,
    });
  });
});

describe('memory', () => {
  it('a CLI run against a listing that streams 1 GiB keeps its peak RSS under 200 MB', async () => {
    simulator = await startSimulator({ credentials: [BENCH_CREDENTIALS] });
    seed(simulator, A, tasks(3, { ageDays: 10 }));
    simulator.inject({ method: 'GET', instanceId: A, fault: { type: 'huge-body', bytes: 1024 * MiB } });
    const result = await runCli(writeConfig(configFor(simulator.endpoint, [A])), [], BUILT_CLI);
    expect(result.exitCode).toBe(1);
    expect(result.summary.instances[0]?.error?.message).toBe('response body larger than 8 MiB');
    expect(result.maxRssMb).toBeLessThan(200);
    expect(simulator.requests[0]?.bytesSent).toBeLessThan(64 * MiB);
  });

  it('a CLI run against a page of 2.8 million empty records keeps its peak RSS under 200 MB', async () => {
    simulator = await startSimulator({ credentials: [BENCH_CREDENTIALS] });
    seed(simulator, A, tasks(3, { ageDays: 10 }));
    simulator.inject({
      method: 'GET',
      instanceId: A,
      fault: { type: 'huge-body', bytes: 8 * MiB - 1024, filler: '{},' },
    });
    const result = await runCli(writeConfig(configFor(simulator.endpoint, [A])), [], BUILT_CLI);
    expect(result.summary.instances[0]?.error?.message).toMatch(/more than 100000 JSON objects/);
    expect(result.maxRssMb).toBeLessThan(200);
  });
});
