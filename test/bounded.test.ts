// Bounded by construction (docs/bounds.md): no value a server sends, no backlog and no failure can crash a
// run or grow its memory, its output or its answer.
import { afterEach, describe, expect, it } from 'vitest';
import { ANSWER, MAX_TASK_NAME } from '../src/bounds/limits.js';
import { run } from '../src/engine/run.js';
import { parseRetryAfter } from '../src/http/retry.js';
import { alertEvents } from '../src/report/events.js';
import {
  answerSummary,
  type InstanceSummary,
  invariantHolds,
  loggableSummary,
} from '../src/report/summary.js';
import type { DcsSimulator } from '../src/simulator/server.js';
import { cut } from '../src/text/cut.js';
import { preview } from '../src/text/preview.js';
import { printable } from '../src/text/printable.js';
import {
  configFor,
  DAY,
  fastDeps,
  instanceId,
  instanceSummary,
  PROJECT,
  parseConfig,
  runSummary,
  seed,
  startSimulator,
  taskId,
  tasks,
} from './helpers.js';

const A = instanceId(1);
const B = instanceId(2);
const OLD = new Date(Date.now() - 10 * DAY).toISOString();
let simulator: DcsSimulator;
afterEach(async () => simulator?.stop());

/** An array nested `depth` deep, as JSON text (JSON.stringify itself would overflow the stack). */
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('no value crashes the run', () => {
  it('a task id nested 90,000 deep is ignored and the rest of the instance and its endpoint are cleaned', async () => {
    simulator = await startSimulator();
    seed(simulator, A, tasks(3, { ageDays: 10 }));
    seed(simulator, B, tasks(2, { ageDays: 10, first: 10 }));
    const valid = simulator.tasks(PROJECT, A).map((task) => JSON.stringify(task));
    const body = `{"task_count":"4","tasks":[{"id":${nested(90_000)},"name":"x","status":"SUCCESS","created_at":"${OLD}"},${valid.join(',')}]}`;
    simulator.inject({
      operation: 'list-tasks',
      instanceId: A,
      times: 1,
      fault: { type: 'malformed', body },
    });
    const deps = fastDeps();
    const { summary } = await run(parseConfig(configFor(simulator.endpoint, [A, B])), {}, deps);
    expect(summary.instances[0]).toMatchObject({ listed: 3, ignored: 1, deleted: 3, failures: [] });
    expect(summary.instances[1]).toMatchObject({ listed: 2, deleted: 2 });
    const ignored = deps.logger.records.find((record) => record.message === 'task record ignored');
    expect(ignored?.taskId).toBe('['.repeat(80));
    expect(deps.logger.records.at(-1)?.message).toBe('run finished');
  });

  it('an instance_id nested 90,000 deep is ignored by discovery; the fleet still matches the rest', async () => {
    simulator = await startSimulator();
    seed(simulator, A, tasks(2, { ageDays: 10 }));
    const body = `{"instance_num":2,"instances":[{"instance_id":${nested(90_000)},"status":"RUNNING"},{"instance_id":"${A}","name":"redis-a","status":"RUNNING"}]}`;
    simulator.inject({ operation: 'list-instances', times: 1, fault: { type: 'malformed', body } });
    const deps = fastDeps();
    const config = parseConfig({
      dryRun: false,
      defaults: { olderThan: '7d' },
      fleets: [{ region: 'cn-north-4', projectId: PROJECT, endpoint: simulator.endpoint, tags: {} }],
    });
    const { summary } = await run(config, {}, deps);
    expect(summary.fleets[0]).toMatchObject({ matched: 1, ignored: 1 });
    expect(summary.totals.deleted).toBe(2);
  });

  it('__proto__ keys, 1e400 and a 7 MiB name are data: used or ignored, never a crash', async () => {
    // A name longer than MAX_TASK_NAME is no DCS task name: its record is ignored, never held or deleted.
    simulator = await startSimulator();
    seed(simulator, A, []);
    const huge = 'n'.repeat(7 * 1024 * 1024);
    // The store answers the deletes; the listing is sent as raw JSON text, as a server could write it.
    simulator.addRawTasks(PROJECT, A, [
      { id: taskId(1), status: 'SUCCESS', created_at: OLD },
      { id: taskId(2), status: 'SUCCESS', created_at: OLD },
    ]);
    const body = `{"task_count":1e400,"tasks":[{"__proto__":{"id":"x"},"id":"${taskId(1)}","name":"a","status":"SUCCESS","created_at":"${OLD}"},{"id":"${taskId(2)}","name":"${huge}","status":"SUCCESS","created_at":"${OLD}"},{"id":1e400,"status":"SUCCESS","created_at":"${OLD}"}]}`;
    simulator.inject({ operation: 'list-tasks', times: 1, fault: { type: 'malformed', body } });
    const deps = fastDeps();
    const { summary } = await run(parseConfig(configFor(simulator.endpoint, [A])), {}, deps);
    expect(summary.instances[0]).toMatchObject({ listed: 1, ignored: 2, deleted: 1 });
    const ignored = deps.logger.records.filter((entry) => entry.message === 'task record ignored');
    expect(ignored.map((entry) => [entry.taskId, entry.reason])).toEqual([
      [JSON.stringify(taskId(2)), `the name is longer than ${MAX_TASK_NAME} characters`],
      ['Infinity', 'the id is not a valid task id ([A-Za-z0-9][A-Za-z0-9_-]{0,63})'],
    ]);
  });
});

describe('discovery is bounded', () => {
  it('a project listing that selects more than 20,000 RUNNING instances is a fleet error, not a million targets', async () => {
    simulator = await startSimulator();
    const records = Array.from({ length: 20_001 }, (_, n) => ({
      instance_id: instanceId(1_000_000 + n),
      name: `redis-${n}`,
      status: 'RUNNING',
    }));
    simulator.addRawInstances(PROJECT, records);
    const config = parseConfig({
      dryRun: true,
      fleets: [{ region: 'cn-north-4', projectId: PROJECT, endpoint: simulator.endpoint, tags: {} }],
    });
    const { summary } = await run(config, {}, fastDeps());
    expect(summary.fleets[0]?.error?.message).toMatch(/more than 20000 instances/);
    expect(summary.instances).toEqual([]);
    expect(summary.complete).toBe(false);
  });
});

describe('every string from a response is cut before it is written', () => {
  it('a failing task with a 1,024-character name, a long code, message and request id: cut in the record, summary and events', async () => {
    simulator = await startSimulator();
    seed(simulator, A, []);
    simulator.addRawTasks(PROJECT, A, [
      { id: taskId(1), name: `\u202e${'n'.repeat(MAX_TASK_NAME - 1)}`, status: 'SUCCESS', created_at: OLD },
    ]);
    simulator.inject({
      method: 'DELETE',
      fault: {
        type: 'status',
        status: 400,
        errorCode: `\x1b[2J${'C'.repeat(500)}`,
        message: 'm'.repeat(600_000),
        headers: { 'X-Request-Id': 'r'.repeat(4000) },
      },
    });
    const deps = fastDeps();
    const { summary } = await run(parseConfig(configFor(simulator.endpoint, [A])), {}, deps);
    const record = deps.logger.taskRecords()[0];
    expect(record).toMatchObject({ outcome: 'failed', httpStatus: 400 });
    expect(String(record?.taskName)).toHaveLength(256);
    expect(String(record?.errorCode)).toHaveLength(64);
    expect(String(record?.requestId)).toHaveLength(128);
    expect(String(record?.requestId).endsWith('…')).toBe(true);
    const failure = summary.instances[0]?.failures[0];
    expect(failure?.taskName).toHaveLength(256);
    expect(failure?.message.length).toBeLessThanOrEqual(512);
    for (const event of alertEvents(summary)) {
      expect(Buffer.byteLength(JSON.stringify(event.detail))).toBeLessThan(64 * 1024);
    }
    for (const line of deps.logger.records)
      expect(Buffer.byteLength(JSON.stringify(line))).toBeLessThan(16 * 1024);
  });

  it('cut never splits a surrogate pair and marks the cut', () => {
    expect(cut('abcdef', 4)).toBe('abc…');
    expect(cut('ab😀cd', 4)).toBe('ab…');
    expect(cut('abc', 3)).toBe('abc');
  });

  it('preview is bounded by its length whatever the value', () => {
    const deep = JSON.parse(nested(90_000));
    expect(preview(deep, 80)).toBe('['.repeat(80));
    expect(preview('x'.repeat(7_000_000), 80)).toHaveLength(80);
    expect(preview({ a: [1, 'b', null, true] }, 80)).toBe('{"a":[1,"b",null,true]}');
    expect(preview(Number.POSITIVE_INFINITY, 80)).toBe('Infinity');
    expect(preview(undefined, 80)).toBeUndefined();
  });
});

describe('answers and log lines stay small', () => {
  const failure = (n: number) => ({
    taskId: taskId(n),
    taskName: 'é'.repeat(256),
    httpStatus: 500,
    errorCode: 'E'.repeat(64),
    message: '€'.repeat(512),
    attempts: 5,
  });
  const instance = (n: number, failures: number) => instanceSummary(n, failures, {}, failure);
  const summaryOf = (instances: InstanceSummary[]) => runSummary(instances);

  it('120 instances x 100 failures: the answer keeps 1,000 failures in all, marked, under 1 MB', () => {
    const answer = answerSummary(summaryOf(Array.from({ length: 120 }, (_, n) => instance(n, 100))));
    const failures = answer.instances.reduce((sum, entry) => sum + entry.failures.length, 0);
    expect(failures).toBeLessThanOrEqual(ANSWER.failures);
    expect(answer.failuresTruncated).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(answer))).toBeLessThan(1_000_000);
    expect(answer.instances.filter((entry) => entry.failuresTruncated).length).toBeGreaterThan(100);
  });

  it('5,000 instances: the answer drops entries it cannot carry and says how many', () => {
    const answer = answerSummary(summaryOf(Array.from({ length: 5_000 }, (_, n) => instance(n, 3))));
    expect(Buffer.byteLength(JSON.stringify(answer))).toBeLessThan(1_000_000);
    expect(answer.instancesLeftOut).toBe(5_000 - answer.instances.length);
  });

  it('the run finished record keeps the totals and the problem instances that fit in 16 KB', () => {
    const logged = loggableSummary(summaryOf(Array.from({ length: 300 }, (_, n) => instance(n, 50))));
    expect(Buffer.byteLength(JSON.stringify(logged))).toBeLessThan(16 * 1024);
    expect(logged.instancesLeftOut).toBeGreaterThan(0);
    expect(logged.instances.length + (logged.instancesLeftOut ?? 0)).toBe(300);
  });
});

describe('output does not grow with the backlog', () => {
  it('per instance: 20 ignored records logged, then one tally; deferred tasks in one record', async () => {
    simulator = await startSimulator({ maxPageSize: 100 });
    seed(simulator, A, tasks(300, { ageDays: 10 }));
    simulator.addRawTasks(
      PROJECT,
      A,
      Array.from({ length: 150 }, (_, n) => ({ id: `../${n}`, status: 'SUCCESS', created_at: OLD })),
    );
    const deps = fastDeps();
    const config = parseConfig(
      configFor(simulator.endpoint, [A], { defaults: { olderThan: '7d', maxDeletesPerInstance: 10 } }),
    );
    const { summary } = await run(config, {}, deps);
    expect(summary.instances[0]).toMatchObject({
      listed: 300,
      ignored: 150,
      stale: 300,
      deleted: 10,
      deferred: 290,
    });
    const messages = deps.logger.records.map((record) => record.message);
    expect(messages.filter((message) => message === 'task record ignored')).toHaveLength(20);
    const tally = deps.logger.records.find((record) => record.message === 'task records ignored');
    expect(tally).toMatchObject({ level: 'WARN', count: 150, notLogged: 130 });
    expect(deps.logger.taskRecords()).toHaveLength(10);
    const deferred = deps.logger.records.filter((record) => record.message === 'tasks deferred');
    const newest = simulator.tasks(PROJECT, A)[0]?.created_at;
    expect(deferred).toMatchObject([{ count: 290, reason: 'cap', newestCreatedAt: newest }]);
    expect(deps.logger.records.length).toBeLessThan(40);
  });

  it('the object limit applies to a small page: 100,001 empty arrays in 300 KB are refused', async () => {
    simulator = await startSimulator();
    seed(simulator, A, tasks(2, { ageDays: 10 }));
    const body = `{"task_count":"1","tasks":[${'[],'.repeat(100_001)}{}]}`;
    expect(body.length).toBeLessThan(1024 * 1024);
    simulator.inject({ operation: 'list-tasks', times: 1, fault: { type: 'malformed', body } });
    const { summary } = await run(parseConfig(configFor(simulator.endpoint, [A])), {}, fastDeps());
    expect(summary.instances[0]?.error?.message).toMatch(/more than 100000 JSON objects and arrays/);
    expect(summary.totals.deleted).toBe(0);
  });

  it('a listing of id-less records stalls after 3 pages: an instance error, bounded output', async () => {
    simulator = await startSimulator({ maxPageSize: 100 });
    seed(simulator, A, tasks(2, { ageDays: 10 }));
    simulator.addRawTasks(
      PROJECT,
      A,
      Array.from({ length: 1_000 }, () => ({})),
    );
    const deps = fastDeps();
    const { summary } = await run(parseConfig(configFor(simulator.endpoint, [A])), {}, deps);
    expect(summary.instances[0]?.error?.message).toMatch(/did not advance/);
    expect(summary.instances[0]).toMatchObject({ deleted: 0, stale: 0 });
    expect(summary.instances[0]?.error?.httpStatus).toBe(200);
    expect(simulator.requests.filter((request) => request.method === 'GET')).toHaveLength(4);
    expect(deps.logger.records.filter((record) => record.message === 'task record ignored')).toHaveLength(20);
  });
});

describe('duplicates, conflicts and future dates', () => {
  it('a task listed as SUCCESS, then as RUNNING on the next page, is not deleted', async () => {
    simulator = await startSimulator({ maxPageSize: 3 });
    const list = tasks(5, { ageDays: 10 });
    seed(simulator, A, list);
    simulator.addRawTasks(PROJECT, A, [{ ...list[0], status: 'RUNNING' }]);
    const deps = fastDeps();
    const { summary } = await run(parseConfig(configFor(simulator.endpoint, [A])), {}, deps);
    const deleted = simulator.requests.filter((request) => request.method === 'DELETE').map((r) => r.taskId);
    expect(deleted).not.toContain(taskId(0));
    expect(summary.instances[0]).toMatchObject({ listed: 5, ignored: 1, stale: 4, deleted: 4 });
    expect(deps.logger.records.find((record) => record.reason === 'conflicting records')?.taskId).toBe(
      `"${taskId(0)}"`,
    );
  });

  it('a held candidate contradicted pages later is not deleted either', async () => {
    simulator = await startSimulator({ maxPageSize: 2 });
    const list = tasks(20, { ageDays: 10 });
    seed(simulator, A, list);
    // The oldest task (a deletion candidate) comes back at the end with another created_at.
    const oldest = list.at(-1) as (typeof list)[number];
    simulator.addRawTasks(PROJECT, A, [
      { ...oldest, created_at: new Date(Date.now() - 20 * DAY).toISOString() },
    ]);
    const { summary } = await run(parseConfig(configFor(simulator.endpoint, [A])), {}, fastDeps());
    const deleted = simulator.requests.filter((request) => request.method === 'DELETE').map((r) => r.taskId);
    expect(deleted).not.toContain(oldest.id);
    expect(summary.instances[0]).toMatchObject({ ignored: 1, stale: 19, deleted: 19 });
    expect(invariantHolds(summary.totals)).toBe(true);
  });

  it('tasks dated in 2999 are ignored and take no keepLatest place: the real newest tasks stay', async () => {
    simulator = await startSimulator();
    const list = tasks(6, { ageDays: 10 });
    seed(simulator, A, list);
    simulator.addRawTasks(PROJECT, A, [
      { id: 'future0001', name: 'EXTEND', status: 'SUCCESS', created_at: '2999-01-01T00:00:00Z' },
      { id: 'future0002', name: 'EXTEND', status: 'FAILED', created_at: '2999-01-02T00:00:00Z' },
    ]);
    const config = parseConfig(
      configFor(simulator.endpoint, [A], { defaults: { olderThan: '7d', keepLatest: 2 } }),
    );
    const { summary } = await run(config, {}, fastDeps());
    expect(summary.instances[0]).toMatchObject({ listed: 6, ignored: 2, stale: 4, deleted: 4 });
    const left = simulator.tasks(PROJECT, A).map((task) => task.id);
    expect(left).toEqual(expect.arrayContaining([taskId(0), taskId(1), 'future0001', 'future0002']));
  });
});

describe('terminal safety', () => {
  it('printable shows controls, DEL, C1 and bidi or invisible format characters as escapes', () => {
    const hostile = 'a\x1b[2J\x07\r\x7f\x9b\u061c\u200b\u200f\u202a\u202e\u2060\u2069\ufeffz';
    const shown = printable(hostile);
    expect(shown).toBe(
      'a\\x1b[2J\\x07\\x0d\\x7f\\x9b\\u{061c}\\u{200b}\\u{200f}\\u{202a}\\u{202e}\\u{2060}\\u{2069}\\u{feff}z',
    );
    expect(printable(shown)).toBe(shown);
  });
});

describe('Retry-After', () => {
  const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
  it.each([
    ['0', 0],
    ['5', 5_000],
    ['86400', 86_400_000],
    ['86401', undefined],
    ['-1', undefined],
    ['1.5', undefined],
    ['soon', undefined],
    ['', undefined],
    [undefined, undefined],
    ['Tue, 01 Dec 2026 12:00:30 GMT', 30_000],
    ['Tuesday, 01-Dec-26 12:00:30 GMT', 30_000],
    ['Tue Dec  1 12:00:30 2026', 30_000],
    ['Tue, 01 Dec 2026 11:00:00 GMT', 0],
    ['2026-12-01T12:00:30Z', undefined],
  ])('%j → %j ms', (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });

  it('a Retry-After of -1 falls back to normal backoff instead of retrying at once', async () => {
    simulator = await startSimulator();
    seed(simulator, A, tasks(1, { ageDays: 10 }));
    simulator.inject({
      method: 'DELETE',
      times: 1,
      fault: { type: 'status', status: 503, headers: { 'Retry-After': '-1' } },
    });
    const deps = fastDeps(undefined, undefined, { retry: { baseDelayMs: 200, maxDelayMs: 200 } });
    const sleeps: number[] = [];
    const clock = {
      now: () => Date.now(),
      random: () => 0.999,
      sleep: (ms: number) => {
        sleeps.push(ms);
        return new Promise<void>((resolve) => setTimeout(resolve, ms));
      },
    };
    const { summary } = await run(parseConfig(configFor(simulator.endpoint, [A])), {}, { ...deps, clock });
    expect(summary.totals.deleted).toBe(1);
    expect(sleeps.filter((ms) => ms >= 150)).toHaveLength(1);
  });
});
