import { afterEach, describe, expect, it } from 'vitest';
import { DcsClient } from '../src/dcs/client.js';
import { DEFAULT_RETRY } from '../src/http/retry.js';
import type { DcsSimulator } from '../src/simulator/server.js';
import { systemClock } from '../src/time/clock.js';
import {
  accounts,
  configFor,
  instanceId,
  PROJECT,
  parseConfig,
  seed,
  startSimulator,
  tasks,
} from './helpers.js';

let simulator: DcsSimulator;
afterEach(async () => simulator?.stop());

function clientFor(pageSize: number) {
  return new DcsClient(
    accounts(),
    { limits: { concurrency: 4, requestsPerSecond: 1000, maxAttempts: 3 }, clock: systemClock },
    { retry: DEFAULT_RETRY, pageSize },
  );
}

async function listAll(pageSize: number) {
  const target = parseConfig(configFor(simulator.endpoint, [instanceId(1)])).targets[0];
  if (!target) throw new Error('no target');
  const client = clientFor(pageSize);
  const items = [];
  for await (const item of client.listTasks(target, { add: () => 'new' as const, addUnreadable: () => {} }))
    items.push(item);
  await client.close();
  const gets = simulator.requests.filter((r) => r.method === 'GET');
  return {
    ids: items.flatMap((item) => ('record' in item ? [item.record.id] : [])),
    ignored: items.flatMap((item) => ('ignored' in item ? [item.ignored] : [])),
    offsets: gets.map((r) => r.path),
    gets,
  };
}

describe('listTasks pagination', () => {
  it('an exact multiple of the page size ends on an empty page', async () => {
    simulator = await startSimulator();
    seed(simulator, instanceId(1), tasks(30, { ageDays: 1 }));
    const { ids, gets } = await listAll(10);
    expect(new Set(ids).size).toBe(30);
    expect(gets).toHaveLength(4);
  });

  it('a short page ends the listing', async () => {
    simulator = await startSimulator();
    seed(simulator, instanceId(1), tasks(25, { ageDays: 1 }));
    const { ids, gets } = await listAll(10);
    expect(ids).toHaveLength(25);
    expect(gets).toHaveLength(3);
  });

  it('an empty instance takes one request', async () => {
    simulator = await startSimulator();
    seed(simulator, instanceId(1), []);
    const { ids, gets } = await listAll(100);
    expect(ids).toEqual([]);
    expect(gets).toHaveLength(1);
  });

  it('pages through a huge instance with record offsets and an explicit limit', async () => {
    simulator = await startSimulator({ taskCountAsNumber: true });
    seed(simulator, instanceId(1), tasks(2_345, { ageDays: 1 }));
    const { ids, gets } = await listAll(100);
    expect(new Set(ids).size).toBe(2_345);
    expect(gets).toHaveLength(24);
  });

  it('sends the canonical query it signed: names sorted, explicit limit', async () => {
    simulator = await startSimulator();
    seed(simulator, instanceId(1), tasks(3, { ageDays: 1 }));
    await listAll(2);
    expect(simulator.requests.map((r) => `${r.path}?${r.query}`)).toEqual([
      `/v2/${PROJECT}/instances/${instanceId(1)}/tasks?limit=2&offset=0`,
      `/v2/${PROJECT}/instances/${instanceId(1)}/tasks?limit=2&offset=2`,
    ]);
  });

  it('keeps going when the server caps the page below the limit but task_count says there is more', async () => {
    simulator = await startSimulator({ maxPageSize: 7 });
    seed(simulator, instanceId(1), tasks(20, { ageDays: 1 }));
    const { ids } = await listAll(10);
    expect(new Set(ids).size).toBe(20);
  });

  it('tolerates unknown fields and reports tasks it cannot judge', async () => {
    simulator = await startSimulator();
    const list = tasks(3, { ageDays: 1 });
    const extra = list.map((t) => ({ ...t, brand_new_field: { nested: true } }));
    (extra[1] as Record<string, unknown>).created_at = 'yesterday';
    (extra[2] as Record<string, unknown>).status = undefined;
    seed(simulator, instanceId(1), extra as never);
    const { ids, ignored } = await listAll(100);
    expect(ids).toHaveLength(1);
    expect(ignored.map((i) => i.reason).sort()).toEqual([
      'the record has no readable created_at',
      'the record has no status',
    ]);
  });
});
