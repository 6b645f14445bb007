// Where the deletion is decided outside src/policy/ (docs/safety.md, contract §18): the dry-run gate, the
// classification of delete answers, the rule that nothing is picked before the whole listing was read,
// fleet selection and precedence, and the manual narrowing. Fast: a DCS API in memory (test/fake-dcs.ts)
// with the real record parsers and listing rules, so mutation testing can run them for every mutant.
import { describe, expect, it } from 'vitest';
import { MAX_SELECTED_INSTANCES } from '../src/bounds/limits.js';
import { globToRegExp, instanceFacts, sameInstance } from '../src/discover/select.js';
import { run } from '../src/engine/run.js';
import type { RunRequest } from '../src/model/run-request.js';
import { LogReporter } from '../src/report/log-reporter.js';
import { type RunReporter, zeroStats } from '../src/report/reporter.js';
import { type DeleteAnswer, FakeDcs } from './fake-dcs.js';
import { DAY, instanceId, MemoryLogger, PROJECT, parseConfig, taskId } from './helpers.js';

const ENDPOINT = 'https://dcs.cn-north-4.myhuaweicloud.com';
const A = instanceId(1);
const B = instanceId(2);
const OLD = new Date(Date.now() - 40 * DAY).toISOString();
const record = (n: number, fields: Record<string, unknown> = {}) => ({
  id: taskId(n),
  name: 'EXTEND',
  status: 'SUCCESS',
  created_at: OLD,
  ...fields,
});
const entry = (instanceId: string, extra: Record<string, unknown> = {}) => ({
  region: 'cn-north-4',
  projectId: PROJECT,
  endpoint: ENDPOINT,
  instanceId,
  ...extra,
});
const instanceRecord = (id: string, name: string, tags: Record<string, string> = {}, status = 'RUNNING') => ({
  instance_id: id,
  name,
  status,
  tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
});

async function cleanup(fake: FakeDcs, config: Record<string, unknown>, request: RunRequest = {}) {
  const logger = new MemoryLogger();
  const report = await run(parseConfig({ dryRun: false, ...config }), request, {
    dcs: fake.connector,
    reporter: new LogReporter(logger),
  });
  return { ...report, logger };
}

describe('the dry-run gate', () => {
  const fake = () => {
    const dcs = new FakeDcs();
    dcs.tasks.set(A, [record(1), record(2)]);
    return dcs;
  };

  it('config dryRun: nothing is deleted, each stale task would be', async () => {
    const dcs = fake();
    const { summary } = await cleanup(dcs, { dryRun: true, instances: [entry(A)] });
    expect(dcs.deletes).toEqual([]);
    expect(summary).toMatchObject({ dryRun: true, ok: true });
    expect(summary.totals).toMatchObject({ stale: 2, wouldDelete: 2, deleted: 0 });
  });

  it('a would-delete record says that no request was made', async () => {
    const dcs = fake();
    const logger = new MemoryLogger();
    await run(
      parseConfig({ dryRun: true, instances: [entry(A)] }),
      {},
      { dcs: dcs.connector, reporter: new LogReporter(logger) },
    );
    expect(
      logger
        .taskRecords()
        .map((r) => [r.outcome, r.httpStatus, r.errorCode, r.attempts, r.durationMs, r.requestId]),
    ).toEqual([
      ['would-delete', null, null, 0, null, null],
      ['would-delete', null, null, 0, null, null],
    ]);
  });

  it('a request dryRun: true wins over the config; absent, the config decides', async () => {
    const dry = fake();
    expect((await cleanup(dry, { instances: [entry(A)] }, { dryRun: true })).summary.dryRun).toBe(true);
    expect(dry.deletes).toEqual([]);
    const real = fake();
    const { summary } = await cleanup(real, { instances: [entry(A)] });
    expect(summary).toMatchObject({ dryRun: false, totals: { deleted: 2, wouldDelete: 0 } });
    expect(real.deletes).toEqual([`${A}/${taskId(1)}`, `${A}/${taskId(2)}`].sort());
  });
});

describe('what a delete answer means', () => {
  const cases: [string, DeleteAnswer, string][] = [
    ['200', 200, 'deleted'],
    ['204', 204, 'deleted'],
    ['404 DCS.4001 (the task is gone)', { httpStatus: 404, errorCode: 'DCS.4001' }, 'alreadyGone'],
    ['404 legacy 111404001', { httpStatus: 404, errorCode: '111404001' }, 'alreadyGone'],
    ['404 DCS.3022 (the instance is gone)', { httpStatus: 404, errorCode: 'DCS.3022' }, 'failed'],
    ['404 111404022 (the instance is gone)', { httpStatus: 404, errorCode: '111404022' }, 'failed'],
    ['404 APIGW.0101 (no such API)', { httpStatus: 404, errorCode: 'APIGW.0101' }, 'failed'],
    ['404 without a code (an HTML page)', { httpStatus: 404 }, 'failed'],
    ['404 DCS.40010 (not a DCS code)', { httpStatus: 404, errorCode: 'DCS.40010' }, 'failed'],
    ['404 x111404001 (not a DCS code)', { httpStatus: 404, errorCode: 'x111404001' }, 'failed'],
    ['404 network (no answer)', { kind: 'network', httpStatus: 404, errorCode: 'DCS.4001' }, 'failed'],
    ['400 DCS.4017 (not now)', { httpStatus: 400, errorCode: 'DCS.4017' }, 'skipped'],
    ['400 DCS.4957 (not now)', { httpStatus: 400, errorCode: 'DCS.4957' }, 'skipped'],
    ['400 111400017 (not now)', { httpStatus: 400, errorCode: '111400017' }, 'skipped'],
    ['400 DCS.4800', { httpStatus: 400, errorCode: 'DCS.4800' }, 'failed'],
    ['403', { httpStatus: 403, errorCode: 'DCS.1001' }, 'failed'],
    ['500', 500, 'failed'],
    ['not sent: the time budget', { kind: 'not-sent', notSent: 'budget' }, 'deferred'],
    ['not sent: the endpoint is down', { kind: 'not-sent', notSent: 'unavailable' }, 'deferred'],
    ['not sent: a stop', { kind: 'not-sent', notSent: 'interrupted' }, 'deferred'],
    ['not sent, no reason', { kind: 'not-sent' }, 'deferred'],
  ];
  for (const [what, answer, counter] of cases) {
    it(`${what}: ${counter}`, async () => {
      const dcs = new FakeDcs();
      dcs.tasks.set(A, [record(1)]);
      dcs.deleteAnswer = () => answer;
      const { summary } = await cleanup(dcs, { instances: [entry(A)] });
      const instance = summary.instances[0];
      expect(instance).toMatchObject({ stale: 1, [counter]: 1 });
      expect(summary.ok).toBe(counter === 'deleted' || counter === 'alreadyGone' || counter === 'skipped');
      if (counter === 'failed') expect(instance?.failures).toHaveLength(1);
      if (what.includes('no such API') || what.includes('HTML')) {
        expect(instance?.failures[0]?.message).toContain(
          `the endpoint ${ENDPOINT} does not serve the DCS API`,
        );
      }
    });
  }

  it('deferred tasks are reported by why, oldest first, and the run is incomplete', async () => {
    const dcs = new FakeDcs();
    dcs.tasks.set(A, [record(1, { created_at: '2020-01-01T00:00:00Z' }), record(2)]);
    dcs.deleteAnswer = (_, id) => (id === taskId(1) ? { kind: 'not-sent', notSent: 'budget' } : 204);
    const { summary, logger, incompleteBecause } = await cleanup(dcs, { instances: [entry(A)] });
    expect(summary.instances[0]).toMatchObject({ deleted: 1, deferred: 1 });
    expect(summary.complete).toBe(false);
    expect(incompleteBecause).toBe('time budget');
    expect(logger.records.find((r) => r.message === 'tasks deferred')).toMatchObject({
      reason: 'budget',
      count: 1,
    });
  });
});

describe('nothing is picked before the whole listing was read', () => {
  it('a listing that fails on its second page deletes nothing of that instance; the others go on', async () => {
    const dcs = new FakeDcs();
    dcs.pageSize = 2;
    dcs.tasks.set(A, [record(1), record(2), record(3)]);
    dcs.tasks.set(B, [record(4)]);
    dcs.listingErrors.set(A, { error: { httpStatus: 500, errorCode: 'DCS.5000' }, afterPages: 1 });
    const { summary } = await cleanup(dcs, { instances: [entry(A), entry(B)] });
    expect(dcs.deletes).toEqual([`${B}/${taskId(4)}`]);
    expect(summary.instances[0]).toMatchObject({ listed: 2, deleted: 0, error: { httpStatus: 500 } });
    expect(summary).toMatchObject({ ok: false, complete: false });
  });

  it('a listing 404 with DCS.3022: a discovered instance vanished (ok), a configured one is an error', async () => {
    const dcs = new FakeDcs();
    dcs.instances.set(PROJECT, [instanceRecord(B, 'redis-b', { team: 'x' })]);
    for (const id of [A, B]) dcs.listingErrors.set(id, { error: { httpStatus: 404, errorCode: 'DCS.3022' } });
    const fleet = { region: 'cn-north-4', projectId: PROJECT, endpoint: ENDPOINT, tags: { team: 'x' } };
    const { summary } = await cleanup(dcs, { instances: [entry(A)], fleets: [fleet] });
    expect(summary.instances[0]?.error?.message).toMatch(/^instance not found: check its instanceId/);
    expect(summary.instances[1]).toMatchObject({ vanished: true });
    expect(summary.instances[1]?.error).toBeUndefined();
  });

  it('a listing 404 that DCS did not give is an error naming the endpoint, never "vanished"', async () => {
    const dcs = new FakeDcs();
    dcs.instances.set(PROJECT, [instanceRecord(B, 'redis-b', { team: 'x' })]);
    dcs.listingErrors.set(B, { error: { httpStatus: 404, errorCode: 'APIGW.0101' } });
    const fleet = { region: 'cn-north-4', projectId: PROJECT, endpoint: ENDPOINT, tags: { team: 'x' } };
    const { summary } = await cleanup(dcs, { fleets: [fleet] });
    expect(summary.instances[0]?.vanished).toBeUndefined();
    expect(summary.instances[0]?.error?.message).toMatch(/does not serve the DCS API here/);
  });
});

describe('fleet selection', () => {
  const fleet = (extra: Record<string, unknown> = {}) => ({
    region: 'cn-north-4',
    projectId: PROJECT,
    endpoint: ENDPOINT,
    tags: {},
    ...extra,
  });
  async function selected(instances: unknown[], fleets: Record<string, unknown>[], config = {}) {
    const dcs = new FakeDcs();
    dcs.instances.set(PROJECT, instances);
    const { summary } = await cleanup(dcs, { dryRun: true, fleets, ...config });
    return summary.instances.map((instance) => instance.instanceId);
  }
  const ids = Array.from({ length: 6 }, (_, n) => instanceId(10 + n));

  it('a name glob matches the whole name; `.` is a dot, `?` one character, `*` any run', async () => {
    const names = ['redis.prod', 'redis-prod', 'redis.prod2', 'xredis.prod', 'redis+prod', 'redisXprod'];
    const instances = names.map((name, n) => instanceRecord(ids[n] as string, name));
    expect(await selected(instances, [fleet({ names: ['redis.prod'] })])).toEqual([ids[0]]);
    expect(await selected(instances, [fleet({ names: ['redis?prod'] })])).toEqual([
      ids[0],
      ids[1],
      ids[4],
      ids[5],
    ]);
    expect(await selected(instances, [fleet({ names: ['redis.prod*'] })])).toEqual([ids[0], ids[2]]);
    expect(await selected(instances, [fleet({ names: ['*redis.prod'] })])).toEqual([ids[0], ids[3]]);
    expect(await selected(instances, [fleet({ names: ['redis+prod'] })])).toEqual([ids[4]]);
  });

  it('every tag must match; only RUNNING instances; excludeInstanceIds in any case', async () => {
    const instances = [
      instanceRecord(ids[0] as string, 'a', { team: 'x', env: 'prod' }),
      instanceRecord(ids[1] as string, 'b', { team: 'x' }),
      instanceRecord(ids[2] as string, 'c', { team: 'x', env: 'prod' }, 'FROZEN'),
      instanceRecord(ids[3] as string, 'd', { team: 'x', env: 'prod' }),
    ];
    const tags = { team: 'x', env: 'prod' };
    expect(await selected(instances, [fleet({ tags })])).toEqual([ids[0], ids[3]]);
    const exclude = [(ids[3] as string).toUpperCase()];
    expect(await selected(instances, [fleet({ tags, excludeInstanceIds: exclude })])).toEqual([ids[0]]);
  });

  it('precedence: configured instances first, then the first matching fleet', async () => {
    const dcs = new FakeDcs();
    dcs.instances.set(PROJECT, [
      instanceRecord(ids[0] as string, 'a', { team: 'x' }),
      instanceRecord(ids[1] as string, 'b', { team: 'x', tier: 'gold' }),
    ]);
    const gold = fleet({ tags: { tier: 'gold' }, olderThan: '90d' });
    const all = fleet({ tags: { team: 'x' }, olderThan: '7d' });
    const { summary, logger } = await cleanup(dcs, {
      dryRun: true,
      instances: [entry((ids[0] as string).toUpperCase(), { olderThan: '1d' })],
      fleets: [gold, all],
    });
    expect(summary.instances.map((instance) => [instance.instanceId.toLowerCase(), instance.source])).toEqual(
      [
        [ids[0], 'config'],
        [ids[1], 'fleet'],
      ],
    );
    expect(summary.fleets.map((f) => f.matched)).toEqual([1, 0]);
    expect(logger.records.filter((r) => r.message === 'fleet discovered')).toHaveLength(2);
  });
});

describe('a manual run only narrows', () => {
  const narrowing = (patch: Record<string, unknown>) => ({
    narrowing: {
      olderThanMayShorten: false,
      fields: { instanceId: (n: number) => `instanceIds[${n}]`, olderThan: 'olderThan' },
      ...patch,
    },
  });

  it('only the named instances; an age it may lengthen, never shorten', async () => {
    const dcs = new FakeDcs();
    dcs.tasks.set(A, [record(1)]);
    dcs.tasks.set(B, [record(2)]);
    const config = { instances: [entry(A), entry(B)], defaults: { olderThan: '7d' } };
    const { summary } = await cleanup(dcs, config, narrowing({ instanceIds: [B.toUpperCase()] }));
    expect(summary.instances.map((i) => i.instanceId)).toEqual([B]);
    expect(dcs.deletes).toEqual([`${B}/${taskId(2)}`]);
    const older = new FakeDcs();
    older.tasks.set(A, [record(1)]);
    const { summary: longer } = await cleanup(older, config, narrowing({ olderThanMs: 60 * DAY }));
    expect(longer.totals.stale).toBe(0);
    await expect(cleanup(new FakeDcs(), config, narrowing({ olderThanMs: 7 * DAY - 1 }))).rejects.toThrow(
      /olderThan: .* is shorter than the configured 7d/,
    );
    await expect(cleanup(new FakeDcs(), config, narrowing({ olderThanMs: 7 * DAY }))).resolves.toBeDefined();
  });

  it('an id neither configured nor discovered is bad input naming the field, and nothing is deleted', async () => {
    const dcs = new FakeDcs();
    dcs.tasks.set(A, [record(1)]);
    await expect(
      cleanup(dcs, { instances: [entry(A)] }, narrowing({ instanceIds: [A, instanceId(99)] })),
    ).rejects.toThrow(/instanceIds\[1\]: .* is neither in "instances" nor discovered by a fleet/);
    expect(dcs.deletes).toEqual([]);
    expect(dcs.pagesRead).toEqual([]);
  });
});

describe('what a run reports, event by event', () => {
  /** Every reporter call, in order, with its event. */
  function recorder() {
    const calls: [string, Record<string, unknown>][] = [];
    const reporter = new Proxy({} as RunReporter, {
      get: (_, name) => (event: Record<string, unknown>) => calls.push([String(name), event]),
    });
    return {
      calls,
      reporter,
      of: (name: string) => calls.filter(([call]) => call === name).map(([, e]) => e),
    };
  }
  const NOW = Date.parse('2026-12-01T00:00:00Z');
  const clock = { now: () => NOW, random: () => 0, sleep: async () => {} };
  const at = (days: number) => new Date(NOW - days * DAY).toISOString();

  it('a run with a delete, a failure, a skip, the cap and a discovered instance', async () => {
    const dcs = new FakeDcs();
    const C = instanceId(3);
    dcs.tasks.set(A, [
      record(1, { created_at: at(10) }),
      record(2, { created_at: at(11) }),
      record(3, { created_at: at(12) }),
      record(4, { created_at: at(1) }),
      { id: '../x', status: 'SUCCESS', created_at: at(40) },
    ]);
    dcs.tasks.set(B, [record(5, { created_at: at(20) }), record(6, { created_at: at(21) })]);
    dcs.tasks.set(C, [record(7, { created_at: at(30) })]);
    dcs.instances.set(PROJECT, [
      instanceRecord(C, 'redis-c', { team: 'x' }),
      instanceRecord(B, 'b', { team: 'x' }),
    ]);
    dcs.deleteAnswer = (_, id) =>
      id === taskId(2)
        ? { httpStatus: 500, errorCode: 'DCS.5000', detail: 'busy' }
        : id === taskId(3)
          ? { httpStatus: 400, errorCode: 'DCS.4017' }
          : 204;
    const { calls, reporter, of } = recorder();
    const config = parseConfig({
      dryRun: false,
      defaults: { olderThan: '7d' },
      instances: [entry(A), entry(B, { maxDeletesPerInstance: 1 })],
      fleets: [{ region: 'cn-north-4', projectId: PROJECT, endpoint: ENDPOINT, tags: { team: 'x' } }],
    });
    const { summary, stats } = await run(
      config,
      { timeBudgetMs: 60_000 },
      { dcs: dcs.connector, reporter, clock, runId: 'run-1' },
    );

    expect(calls[0]).toEqual([
      'runStarted',
      { runId: 'run-1', dryRun: false, instances: 2, fleets: 1, timeBudgetMs: 60_000 },
    ]);
    expect(of('fleetDiscovered')).toEqual([
      {
        runId: 'run-1',
        index: 0,
        fleet: {
          region: 'cn-north-4',
          projectId: PROJECT,
          account: 'default',
          matched: 1,
          notRunning: 0,
          ignored: 0,
        },
        error: undefined,
      },
    ]);
    expect(of('cleaningStarted')).toEqual([{ runId: 'run-1', instances: 3 }]);
    // Instances run side by side: their events are compared in id order.
    const byId = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));
    expect(
      of('instanceListed')
        .map((e) => [(e.target as { instanceId: string }).instanceId, e.listed, e.ignored, e.stale])
        .sort(byId),
    ).toEqual([
      [A, 4, 1, 3],
      [B, 2, 0, 2],
      [C, 1, 0, 1],
    ]);
    expect(of('recordIgnored')).toMatchObject([
      { runId: 'run-1', kind: 'task', instanceId: A, record: { rawId: '"../x"' } },
    ]);
    expect(
      of('taskOutcome')
        .map((e) => [(e.task as { id: string }).id, (e.result as { outcome: string }).outcome])
        .sort(byId),
    ).toEqual([
      [taskId(1), 'deleted'],
      [taskId(2), 'failed'],
      [taskId(3), 'skipped'],
      [taskId(6), 'deleted'],
      [taskId(7), 'deleted'],
    ]);
    expect(of('tasksDeferred')).toEqual([
      {
        runId: 'run-1',
        target: expect.objectContaining({ instanceId: B }),
        count: 1,
        reason: 'cap',
        oldestCreatedAt: at(20),
        newestCreatedAt: at(20),
      },
    ]);
    expect(
      of('instanceFinished')
        .map((e) => (e.summary as { instanceId: string }).instanceId)
        .sort(),
    ).toEqual([A, B, C]);
    expect(summary).toMatchObject({
      runId: 'run-1',
      dryRun: false,
      startedAt: '2026-12-01T00:00:00.000Z',
      finishedAt: '2026-12-01T00:00:00.000Z',
      complete: true,
      ok: false,
      totals: {
        listed: 7,
        ignored: 1,
        stale: 6,
        deleted: 3,
        alreadyGone: 0,
        wouldDelete: 0,
        skipped: 1,
        deferred: 1,
        failed: 1,
      },
    });
    expect(summary.instances[0]?.failures).toEqual([
      {
        taskId: taskId(2),
        taskName: 'EXTEND',
        httpStatus: 500,
        errorCode: 'DCS.5000',
        message: 'busy',
        attempts: 1,
      },
    ]);
    expect(summary.instances.map((i) => i.source)).toEqual(['config', 'config', 'fleet']);
    expect(summary.unavailableEndpoints).toBeUndefined();
    expect(calls.at(-1)).toEqual([
      'runFinished',
      { runId: 'run-1', summary, stats, incompleteBecause: undefined },
    ]);
    // One attempt a delete (the fake answers at once): no retry, no 429.
    expect(stats).toEqual({ ...zeroStats(), requests: 5 });
    expect(dcs.closed).toBe(true);
  });
});

describe('discovery', () => {
  const PROJECT_2 = 'fedcba9876543210fedcba9876543210';
  const fleet = (extra: Record<string, unknown> = {}) => ({
    region: 'cn-north-4',
    projectId: PROJECT,
    endpoint: ENDPOINT,
    tags: {},
    ...extra,
  });
  const ids = Array.from({ length: 4 }, (_, n) => instanceId(20 + n));

  it('fleets over one project share its listing; each counts what it matched, not running and ignored', async () => {
    const dcs = new FakeDcs();
    dcs.instances.set(PROJECT, [
      instanceRecord(ids[0] as string, 'a', { team: 'x' }),
      instanceRecord(ids[1] as string, 'b', { team: 'x' }, 'FROZEN'),
      instanceRecord(ids[2] as string, 'c', { team: 'y' }),
      instanceRecord(ids[3] as string, 'd', { team: 'y' }),
      instanceRecord(ids[3] as string, 'd', { team: 'x' }), // the same id with other tags: banned
      { instance_id: 'not-a-uuid', name: 'e' },
    ]);
    const { summary, logger } = await cleanup(dcs, {
      dryRun: true,
      fleets: [fleet({ tags: { team: 'x' } }), fleet({ tags: { team: 'y' } })],
    });
    expect(dcs.pagesRead.filter((page) => page.startsWith(PROJECT))).toEqual([`${PROJECT}@0`]);
    expect(summary.fleets).toEqual([
      { region: 'cn-north-4', projectId: PROJECT, account: 'default', matched: 1, notRunning: 1, ignored: 2 },
      { region: 'cn-north-4', projectId: PROJECT, account: 'default', matched: 1, notRunning: 0, ignored: 2 },
    ]);
    expect(summary.instances.map((i) => i.instanceId)).toEqual([ids[0], ids[2]]);
    expect(
      logger.records.filter((r) => r.message === 'instance record ignored').map((r) => r.reason),
    ).toEqual(['conflicting records', 'the instance_id is not a UUID']);
  });

  it('a fleet whose listing fails: later fleets over that project are not discovered either; others go on', async () => {
    const dcs = new FakeDcs();
    dcs.instances.set(PROJECT, [instanceRecord(ids[0] as string, 'a', { team: 'x' })]);
    dcs.instances.set(PROJECT_2, [instanceRecord(ids[1] as string, 'b', { team: 'x' })]);
    dcs.listingErrors.set(`${PROJECT} default`, {
      error: { httpStatus: 403, errorCode: 'DCS.1001', detail: 'denied' },
    });
    const { summary, incompleteBecause } = await cleanup(dcs, {
      dryRun: true,
      fleets: [
        fleet({ tags: { team: 'x' } }),
        fleet({ tags: { team: 'x' }, account: 'other' }),
        fleet({ projectId: PROJECT_2, tags: { team: 'x' } }),
      ],
    });
    expect(summary.fleets.map((f) => f.error?.message ?? 'ok')).toEqual([
      'denied',
      'not sent: fleets[0] over the same project could not be discovered, so it is unknown which fleet each instance belongs to',
      'ok',
    ]);
    expect(summary.instances.map((i) => i.instanceId)).toEqual([ids[1]]);
    expect(summary).toMatchObject({ complete: false, ok: false });
    expect(incompleteBecause).toBe('fleet not discovered');
    // A manual run naming an instance a failed fleet may hold says why it is not found.
    await expect(
      cleanup(
        dcs,
        { dryRun: true, fleets: [fleet({ tags: { team: 'x' } })] },
        {
          narrowing: {
            instanceIds: [ids[0] as string],
            olderThanMayShorten: true,
            fields: { instanceId: (n) => `instanceIds[${n}]`, olderThan: 'olderThan' },
          },
        },
      ),
    ).rejects.toThrow(
      /is neither in "instances" nor discovered by a fleet \(fleets\[0\] could not be discovered\)/,
    );
  });

  it(`more than the selected-instance bound in one project is a fleet error, not ${'a million targets'}`, async () => {
    const dcs = new FakeDcs();
    dcs.pageSize = 1000;
    dcs.instances.set(
      PROJECT,
      Array.from({ length: MAX_SELECTED_INSTANCES + 1 }, (_, n) =>
        instanceRecord(instanceId(100_000 + n), `r${n}`),
      ),
    );
    const { summary } = await cleanup(dcs, { dryRun: true, fleets: [fleet()] });
    expect(summary.fleets[0]?.error?.message).toBe(
      `instance listing selected more than ${MAX_SELECTED_INSTANCES} instances`,
    );
    expect(summary.instances).toEqual([]);
  });
});

describe('the engine at its edges', () => {
  it('counts requests, retries and 429s from what the client reports; times each delete', async () => {
    const dcs = new FakeDcs();
    dcs.tasks.set(A, [record(1), record(2)]);
    dcs.deleteAnswer = (_, id) =>
      id === taskId(1) ? { httpStatus: 429, errorCode: 'APIGW.0308', attempts: 3 } : 204;
    let now = Date.now();
    const clock = { now: () => (now += 5), random: () => 0, sleep: async () => {} };
    const logger = new MemoryLogger();
    const report = await run(
      parseConfig({ dryRun: false, instances: [entry(A)] }),
      {},
      {
        dcs: dcs.connector,
        reporter: new LogReporter(logger),
        clock,
      },
    );
    expect(report.stats).toMatchObject({ requests: 4, retries: 2, throttled: 3, authFailures: 0 });
    expect(report.stats.durationMs).toBeGreaterThan(0);
    const durations = logger.taskRecords().map((r) => r.durationMs);
    expect(durations.every((ms) => typeof ms === 'number' && ms > 0 && ms < 100)).toBe(true);
  });

  it('a listing error that is no 404 keeps its own message; a DCS.3022 with another status is no "gone"', async () => {
    const dcs = new FakeDcs();
    dcs.instances.set(PROJECT, [instanceRecord(A, 'a', { team: 'x' })]);
    dcs.listingErrors.set(A, { error: { httpStatus: 500, errorCode: 'DCS.3022', detail: 'server busy' } });
    const fleet = { region: 'cn-north-4', projectId: PROJECT, endpoint: ENDPOINT, tags: { team: 'x' } };
    const { summary, logger } = await cleanup(dcs, { fleets: [fleet] });
    expect(summary.instances[0]).toMatchObject({
      error: { httpStatus: 500, errorCode: 'DCS.3022', message: 'server busy' },
    });
    expect(summary.instances[0]?.vanished).toBeUndefined();
    expect(logger.records.find((r) => r.message === 'instance not listed: nothing deleted')).toMatchObject({
      error: 'server busy',
    });
    const network = new FakeDcs();
    network.listingErrors.set(A, { error: { kind: 'network', detail: 'network error: reset' } });
    const { summary: reset } = await cleanup(network, { instances: [entry(A)] });
    expect(reset.instances[0]?.error?.message).toBe('network error: reset');
  });

  it('an endpoint found down: not-listed instances and deferred tasks are reported with it, once', async () => {
    const dcs = new FakeDcs();
    dcs.tasks.set(A, [record(1), record(2)]);
    dcs.listingErrors.set(B, {
      error: { kind: 'not-sent', notSent: 'unavailable', detail: `endpoint ${ENDPOINT} unavailable: x` },
    });
    dcs.deleteAnswer = () => ({ kind: 'not-sent', notSent: 'unavailable' });
    dcs.unavailable = [{ endpoint: ENDPOINT, lastError: 'x' }];
    const { summary, logger, incompleteBecause } = await cleanup(dcs, { instances: [entry(A), entry(B)] });
    expect(logger.records.filter((r) => r.message === 'endpoint unavailable')).toEqual([
      expect.objectContaining({ endpoint: ENDPOINT, error: 'x', deferred: 2, instancesNotListed: 1 }),
    ]);
    expect(summary.unavailableEndpoints).toEqual([{ endpoint: ENDPOINT, lastError: 'x' }]);
    expect(summary.instances[0]).toMatchObject({ deferred: 2 });
    expect(incompleteBecause).toBe('endpoint unavailable');
    expect(logger.records.find((r) => r.message === 'tasks deferred')).toMatchObject({
      reason: 'unavailable',
      count: 2,
    });
  });

  it('with every deferred task reported on its own (--verbose), each has a record; the tally names oldest and newest', async () => {
    const dcs = new FakeDcs();
    const day = (n: number) => new Date(Date.UTC(2020, 0, n)).toISOString();
    dcs.tasks.set(A, [
      record(1, { created_at: day(5) }),
      record(2, { created_at: day(3) }),
      record(3, { created_at: day(4) }),
    ]);
    const logger = new MemoryLogger();
    await run(
      parseConfig({ dryRun: false, instances: [entry(A, { maxDeletesPerInstance: 1 })] }),
      {},
      {
        dcs: dcs.connector,
        reporter: new LogReporter(logger),
        reportEachDeferred: true,
      },
    );
    expect(dcs.deletes).toEqual([`${A}/${taskId(2)}`]);
    expect(
      logger
        .taskRecords()
        .filter((r) => r.outcome === 'deferred')
        .map((r) => r.taskId),
    ).toEqual([taskId(3), taskId(1)]);
    expect(logger.records.find((r) => r.message === 'tasks deferred')).toMatchObject({
      reason: 'cap',
      count: 2,
      oldestCreatedAt: day(4),
      newestCreatedAt: day(5),
    });
  });

  it('tasks the budget stopped are one tally, oldest and newest by created_at whatever order they ended in', async () => {
    const dcs = new FakeDcs();
    const day = (n: number) => new Date(Date.UTC(2020, 0, n)).toISOString();
    dcs.tasks.set(A, [
      record(1, { created_at: day(9) }),
      record(2, { created_at: day(2) }),
      record(3, { created_at: day(6) }),
    ]);
    dcs.deleteAnswer = () => ({ kind: 'not-sent', notSent: 'budget' });
    // The oldest answers last: the tally still names it as the oldest.
    dcs.deleteDelay = (id) => (id === taskId(2) ? 20 : 0);
    const { logger, summary } = await cleanup(dcs, { instances: [entry(A)] });
    expect(summary.instances[0]).toMatchObject({ deferred: 3, stale: 3 });
    expect(logger.records.filter((r) => r.message === 'tasks deferred')).toEqual([
      expect.objectContaining({
        reason: 'budget',
        count: 3,
        oldestCreatedAt: day(2),
        newestCreatedAt: day(9),
      }),
    ]);
  });

  it('a listing that contradicts itself for more than 100 tasks is an instance error: nothing deleted', async () => {
    const dcs = new FakeDcs();
    dcs.pageSize = 1000;
    const first = Array.from({ length: 101 }, (_, n) => record(n));
    const again = first.map((r) => ({ ...r, status: 'RUNNING' }));
    dcs.tasks.set(A, [...first, ...again]);
    const { summary } = await cleanup(dcs, { instances: [entry(A)] });
    expect(dcs.deletes).toEqual([]);
    expect(summary.instances[0]?.error).toMatchObject({
      httpStatus: null,
      message: 'the listing contradicted itself for more than 100 tasks',
    });
  });

  it('records it could not judge are counted once each as ignored, with their reason', async () => {
    const dcs = new FakeDcs();
    dcs.tasks.set(A, [
      record(1),
      record(1, { status: 'RUNNING' }),
      record(2, { created_at: '2999-01-01T00:00:00Z' }),
      record(3, { name: null }),
      record(4),
      record(4),
    ]);
    const config = { instances: [entry(A)], defaults: { olderThan: '7d', excludeTaskNames: ['x'] } };
    const { summary, logger } = await cleanup(dcs, config);
    // listed: the distinct tasks judged (a repeat is one, an ignored record none).
    expect(summary.instances[0]).toMatchObject({ listed: 2, ignored: 3, stale: 1, deleted: 1 });
    expect(logger.records.filter((r) => r.message === 'task record ignored').map((r) => r.reason)).toEqual([
      'conflicting records',
      'created_at in the future',
      'no name',
    ]);
  });
});

describe('config resolution and manual narrowing, as a run sees them', () => {
  it('an entry takes each policy key from defaults unless it sets its own; fleets default their names to any', async () => {
    const config = parseConfig({
      dryRun: true,
      defaults: {
        olderThan: '9d',
        statuses: ['FAILED'],
        excludeTaskNames: ['x'],
        keepLatest: 2,
        maxDeletesPerInstance: 7,
      },
      instances: [entry(A), entry(B, { statuses: ['SUCCESS'], keepLatest: 0 })],
      fleets: [{ region: 'cn-north-4', projectId: PROJECT, tags: {} }],
    });
    const policy = {
      olderThanMs: 9 * DAY,
      statuses: ['FAILED'],
      excludeTaskNames: ['x'],
      keepLatest: 2,
      maxDeletesPerInstance: 7,
    };
    expect(config.targets.map((t) => t.policy)).toEqual([
      policy,
      { ...policy, statuses: ['SUCCESS'], keepLatest: 0 },
    ]);
    expect(config.fleets[0]).toMatchObject({
      names: [],
      excludeInstanceIds: [],
      endpoint: ENDPOINT,
      account: 'default',
      policy,
    });
    const dcs = new FakeDcs();
    dcs.instances.set(PROJECT, [instanceRecord(instanceId(9), 'any-name-at-all')]);
    const { summary } = await run(
      config,
      {},
      { dcs: dcs.connector, reporter: new LogReporter(new MemoryLogger()) },
    );
    expect(summary.fleets[0]?.matched).toBe(1);
  });

  it('before discovery, only the named configured instances decide the least age a payload may ask', async () => {
    const dcs = new FakeDcs();
    const config = {
      instances: [entry(A, { olderThan: '2d' }), entry(B, { olderThan: '30d' })],
      fleets: [{ region: 'cn-north-4', projectId: PROJECT, endpoint: ENDPOINT, tags: { none: 'x' } }],
    };
    const named = (olderThanMs: number) => ({
      narrowing: {
        instanceIds: [A.toUpperCase()],
        olderThanMs,
        olderThanMayShorten: false,
        fields: { instanceId: (n: number) => `instanceIds[${n}]`, olderThan: 'olderThan' },
      },
    });
    await expect(cleanup(dcs, config, named(3 * DAY))).resolves.toBeDefined();
    await expect(cleanup(new FakeDcs(), config, named(DAY))).rejects.toThrow(
      /shorter than the configured 2d/,
    );
  });
});

describe('fleet selection, record by record', () => {
  const record = (name: string, status = 'RUNNING', tags: [string, string][] = []) => ({
    instanceId: A,
    name,
    status,
    tags: new Map(tags),
  });

  it('two records are one instance only when status, name and every tag agree', () => {
    const a = record('redis', 'RUNNING', [
      ['team', 'x'],
      ['env', 'prod'],
    ]);
    expect(
      sameInstance(
        a,
        record('redis', 'RUNNING', [
          ['env', 'prod'],
          ['team', 'x'],
        ]),
      ),
    ).toBe(true);
    for (const other of [
      record('redis', 'FROZEN', [
        ['team', 'x'],
        ['env', 'prod'],
      ]),
      record('redis2', 'RUNNING', [
        ['team', 'x'],
        ['env', 'prod'],
      ]),
      record('redis', 'RUNNING', [['team', 'x']]),
      record('redis', 'RUNNING', [
        ['team', 'x'],
        ['env', 'dev'],
      ]),
      record('redis', 'RUNNING', [
        ['team', 'x'],
        ['tier', 'prod'],
      ]),
    ]) {
      expect(sameInstance(a, other)).toBe(false);
    }
  });

  it('the facts of an instance: status, name and its tags in key order', () => {
    const facts = instanceFacts(
      record('redis', 'RUNNING', [
        ['b', '2'],
        ['a', '1'],
        ['c', '3'],
      ]),
    );
    expect(facts).toEqual(['RUNNING', 'redis', 'a', '1', 'b', '2', 'c', '3']);
    expect(
      instanceFacts(
        record('r', 'S', [
          ['a', '1'],
          ['a', '1'],
        ]),
      ),
    ).toEqual(['S', 'r', 'a', '1']);
    expect(
      instanceFacts(
        record('r', 'S', [
          ['b', '1'],
          ['a', '2'],
        ]),
      ),
    ).toEqual(['S', 'r', 'a', '2', 'b', '1']);
    expect(instanceFacts(record('r', 'S'))).toEqual(['S', 'r']);
  });

  it('a glob: `*` and `?` across any character, a newline or an astral one included', () => {
    expect(globToRegExp('redis*').test('redis\nprod')).toBe(true);
    expect(globToRegExp('redis?').test('redis😀')).toBe(true);
    expect(globToRegExp('redis?').test('redis\n')).toBe(true);
    expect(globToRegExp('a.b').test('a.b')).toBe(true);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
  });

  it('any of a fleet’s name patterns selects', async () => {
    const dcs = new FakeDcs();
    dcs.instances.set(PROJECT, [
      instanceRecord(A, 'alpha'),
      instanceRecord(B, 'beta'),
      instanceRecord(instanceId(3), 'gamma'),
    ]);
    const { summary } = await cleanup(dcs, {
      dryRun: true,
      fleets: [
        { region: 'cn-north-4', projectId: PROJECT, endpoint: ENDPOINT, tags: {}, names: ['a*', 'b*'] },
      ],
    });
    expect(summary.instances.map((i) => i.instanceId)).toEqual([A, B]);
  });
});

describe('discovery at its edges', () => {
  const fleet = (extra: Record<string, unknown> = {}) => ({
    region: 'cn-north-4',
    projectId: PROJECT,
    endpoint: ENDPOINT,
    tags: {},
    ...extra,
  });

  it('an unreadable record of a listed instance keeps it from being cleaned; a repeat is one instance', async () => {
    const dcs = new FakeDcs();
    dcs.instances.set(PROJECT, [
      instanceRecord(A, 'a'),
      instanceRecord(B, 'b'),
      instanceRecord(B, 'b'),
      { instance_id: A.toUpperCase(), name: 5, status: 'RUNNING' },
    ]);
    const { summary } = await cleanup(dcs, {
      dryRun: true,
      fleets: [fleet(), fleet({ projectId: PROJECT.toUpperCase() })],
    });
    expect(summary.instances.map((i) => i.instanceId)).toEqual([B]);
    expect(summary.fleets.map((f) => [f.matched, f.ignored])).toEqual([
      [1, 1],
      [0, 1],
    ]);
    // Project ids in any case are one listing.
    expect(dcs.pagesRead.filter((page) => page.startsWith(PROJECT))).toEqual([`${PROJECT}@0`]);
  });

  it('instances no fleet selects do not count toward the selected-instance bound', async () => {
    const dcs = new FakeDcs();
    dcs.pageSize = 1000;
    dcs.instances.set(PROJECT, [
      ...Array.from({ length: MAX_SELECTED_INSTANCES + 1 }, (_, n) =>
        instanceRecord(instanceId(100_000 + n), `other-${n}`),
      ),
      instanceRecord(A, 'mine'),
    ]);
    const { summary } = await cleanup(dcs, { dryRun: true, fleets: [fleet({ names: ['mine'] })] });
    expect(summary.fleets[0]).toMatchObject({ matched: 1 });
    expect(summary.fleets[0]?.error).toBeUndefined();
  });

  it('a failed fleet blocks later fleets over its project at its endpoint only; failures are all named', async () => {
    const dcs = new FakeDcs();
    const other = 'https://dcs.cn-east-3.myhuaweicloud.com';
    dcs.instances.set(PROJECT, [instanceRecord(A, 'a')]);
    dcs.listingErrors.set(`${PROJECT} default`, { error: { httpStatus: 403, detail: 'denied' } });
    dcs.listingErrors.set(`${PROJECT} third`, { error: { httpStatus: 403, detail: 'denied' } });
    const { summary } = await cleanup(dcs, {
      dryRun: true,
      fleets: [
        fleet(),
        fleet({ endpoint: other, region: 'cn-east-3', account: 'second' }),
        fleet({ account: 'third' }),
      ],
    });
    expect(summary.fleets.map((f) => f.error?.message ?? 'ok')).toEqual(['denied', 'ok', 'denied']);
    await expect(
      cleanup(
        dcs,
        { dryRun: true, fleets: [fleet(), fleet({ account: 'third' })] },
        {
          narrowing: {
            instanceIds: [instanceId(77)],
            olderThanMayShorten: true,
            fields: { instanceId: (n) => `instanceIds[${n}]`, olderThan: 'olderThan' },
          },
        },
      ),
    ).rejects.toThrow(/\(fleets\[0\], fleets\[1\] could not be discovered\)/);
  });

  it('with every fleet discovered, an unknown id says nothing of failed fleets', async () => {
    const dcs = new FakeDcs();
    dcs.instances.set(PROJECT, [instanceRecord(A, 'a')]);
    const error = await cleanup(
      dcs,
      { dryRun: true, fleets: [fleet()] },
      {
        narrowing: {
          instanceIds: [instanceId(77)],
          olderThanMayShorten: true,
          fields: { instanceId: (n) => `instanceIds[${n}]`, olderThan: 'olderThan' },
        },
      },
    ).catch((caught) => caught as Error);
    expect(String(error)).toMatch(/is neither in "instances" nor discovered by a fleet/);
    expect(String(error)).not.toMatch(/could not be discovered/);
  });

  it('a listing that breaks in an unexpected way is a bug: the run throws it; over 20 ignored records are tallied', async () => {
    const broken = new FakeDcs();
    broken.instances.set(PROJECT, [instanceRecord(A, 'a')]);
    broken.crash = new Error('bug');
    await expect(cleanup(broken, { dryRun: true, fleets: [fleet()] })).rejects.toThrow('bug');
    await expect(cleanup(broken, { dryRun: true, instances: [entry(A)] })).rejects.toThrow('bug');
    const deleting = new FakeDcs();
    deleting.tasks.set(A, [record(1)]);
    deleting.deleteAnswer = () => {
      throw new Error('bug in delete');
    };
    await expect(cleanup(deleting, { instances: [entry(A)] })).rejects.toThrow('bug in delete');
    const dcs = new FakeDcs();
    dcs.instances.set(
      PROJECT,
      Array.from({ length: 25 }, (_, n) => ({ instance_id: `bad-${n}` })),
    );
    dcs.tasks.set(
      A,
      Array.from({ length: 25 }, (_, n) => ({ id: `../${n}` })),
    );
    const { logger } = await cleanup(dcs, { dryRun: true, instances: [entry(A)], fleets: [fleet()] });
    expect(
      logger.records
        .filter((r) => r.message.endsWith('records ignored'))
        .map((r) => [r.message, r.notLogged]),
    ).toEqual([
      ['instance records ignored', 5],
      ['task records ignored', 5],
    ]);
  });
});

describe('the run at its edges', () => {
  it('the time budget becomes the client’s deadline; a listing it stopped makes the run incomplete for it', async () => {
    const dcs = new FakeDcs();
    dcs.listingErrors.set(A, {
      error: { kind: 'not-sent', notSent: 'budget', detail: 'not sent: the time budget ran out' },
    });
    const clock = { now: () => 5_000, random: () => 0, sleep: async () => {} };
    const report = await run(
      parseConfig({ dryRun: false, instances: [entry(A)] }),
      { timeBudgetMs: 700 },
      {
        dcs: dcs.connector,
        reporter: new LogReporter(new MemoryLogger()),
        clock,
      },
    );
    expect(dcs.session?.deadline).toBe(5_700);
    expect(report.incompleteBecause).toBe('time budget');
    const open = new FakeDcs();
    await cleanup(open, { instances: [entry(A)] });
    expect(open.session?.deadline).toBeUndefined();
  });

  it('a stop signal names the run’s incompleteness; an unavailable endpoint with nothing left undone still does', async () => {
    const dcs = new FakeDcs();
    dcs.tasks.set(A, [record(1)]);
    dcs.deleteAnswer = () => ({ kind: 'not-sent', notSent: 'interrupted' });
    const controller = new AbortController();
    controller.abort('SIGTERM');
    const report = await run(
      parseConfig({ dryRun: false, instances: [entry(A)] }),
      {},
      {
        dcs: dcs.connector,
        reporter: new LogReporter(new MemoryLogger()),
        signal: controller.signal,
      },
    );
    expect(dcs.session?.stop?.aborted).toBe(true);
    expect(report.incompleteBecause).toBe('SIGTERM');
    const down = new FakeDcs();
    down.unavailable = [{ endpoint: ENDPOINT, lastError: 'x' }];
    const { incompleteBecause, summary } = await cleanup(down, { instances: [entry(A)] });
    expect(summary.complete).toBe(false);
    expect(incompleteBecause).toBe('endpoint unavailable');
  });

  it('an endpoint found down is reported with its own instances only', async () => {
    const dcs = new FakeDcs();
    const other = 'https://dcs.cn-east-3.myhuaweicloud.com';
    dcs.listingErrors.set(A, { error: { kind: 'not-sent', notSent: 'unavailable', detail: 'down' } });
    dcs.listingErrors.set(B, { error: { kind: 'not-sent', notSent: 'unavailable', detail: 'down' } });
    dcs.listingErrors.set(instanceId(3), { error: { httpStatus: 500, detail: 'busy' } });
    dcs.unavailable = [{ endpoint: ENDPOINT, lastError: 'x' }];
    const { logger } = await cleanup(dcs, {
      instances: [entry(A), entry(B, { endpoint: other, region: 'cn-east-3' }), entry(instanceId(3))],
    });
    expect(logger.records.filter((r) => r.message === 'endpoint unavailable')).toEqual([
      expect.objectContaining({ endpoint: ENDPOINT, deferred: 0, instancesNotListed: 1 }),
    ]);
  });
});

describe('an account whose credentials are gone', () => {
  it('is reported once with its own deferred tasks and unlisted instances; the run fails; identity stats kept', async () => {
    const dcs = new FakeDcs();
    const C = instanceId(3);
    dcs.tasks.set(A, [record(1), record(2), record(3)]);
    dcs.tasks.set(B, [record(4)]);
    dcs.tasks.set(C, [record(5), record(6)]);
    const gone = 'credentials unavailable: oidc: IAM STS answered HTTP 500';
    // prod's deletes on A find its credentials gone after the first; C (prod) is not listed; B (default) is fine.
    dcs.deleteAnswer = (target, taskId) =>
      target.account === 'prod' && taskId !== record(1).id
        ? { kind: 'not-sent', notSent: 'credentials', detail: gone }
        : 204;
    dcs.listingErrors.set(C, { error: { kind: 'not-sent', notSent: 'credentials', detail: gone } });
    dcs.accountsGone = [{ account: 'prod', source: 'oidc', error: gone }];
    dcs.identity = { requests: 4, refreshes: 3 };
    const { logger, summary, stats, incompleteBecause } = await cleanup(dcs, {
      instances: [entry(A, { account: 'prod' }), entry(B), entry(C, { account: 'prod' })],
      accounts: { prod: { source: 'ecs-agency' } },
    });
    expect(logger.records.filter((r) => r.message === 'credentials unavailable')).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        account: 'prod',
        source: 'oidc',
        error: gone,
        deferred: 2,
        instancesNotListed: 1,
      }),
    ]);
    expect(logger.records.filter((r) => r.message === 'tasks deferred')).toEqual([
      expect.objectContaining({ instanceId: A, count: 2, reason: 'credentials' }),
    ]);
    expect(
      summary.instances.map((i) => [i.instanceId, i.deleted, i.deferred, i.error?.message ?? null]),
    ).toEqual([
      [A, 1, 2, null],
      [B, 1, 0, null],
      [C, 0, 0, gone],
    ]);
    expect(summary).toMatchObject({ status: 'failed', ok: false, complete: false });
    expect(incompleteBecause).toBe('credentials unavailable');
    expect(stats).toMatchObject({ identityRequests: 4, credentialRefreshes: 3 });
  });

  it('alone, with nothing left undone, still makes the run incomplete and failed', async () => {
    const dcs = new FakeDcs();
    dcs.tasks.set(A, [record(1)]);
    dcs.accountsGone = [{ account: 'default', source: 'cce-pod-identity', error: 'x' }];
    const { summary, logger } = await cleanup(dcs, { instances: [entry(A)] });
    expect(summary).toMatchObject({ complete: false, status: 'failed' });
    expect(logger.records.find((r) => r.message === 'credentials unavailable')).toMatchObject({
      deferred: 0,
      instancesNotListed: 0,
    });
  });
});

describe('the run’s status', () => {
  const status = async (
    setup: (dcs: FakeDcs) => void,
    config: Record<string, unknown> = { instances: [entry(A), entry(B)] },
  ) => {
    const dcs = new FakeDcs();
    dcs.tasks.set(A, [record(1), record(2)]);
    dcs.tasks.set(B, [record(3)]);
    setup(dcs);
    return (await cleanup(dcs, config)).summary;
  };

  it('ok when complete and nothing failed, whatever the cap deferred', async () => {
    const summary = await status(() => {}, { instances: [entry(A, { maxDeletesPerInstance: 1 }), entry(B)] });
    expect(summary).toMatchObject({ status: 'ok', ok: true, totals: { deferred: 1 } });
  });

  it('partial when only the time budget left work: deletes not sent, or a listing not sent', async () => {
    expect(
      await status((dcs) => (dcs.deleteAnswer = () => ({ kind: 'not-sent', notSent: 'budget' }))),
    ).toMatchObject({
      status: 'partial',
      complete: false,
    });
    const listing = await status((dcs) =>
      dcs.listingErrors.set(B, {
        error: { kind: 'not-sent', notSent: 'budget', detail: 'not sent: the time budget ran out' },
      }),
    );
    expect(listing).toMatchObject({ status: 'partial', ok: false });
  });

  it('failed for a failed task, a listing error, a stop, an endpoint found down or a fleet not discovered', async () => {
    const failedTask = await status((dcs) => (dcs.deleteAnswer = (_, id) => (id === taskId(3) ? 500 : 204)));
    expect(failedTask).toMatchObject({ status: 'failed', complete: true });
    const budgetAndFailure = await status((dcs) => {
      dcs.deleteAnswer = (_, id) => (id === taskId(3) ? 500 : { kind: 'not-sent', notSent: 'budget' });
    });
    expect(budgetAndFailure.status).toBe('failed');
    expect((await status((dcs) => dcs.listingErrors.set(B, { error: { httpStatus: 500 } }))).status).toBe(
      'failed',
    );
    const stopped = await status(
      (dcs) => (dcs.deleteAnswer = () => ({ kind: 'not-sent', notSent: 'interrupted' })),
    );
    expect(stopped.status).toBe('failed');
    const budgetThenStop = await status((dcs) => {
      dcs.deleteAnswer = (_, id) => ({
        kind: 'not-sent',
        notSent: id === taskId(1) ? 'budget' : 'interrupted',
      });
    });
    expect(budgetThenStop.status).toBe('failed');
    const down = await status((dcs) => {
      dcs.deleteAnswer = () => ({ kind: 'not-sent', notSent: 'budget' });
      dcs.unavailable = [{ endpoint: ENDPOINT, lastError: 'x' }];
    });
    expect(down.status).toBe('failed');
    const fleet = await status(
      (dcs) => dcs.listingErrors.set(`${PROJECT} default`, { error: { httpStatus: 403 } }),
      {
        instances: [entry(A)],
        fleets: [{ region: 'cn-north-4', projectId: PROJECT, endpoint: ENDPOINT, tags: {} }],
      },
    );
    expect(fleet.status).toBe('failed');
    const listingStopped = await status((dcs) =>
      dcs.listingErrors.set(B, {
        error: { kind: 'not-sent', notSent: 'interrupted', detail: 'not sent: stop' },
      }),
    );
    expect(listingStopped.status).toBe('failed');
  });
});
