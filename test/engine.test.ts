import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../src/engine/run.js';
import { invariantHolds } from '../src/report/summary.js';
import type { DcsSimulator } from '../src/simulator/server.js';
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

describe('run', () => {
  it('deletes exactly the stale tasks and reports each', async () => {
    simulator = await startSimulator();
    const id = instanceId(1);
    seed(simulator, id, [
      ...tasks(5, { ageDays: 10, first: 0 }),
      ...tasks(3, { ageDays: 1, first: 100 }),
      ...tasks(2, { ageDays: 10, status: 'EXECUTING', first: 200 }),
    ]);
    const deps = fastDeps();
    const { summary } = await run(parseConfig(configFor(simulator.endpoint, [id])), {}, deps);
    expect(summary.totals).toMatchObject({ listed: 10, stale: 5, deleted: 5, failed: 0 });
    expect(summary.ok).toBe(true);
    expect(
      simulator
        .tasks(PROJECT, id)
        .map((t) => t.id)
        .sort(),
    ).toEqual([...[100, 101, 102, 200, 201].map(taskId)].sort());
    expect(deps.logger.taskRecords()).toHaveLength(5);
    expect(invariantHolds(summary.totals)).toBe(true);
  });

  it('500 then success', async () => {
    simulator = await startSimulator();
    const id = instanceId(1);
    seed(simulator, id, tasks(2, { ageDays: 10 }));
    simulator.inject({
      method: 'DELETE',
      taskId: taskId(0),
      times: 1,
      fault: { type: 'status', status: 500 },
    });
    const deps = fastDeps();
    const { summary, stats } = await run(parseConfig(configFor(simulator.endpoint, [id])), {}, deps);
    expect(summary.totals.deleted).toBe(2);
    expect(stats.retries).toBe(1);
    const record = deps.logger.taskRecords().find((r) => r.taskId === taskId(0));
    expect(record).toMatchObject({ outcome: 'deleted', attempts: 2 });
  });
});
