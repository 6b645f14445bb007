// docs/config.md, "Fleets": fleets discovered by project, tags and names; accounts; limits per endpoint.
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../src/engine/run.js';
import type { Narrowing } from '../src/model/run-request.js';
import { alertEvents, FAILED } from '../src/report/events.js';
import { invariantHolds } from '../src/report/summary.js';
import type { DcsSimulator, InstanceMeta } from '../src/simulator/server.js';
import { CREDENTIALS, fastDeps, instanceId, PROJECT, parseConfig, startSimulator, tasks } from './helpers.js';

const simulators: DcsSimulator[] = [];
afterEach(async () => {
  await Promise.all(simulators.splice(0).map((simulator) => simulator.stop()));
});

const OTHER_PROJECT = 'fedcba9876543210fedcba9876543210';
const EU = { ak: 'AKEUROPE000000000001', sk: 'eu-secret-key-0123456789abcdefghij' };

async function simulator(options: Parameters<typeof startSimulator>[0] = {}) {
  const started = await startSimulator({ credentials: [CREDENTIALS, EU], ...options });
  simulators.push(started);
  return started;
}

/** An instance with `stale` tasks 10 days old (stale under the 7d policy) and one young task. */
function addInstance(sim: DcsSimulator, n: number, meta: InstanceMeta, project = PROJECT, stale = 2) {
  sim.addInstance(
    project,
    instanceId(n),
    [...tasks(stale, { ageDays: 10, first: n * 100 }), ...tasks(1, { ageDays: 1, first: n * 100 + 50 })],
    meta,
  );
  return instanceId(n);
}

function config(endpoint: string, fleets: object[], instances: object[] = [], extra: object = {}) {
  return parseConfig({
    dryRun: false,
    defaults: { olderThan: '7d' },
    limits: { concurrency: 4, requestsPerSecond: 1000, maxAttempts: 2 },
    fleets: fleets.map((fleet) => ({
      region: 'cn-north-4',
      projectId: PROJECT,
      endpoint,
      tags: {},
      ...fleet,
    })),
    instances: instances.map((instance) => ({
      region: 'cn-north-4',
      projectId: PROJECT,
      endpoint,
      ...instance,
    })),
    ...extra,
  });
}

const cleaned = (summary: Awaited<ReturnType<typeof run>>['summary']) =>
  summary.instances.map((instance) => instance.instanceId).sort();

describe('discovery', () => {
  it('pages through ListInstances when the server caps the page below the limit asked', async () => {
    const sim = await simulator({ maxInstancePageSize: 50 });
    for (let n = 1; n <= 120; n++) addInstance(sim, n, {}, PROJECT, 1);
    const { summary } = await run(config(sim.endpoint, [{}]), { dryRun: true }, fastDeps());
    const listings = sim.requests.filter((request) => request.operation === 'list-instances');
    expect(listings.map((request) => request.query)).toEqual([
      'limit=1000&offset=0',
      'limit=1000&offset=50',
      'limit=1000&offset=100',
    ]);
    expect(summary.fleets).toEqual([
      {
        region: 'cn-north-4',
        projectId: PROJECT,
        account: 'default',
        matched: 120,
        notRunning: 0,
        ignored: 0,
      },
    ]);
    expect(summary.instances).toHaveLength(120);
    expect(summary.instances.every((instance) => instance.source === 'fleet')).toBe(true);
    expect(summary.totals).toMatchObject({ listed: 240, stale: 120, wouldDelete: 120 });
  });

  it('re-checks every selector itself: the server applies no filter, nothing outside the selection is touched', async () => {
    const sim = await simulator();
    const match = addInstance(sim, 1, { name: 'redis-prod-a', tags: { env: 'prod', team: 'pay' } });
    addInstance(sim, 2, { name: 'redis-prod-b', tags: { env: 'staging' } });
    addInstance(sim, 3, { name: 'redis-dev-c', tags: { env: 'prod' } });
    addInstance(sim, 4, { name: 'redis-prod-d', tags: { env: 'prod' }, status: 'FROZEN' });
    const excluded = addInstance(sim, 5, { name: 'redis-prod-e', tags: { env: 'prod' } });
    addInstance(sim, 6, { name: 'REDIS-PROD-F', tags: { env: 'prod' } });
    addInstance(sim, 7, { name: 'redis-prod-g', tags: { Env: 'prod' } });
    addInstance(sim, 8, { name: 'redis-prod-h' });
    const cache = addInstance(sim, 9, { name: 'cache-01', tags: { env: 'prod' } });
    addInstance(sim, 10, { name: 'cache-001', tags: { env: 'prod' } });
    addInstance(sim, 11, { name: 'xredis-prod-i', tags: { env: 'prod' } });
    addInstance(sim, 12, { name: 'cache-02', tags: { env: 'prod' }, status: 'RESTARTING' });
    const fleet = {
      tags: { env: 'prod' },
      names: ['redis-prod-*', 'cache-??'],
      excludeInstanceIds: [excluded.toUpperCase()],
    };
    const { summary } = await run(config(sim.endpoint, [fleet]), {}, fastDeps());
    expect(cleaned(summary)).toEqual([match, cache].sort());
    expect(summary.fleets[0]).toMatchObject({ matched: 2, notRunning: 2 });
    // Only the selected instances' tasks are listed or deleted.
    const touched = new Set(
      sim.requests.filter((r) => r.operation !== 'list-instances').map((r) => r.instanceId),
    );
    expect([...touched].sort()).toEqual([match, cache].sort());
    // The client passes no filter: the selection is entirely its own.
    expect(sim.requests.filter((r) => r.operation === 'list-instances').map((r) => r.query)).toEqual([
      'limit=1000&offset=0',
    ]);
  });

  it('tags {} selects every RUNNING instance of the project; the others count as not running', async () => {
    const sim = await simulator();
    const ids = [1, 2, 3].map((n) => addInstance(sim, n, { tags: n === 2 ? { any: 'thing' } : {} }));
    addInstance(sim, 4, { status: 'CREATING' });
    addInstance(sim, 5, { status: 'ERROR' });
    const { summary } = await run(config(sim.endpoint, [{ tags: {} }]), {}, fastDeps());
    expect(cleaned(summary)).toEqual(ids.sort());
    expect(summary.fleets[0]).toMatchObject({ matched: 3, notRunning: 2 });
    expect(summary.totals).toMatchObject({ stale: 6, deleted: 6 });
  });

  it('instance records without a UUID are ignored, logged once each, and never reach a request path', async () => {
    const sim = await simulator();
    const good = addInstance(sim, 1, {});
    sim.addRawInstances(PROJECT, [
      { instance_id: '../../v2/other', name: 'x', status: 'RUNNING' },
      { instance_id: 12, name: 'x', status: 'RUNNING' },
      { name: 'no-id', status: 'RUNNING' },
      { instance_id: 'e2a3b1c0-1111-4222-8333-94445555666', name: 'short', status: 'RUNNING' },
      'not an object',
    ]);
    const deps = fastDeps();
    const { summary } = await run(config(sim.endpoint, [{}]), {}, deps);
    expect(cleaned(summary)).toEqual([good]);
    expect(summary.fleets[0]).toMatchObject({ matched: 1, ignored: 5 });
    expect(summary.ok).toBe(true);
    const warnings = deps.logger.records.filter((record) => record.message === 'instance record ignored');
    expect(warnings.map((record) => record.instanceId)).toEqual([
      '"../../v2/other"',
      '12',
      null,
      '"e2a3b1c0-1111-4222-8333-94445555666"',
      null,
    ]);
    for (const request of sim.requests) expect(request.path).not.toMatch(/\.\.|other|12\//);
  });
});

describe('precedence', () => {
  it('an `instances` entry wins over a fleet that matches it; it is cleaned once, with its own policy', async () => {
    const sim = await simulator();
    const pinned = addInstance(sim, 1, {});
    const other = addInstance(sim, 2, {});
    const { summary } = await run(
      config(sim.endpoint, [{}], [{ instanceId: pinned, olderThan: '60d' }]),
      {},
      fastDeps(),
    );
    expect(summary.instances.map((instance) => [instance.instanceId, instance.source])).toEqual([
      [pinned, 'config'],
      [other, 'fleet'],
    ]);
    // 10-day-old tasks are not stale under the entry's 60d.
    expect(summary.instances[0]).toMatchObject({ stale: 0, deleted: 0 });
    expect(summary.instances[1]).toMatchObject({ stale: 2, deleted: 2 });
    expect(summary.fleets[0]).toMatchObject({ matched: 1 });
    expect(sim.requests.filter((r) => r.operation === 'list-tasks' && r.instanceId === pinned)).toHaveLength(
      1,
    );
  });

  it('an instance matched by several fleets is cleaned once, with the first fleet’s policy', async () => {
    const sim = await simulator();
    const both = addInstance(sim, 1, { name: 'redis-prod-a', tags: { env: 'prod' } }, PROJECT, 5);
    const second = addInstance(sim, 2, { name: 'redis-dev-b', tags: { env: 'prod' } }, PROJECT, 5);
    const fleets = [
      { names: ['redis-prod-*'], keepLatest: 4 },
      { tags: { env: 'prod' }, keepLatest: 0 },
    ];
    const { summary } = await run(config(sim.endpoint, fleets), {}, fastDeps());
    expect(summary.instances.map((instance) => instance.instanceId)).toEqual([both, second]);
    // keepLatest 4 of the first fleet protects 4 of the 6 terminal tasks (the young one among them).
    expect(summary.instances[0]).toMatchObject({ stale: 2, deleted: 2 });
    expect(summary.instances[1]).toMatchObject({ stale: 5, deleted: 5 });
    expect(summary.fleets.map((fleet) => fleet.matched)).toEqual([1, 1]);
    // One listing serves both fleets of the same project.
    expect(sim.requests.filter((r) => r.operation === 'list-instances')).toHaveLength(1);
  });
});

describe('failures', () => {
  it('a discovered instance whose tasks answer 404 vanished: not an error, the run stays complete and ok', async () => {
    const sim = await simulator();
    const gone = addInstance(sim, 1, {});
    const kept = addInstance(sim, 2, {});
    sim.vanish(PROJECT, gone);
    const { summary } = await run(config(sim.endpoint, [{}]), {}, fastDeps());
    expect(summary.instances[0]).toMatchObject({ instanceId: gone, vanished: true, listed: 0, stale: 0 });
    expect(summary.instances[0]?.error).toBeUndefined();
    expect(summary.instances[1]).toMatchObject({ instanceId: kept, deleted: 2 });
    expect(summary).toMatchObject({ complete: true, ok: true });
    expect(alertEvents(summary).map((event) => event.detailType)).not.toContain(FAILED);
  });

  it('a fleet whose discovery fails gets an error; every other fleet and instance still runs', async () => {
    const sim = await simulator();
    const staticId = addInstance(sim, 1, {});
    const fleetId = addInstance(sim, 2, {}, OTHER_PROJECT);
    sim.inject({
      operation: 'list-instances',
      projectId: PROJECT,
      fault: { type: 'status', status: 500, errorCode: 'DCS.5000' },
    });
    const cfg = config(sim.endpoint, [{}, { projectId: OTHER_PROJECT }], [{ instanceId: staticId }]);
    const { summary } = await run(cfg, {}, fastDeps());
    expect(summary.fleets[0]).toMatchObject({
      matched: 0,
      error: { httpStatus: 500, errorCode: 'DCS.5000' },
    });
    expect(summary.fleets[1]).toMatchObject({ matched: 1 });
    expect(summary.instances.map((instance) => [instance.instanceId, instance.deleted])).toEqual([
      [staticId, 2],
      [fleetId, 2],
    ]);
    expect(summary).toMatchObject({ complete: false, ok: false });
    // Retried like any listing, up to maxAttempts.
    expect(
      sim.requests.filter((r) => r.operation === 'list-instances' && r.projectId === PROJECT),
    ).toHaveLength(2);
    const failed = alertEvents(summary).find((event) => event.detailType === FAILED);
    expect(failed?.detail.fleets).toEqual([
      expect.objectContaining({ projectId: PROJECT, error: expect.anything() }),
    ]);
  });

  it('an instance listing over 8 MiB is a fleet error, not retried', async () => {
    const sim = await simulator();
    addInstance(sim, 1, {});
    sim.inject({ operation: 'list-instances', fault: { type: 'huge-body', bytes: 256 * 1024 * 1024 } });
    const { summary } = await run(config(sim.endpoint, [{}]), {}, fastDeps());
    expect(summary.fleets[0]?.error).toEqual({
      httpStatus: 200,
      errorCode: null,
      message: 'response body larger than 8 MiB',
    });
    expect(sim.requests).toHaveLength(1);
    expect(summary).toMatchObject({ complete: false, ok: false, instances: [] });
  });

  it('a later fleet over the project of a failed one is not cleaned: who owns its instances is unknown', async () => {
    const sim = await simulator();
    addInstance(sim, 1, {});
    sim.assignProject(PROJECT, EU.ak);
    const fleets = [{ tags: {} }, { tags: {}, account: 'eu' }];
    const { summary } = await run(
      config(sim.endpoint, fleets),
      {},
      fastDeps(undefined, { default: CREDENTIALS, eu: EU }),
    );
    expect(summary.fleets[0]?.error).toMatchObject({ httpStatus: 403, errorCode: 'APIGW.0302' });
    expect(summary.fleets[1]?.error?.message).toMatch(
      /fleets\[0\] over the same project could not be discovered/,
    );
    expect(summary.instances).toEqual([]);
    expect(sim.requests.filter((r) => r.operation !== 'list-instances')).toEqual([]);
  });
});

describe('accounts', () => {
  it('each entry is signed with its own account: no request reaches a project with another account’s key', async () => {
    const sim = await simulator();
    sim.assignProject(PROJECT, CREDENTIALS.ak);
    sim.assignProject(OTHER_PROJECT, EU.ak);
    addInstance(sim, 1, {});
    addInstance(sim, 2, {}, OTHER_PROJECT);
    const euStatic = addInstance(sim, 3, {}, OTHER_PROJECT);
    const cfg = config(
      sim.endpoint,
      [{}, { projectId: OTHER_PROJECT, account: 'eu' }],
      [{ instanceId: euStatic, projectId: OTHER_PROJECT, account: 'eu' }],
    );
    const { summary } = await run(cfg, {}, fastDeps(undefined, { default: CREDENTIALS, eu: EU }));
    expect(summary.ok).toBe(true);
    expect(summary.totals.deleted).toBe(6);
    expect(summary.instances.map((instance) => instance.account)).toEqual(['eu', 'default', 'eu']);
    for (const request of sim.requests) {
      expect(request.ak).toBe(request.projectId === PROJECT ? CREDENTIALS.ak : EU.ak);
    }
    expect(sim.countByStatus()[403]).toBeUndefined();
  });

  it('the 401 circuit breaker counts per account: a locked-out account stops, the others go on', async () => {
    const sim = await simulator();
    const bad = [1, 2, 3, 4, 5].map((n) => addInstance(sim, n, {}));
    const good = [6, 7].map((n) => addInstance(sim, n, {}, OTHER_PROJECT));
    const cfg = config(
      sim.endpoint,
      [],
      [
        ...bad.map((id) => ({ instanceId: id, account: 'eu' })),
        ...good.map((id) => ({ instanceId: id, projectId: OTHER_PROJECT })),
      ],
      { limits: { concurrency: 1, requestsPerSecond: 1000, maxAttempts: 2 } },
    );
    const wrong = { ak: EU.ak, sk: 'not-the-eu-secret' };
    const { summary, stats } = await run(cfg, {}, fastDeps(undefined, { default: CREDENTIALS, eu: wrong }));
    expect(sim.requests.filter((request) => request.status === 401)).toHaveLength(3);
    expect(stats.authFailures).toBe(3);
    expect(summary.instances.slice(0, 5).every((instance) => instance.error !== undefined)).toBe(true);
    expect(summary.instances[4]?.error?.message).toMatch(
      /stopped sending for account "eu" after 3 authentication failures/,
    );
    expect(summary.instances.slice(5).map((instance) => instance.deleted)).toEqual([2, 2]);
    expect(invariantHolds(summary.totals)).toBe(true);
  });
});

describe('endpoints', () => {
  it('each endpoint has its own pacer: two regions at their own limit go side by side, without 429s', async () => {
    const limit = { requestsPerSecond: 25, burst: 2 };
    const north = await simulator({ rateLimit: limit });
    const east = await simulator({ rateLimit: limit });
    addInstance(north, 1, {}, PROJECT, 30);
    addInstance(east, 2, {}, OTHER_PROJECT, 30);
    const cfg = parseConfig({
      dryRun: false,
      defaults: { olderThan: '7d' },
      limits: { concurrency: 4, requestsPerSecond: 25, maxAttempts: 3 },
      fleets: [{ region: 'cn-north-4', projectId: PROJECT, endpoint: north.endpoint, tags: {} }],
      instances: [
        { region: 'cn-east-3', projectId: OTHER_PROJECT, instanceId: instanceId(2), endpoint: east.endpoint },
      ],
    });
    const { summary } = await run(cfg, {}, fastDeps());
    expect(summary.totals.deleted).toBe(60);
    for (const sim of [north, east]) {
      expect(sim.countByStatus()[429]).toBeUndefined();
      // Each region is paced at its own 25/s, not at a share of one run-wide rate.
      const times = sim.requests.map((request) => request.receivedAt);
      const rate = ((times.length - 1) * 1000) / ((times.at(-1) ?? 0) - (times[0] ?? 0));
      expect(rate).toBeGreaterThan(17);
    }
  });
});

describe('manual narrowing', () => {
  const narrowing = (instanceIds: string[]): Narrowing => ({
    instanceIds,
    olderThanMayShorten: true,
    fields: { instanceId: () => '--instance', olderThan: '--older-than' },
  });

  it('may name a discovered instance: only it is listed and cleaned', async () => {
    const sim = await simulator();
    addInstance(sim, 1, {});
    const wanted = addInstance(sim, 2, {});
    const { summary } = await run(
      config(sim.endpoint, [{}]),
      { narrowing: narrowing([wanted.toUpperCase()]) },
      fastDeps(),
    );
    expect(cleaned(summary)).toEqual([wanted]);
    expect(
      new Set(sim.requests.filter((r) => r.operation !== 'list-instances').map((r) => r.instanceId)),
    ).toEqual(new Set([wanted]));
  });

  it('an id neither configured nor discovered is rejected after discovery, before any task is listed', async () => {
    const sim = await simulator();
    addInstance(sim, 1, {});
    await expect(
      run(config(sim.endpoint, [{}]), { narrowing: narrowing([instanceId(99)]) }, fastDeps()),
    ).rejects.toThrow(
      /--instance: "e2a3b1c0-1111-4222-8333-000000000099" is neither in "instances" nor discovered by a fleet/,
    );
    expect(sim.requests.map((request) => request.operation)).toEqual(['list-instances']);
  });
});
