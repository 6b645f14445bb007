// A listing that contradicts itself anywhere, and an endpoint that goes down (docs/safety.md): each case
// of the issue against the simulator over signed HTTP.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { run } from '../src/engine/run.js';
import { alertEvents, FAILED } from '../src/report/events.js';
import { invariantHolds } from '../src/report/summary.js';
import type { DcsSimulator } from '../src/simulator/server.js';
import {
  CREDENTIALS_ENV,
  capture,
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

const A = instanceId(1);
const B = instanceId(2);
const HOUR = 3_600_000;
let simulator: DcsSimulator;
afterEach(async () => simulator?.stop());

const deletedIds = () => simulator.requests.filter((r) => r.method === 'DELETE').map((r) => r.taskId);
const iso = (ms: number) => new Date(ms).toISOString();

describe('a task listed with other facts pages apart is never deleted', () => {
  it('RUNNING and 1 hour old on page 1, SUCCESS and 400 days old on page 3: not deleted, counted once', async () => {
    simulator = await startSimulator({ maxPageSize: 100 });
    // 200 old tasks, newest first; the contradicted one leads page 1 as a young running task.
    const list = tasks(200, { ageDays: 10, first: 1 });
    seed(simulator, A, list);
    const id = taskId(0);
    const now = Date.now();
    simulator.addRawTasks(PROJECT, A, [
      { id, name: 'EXTEND', status: 'SUCCESS', created_at: iso(now - 400 * DAY) },
    ]);
    // The young RUNNING version goes first (page 1); the old SUCCESS one is the last record (page 3).
    const records = simulator.tasks(PROJECT, A) as unknown as Record<string, unknown>[];
    records.unshift({ id, name: 'EXTEND', status: 'RUNNING', created_at: iso(now - HOUR) });
    const deps = fastDeps();
    const { summary } = await run(parseConfig(configFor(simulator.endpoint, [A])), {}, deps);
    expect(deletedIds()).not.toContain(id);
    expect(summary.instances[0]).toMatchObject({ listed: 201, ignored: 1, stale: 200, deleted: 200 });
    expect(invariantHolds(summary.totals)).toBe(true);
    const ignored = deps.logger.records.find((record) => record.message === 'task record ignored');
    expect(ignored).toMatchObject({ level: 'WARN', reason: 'conflicting records', taskId: `"${id}"` });
  });

  it('keepLatest 1: the newest on page 1, pushed out on page 2, 400 days old on page 3: not deleted', async () => {
    simulator = await startSimulator({ maxPageSize: 2 });
    const now = Date.now();
    const protectedId = 'aaaa0000000000000000000000000001';
    const record = (id: string, ageMs: number) => ({
      id,
      name: 'EXTEND',
      status: 'SUCCESS',
      created_at: iso(now - ageMs),
    });
    seed(simulator, A, []);
    simulator.addRawTasks(PROJECT, A, [
      record(protectedId, 2 * HOUR), // page 1: the newest so far, kept
      record(taskId(1), 20 * DAY),
      record(taskId(2), HOUR), // page 2: newer, pushes it out of the keep set
      record(taskId(3), 21 * DAY),
      record(protectedId, 400 * DAY), // page 3: the same id, 400 days old
      record(taskId(4), 22 * DAY),
    ]);
    const config = parseConfig(
      configFor(simulator.endpoint, [A], { defaults: { olderThan: '7d', keepLatest: 1 } }),
    );
    const { summary } = await run(config, {}, fastDeps());
    expect(deletedIds()).not.toContain(protectedId);
    expect(deletedIds().sort()).toEqual([taskId(1), taskId(3), taskId(4)]);
    expect(summary.instances[0]).toMatchObject({ listed: 5, ignored: 1, stale: 3, deleted: 3 });
  });
});

describe('discovery: an instance listed twice with other facts is not cleaned', () => {
  it('first tagged and RUNNING, later untagged and FROZEN: ignored, the others are cleaned', async () => {
    simulator = await startSimulator({ maxInstancePageSize: 1 });
    simulator.addInstance(PROJECT, A, tasks(2, { ageDays: 10 }), { tags: { team: 'a' } });
    simulator.addInstance(PROJECT, B, tasks(3, { ageDays: 10, first: 10 }), { tags: { team: 'a' } });
    simulator.addRawInstances(PROJECT, [{ instance_id: A, name: 'redis-a', status: 'FROZEN', tags: [] }]);
    const deps = fastDeps();
    const config = parseConfig({
      dryRun: false,
      defaults: { olderThan: '7d' },
      fleets: [
        { region: 'cn-north-4', projectId: PROJECT, endpoint: simulator.endpoint, tags: { team: 'a' } },
      ],
    });
    const { summary } = await run(config, {}, deps);
    expect(summary.fleets[0]).toMatchObject({ matched: 1, notRunning: 0, ignored: 1 });
    expect(summary.instances.map((instance) => instance.instanceId)).toEqual([B]);
    expect(simulator.requests.filter((r) => r.instanceId === A)).toEqual([]);
    const record = deps.logger.records.find((entry) => entry.message === 'instance record ignored');
    expect(record).toMatchObject({ level: 'WARN', reason: 'conflicting records', instanceId: `"${A}"` });
  });

  it('the same instance listed twice alike is one instance, cleaned once', async () => {
    simulator = await startSimulator({ maxInstancePageSize: 1 });
    simulator.addInstance(PROJECT, A, tasks(2, { ageDays: 10 }), { name: 'redis-a', tags: { team: 'a' } });
    simulator.addRawInstances(PROJECT, [
      {
        instance_id: A.toUpperCase(),
        name: 'redis-a',
        status: 'RUNNING',
        tags: [{ key: 'team', value: 'a' }],
      },
    ]);
    const config = parseConfig({
      dryRun: false,
      defaults: { olderThan: '7d' },
      fleets: [
        { region: 'cn-north-4', projectId: PROJECT, endpoint: simulator.endpoint, tags: { team: 'a' } },
      ],
    });
    const { summary } = await run(config, {}, fastDeps());
    expect(summary.fleets[0]).toMatchObject({ matched: 1, ignored: 0 });
    expect(summary.totals.deleted).toBe(2);
  });
});

describe('a listing that never ends is cut off by the page bound', () => {
  it('one new record a page and a task_count of a billion: an instance error after 1,100 pages', async () => {
    simulator = await startSimulator({ maxPageSize: 1, claimedTaskCount: 1_000_000_000 });
    seed(simulator, A, tasks(1_200, { ageDays: 10 }));
    const deps = fastDeps(undefined, undefined, { pageSize: 1_000 });
    const { summary } = await run(parseConfig(configFor(simulator.endpoint, [A])), {}, deps);
    expect(summary.instances[0]?.error?.message).toBe('listing passed 1100 pages without ending');
    expect(summary.instances[0]).toMatchObject({ stale: 0, deleted: 0 });
    expect(simulator.requests).toHaveLength(1_101);
    expect(summary.complete).toBe(false);
  });
});

describe('an endpoint that dies', () => {
  it('closes its listener at the first DELETE: the run ends quickly, a few failed, the rest deferred, exit 1', async () => {
    simulator = await startSimulator();
    seed(simulator, A, tasks(1_000, { ageDays: 10 }));
    seed(simulator, B, tasks(1_000, { ageDays: 10, first: 5_000 }));
    simulator.inject({ method: 'DELETE', times: 1, fault: { type: 'shutdown' } });
    const dir = mkdtempSync(join(tmpdir(), 'dcs-dead-'));
    try {
      const config = join(dir, 'config.json');
      writeFileSync(
        config,
        JSON.stringify(
          configFor(simulator.endpoint, [A, B], {
            defaults: { olderThan: '7d', maxDeletesPerInstance: 1_000 },
            limits: { concurrency: 8, requestsPerSecond: 1000, maxAttempts: 2 },
          }),
        ),
      );
      const [stdout, stderr] = [capture(), capture()];
      const startedAt = Date.now();
      const code = await main(['run', '--config', config, '--json'], {
        stdout: stdout.stream,
        stderr: stderr.stream,
        env: CREDENTIALS_ENV,
      });
      const seconds = (Date.now() - startedAt) / 1000;
      const summary = JSON.parse(stdout.text());
      expect(code).toBe(1);
      expect(seconds).toBeLessThan(25);
      expect(summary).toMatchObject({ complete: false, ok: false });
      expect(summary.totals.stale).toBe(2_000);
      // The 10th refused attempt in a row opens the breaker: only requests whose last attempt was among those
      // ten fail; a request whose retry it stopped is deferred with the rest.
      expect(summary.totals.failed).toBeLessThanOrEqual(10);
      expect(summary.totals.deferred).toBe(2_000 - summary.totals.failed);
      expect(summary.unavailableEndpoints).toEqual([
        { endpoint: simulator.endpoint, lastError: expect.stringMatching(/^network error: ECONNREFUSED/) },
      ]);
      const records = stderr
        .text()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      const down = records.filter((record) => record.message === 'endpoint unavailable');
      expect(down).toMatchObject([
        {
          level: 'ERROR',
          endpoint: simulator.endpoint,
          deferred: summary.totals.deferred,
          instancesNotListed: 0,
        },
      ]);
      const deferred = records.filter((record) => record.message === 'tasks deferred');
      expect(deferred.every((record) => record.reason === 'unavailable')).toBe(true);
      expect(deferred.reduce((sum, record) => sum + record.count, 0)).toBe(summary.totals.deferred);
      const failedEvent = alertEvents(summary).find((event) => event.detailType === FAILED);
      expect(failedEvent?.detail.unavailableEndpoints).toEqual(summary.unavailableEndpoints);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an endpoint that never answers (every connection reset) is down after 3 attempts; no request is sent to it again', async () => {
    simulator = await startSimulator();
    const ids = Array.from({ length: 12 }, (_, n) => instanceId(n + 1));
    for (const [n, id] of ids.entries()) seed(simulator, id, tasks(3, { ageDays: 10, first: n * 10 }));
    simulator.inject({ operation: 'list-tasks', fault: { type: 'reset' } });
    const config = parseConfig(
      configFor(simulator.endpoint, ids, {
        limits: { concurrency: 1, requestsPerSecond: 1000, maxAttempts: 2 },
      }),
    );
    const deps = fastDeps();
    const { summary } = await run(config, {}, deps);
    const errors = summary.instances.map((instance) => instance.error?.message ?? 'ok');
    const failed = errors.filter((message) => message.startsWith('network error'));
    const notListed = errors.filter((message) =>
      message.startsWith(`endpoint ${simulator.endpoint} unavailable: network error`),
    );
    // The first listing's two attempts and the second's first: the third unanswered attempt opens the
    // breaker, and the second listing's retry is not sent.
    expect(failed).toHaveLength(1);
    expect(notListed).toHaveLength(11);
    expect(simulator.requests.length).toBe(3);
    expect(summary.complete).toBe(false);
    const down = deps.logger.records.find((record) => record.message === 'endpoint unavailable');
    expect(down).toMatchObject({ instancesNotListed: 11, deferred: 0 });
  });

  it('9 failed deletes in a row and one answered: not down; 10 in a row (5xx): down, the rest deferred', async () => {
    simulator = await startSimulator();
    seed(simulator, A, tasks(40, { ageDays: 10 }));
    // Oldest first is taskId(39) … taskId(0): every 10th one is answered, the 9 before it fail with 500.
    for (let n = 0; n < 40; n++) {
      if (n % 10 !== 0) simulator.inject({ taskId: taskId(n), fault: { type: 'status', status: 500 } });
    }
    const limits = { concurrency: 1, requestsPerSecond: 1000, maxAttempts: 2 };
    const config = parseConfig(configFor(simulator.endpoint, [A], { limits }));
    const flaky = await run(config, {}, fastDeps());
    expect(flaky.summary.unavailableEndpoints).toBeUndefined();
    expect(flaky.summary.totals).toMatchObject({ failed: 36, deleted: 4, deferred: 0 });

    simulator.inject({ method: 'DELETE', fault: { type: 'status', status: 503 } });
    seed(simulator, B, tasks(30, { ageDays: 10, first: 100 }));
    const down = await run(parseConfig(configFor(simulator.endpoint, [B], { limits })), {}, fastDeps());
    expect(down.summary.totals).toMatchObject({ stale: 30, failed: 10, deferred: 20, deleted: 0 });
    expect(down.summary.unavailableEndpoints).toEqual([
      { endpoint: simulator.endpoint, lastError: 'HTTP 503' },
    ]);
    expect(down.summary).toMatchObject({ complete: false, ok: false });
  });
});
