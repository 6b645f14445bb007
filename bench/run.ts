// `npm run bench [throughput|memory|coldstart]`: the figures the issues ask for, as ratios to their limits.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../src/config/schema.js';
import { DcsClient } from '../src/dcs/client.js';
import { systemClock } from '../src/http/clock.js';
import { DEFAULT_RETRY } from '../src/http/retry.js';
import { selectStale, type TaskRecord } from '../src/policy/select.js';
import type { SimulatorOptions } from '../src/simulator/server.js';
import { measureColdStart } from './coldstart.js';
import { CREDENTIALS, fleetConfig, runCli, startFleet, writeConfig } from './fleet.js';

const LATENCY_MS = 25;
const RATE_LIMIT = 100;
const CONCURRENCY = 8;
const THROUGHPUT_FLEET = { instances: 10, tasksPerInstance: 200, staleShare: 0.75 };

const results: Record<string, unknown> = {};
const round = (n: number, digits = 2) => Number(n.toFixed(digits));

/**
 * One `dcs-task-cleanup run` (its own process) on the throughput fleet; `floorMs` gives the physical
 * limit for the successful requests it made.
 */
async function cleanupRun(
  options: SimulatorOptions,
  requestsPerSecond: number,
  floorMs: (requests: number) => number,
) {
  const { simulator, ids, stale } = await startFleet(THROUGHPUT_FLEET, { latencyMs: LATENCY_MS, ...options });
  try {
    const limits = { concurrency: CONCURRENCY, requestsPerSecond, maxAttempts: 5 };
    const run = await runCli(writeConfig(fleetConfig(simulator.endpoint, ids, limits)));
    const requests = simulator.requests.length;
    const throttled = simulator.countByStatus()[429] ?? 0;
    const floor = floorMs(requests - throttled);
    return {
      stale,
      deleted: run.summary.totals.deleted,
      ok: run.summary.ok,
      requests,
      throttled,
      throttledShare: round(throttled / requests, 4),
      wallMs: Math.round(run.wallMs),
      floorMs: Math.round(floor),
      ratioToFloor: round(run.wallMs / floor),
    };
  } finally {
    await simulator.stop();
  }
}

/** What Huawei's sample code does: list an instance, then delete its stale tasks one at a time. */
async function sequentialBaseline() {
  const { simulator, ids } = await startFleet(THROUGHPUT_FLEET, { latencyMs: LATENCY_MS });
  const config = parseConfig(fleetConfig(simulator.endpoint, ids));
  const client = new DcsClient({
    accounts: new Map([['default', CREDENTIALS]]),
    limits: { concurrency: 1, requestsPerSecond: 1_000_000 },
    retry: { ...DEFAULT_RETRY, maxAttempts: 1 },
    clock: systemClock,
  });
  const startedAt = performance.now();
  let deleted = 0;
  try {
    for (const target of config.targets) {
      const tasks: TaskRecord[] = [];
      for await (const page of client.listTasks(target)) tasks.push(...page.tasks);
      for (const task of selectStale(tasks, target.policy, Date.now()).toDelete) {
        await client.deleteTask(target, task.id);
        deleted++;
      }
    }
  } finally {
    await client.close();
    await simulator.stop();
  }
  return { deleted, requests: simulator.requests.length, wallMs: Math.round(performance.now() - startedAt) };
}

async function memory() {
  const { simulator, ids } = await startFleet({ instances: 1, tasksPerInstance: 100_000, staleShare: 0 }, {});
  try {
    const limits = { concurrency: CONCURRENCY, requestsPerSecond: 1000, maxAttempts: 5 };
    const run = await runCli(writeConfig(fleetConfig(simulator.endpoint, ids, limits)));
    return {
      listed: run.summary.totals.listed,
      stale: run.summary.totals.stale,
      requests: simulator.requests.length,
      wallMs: Math.round(run.wallMs),
      peakRssMb: round(run.maxRssMb, 1),
      budgetMb: 150,
    };
  } finally {
    await simulator.stop();
  }
}

const only = process.argv[2];
const verdict: Record<string, boolean> = {};
if (!only || only === 'throughput') {
  const rateLimited = await cleanupRun(
    { rateLimit: { requestsPerSecond: RATE_LIMIT } },
    RATE_LIMIT,
    (requests) => (requests / RATE_LIMIT) * 1000,
  );
  const unlimited = await cleanupRun({}, 1000, (requests) => (requests * LATENCY_MS) / CONCURRENCY);
  const sequential = await sequentialBaseline();
  const speedup = round(sequential.wallMs / unlimited.wallMs);
  Object.assign(results, { rateLimited, unlimited, sequential, speedupOverSequential: speedup });
  verdict['wall ≤ 1.25 × T_min (rate limited)'] = rateLimited.ratioToFloor <= 1.25;
  verdict['429s ≤ 1% of requests'] = rateLimited.throttledShare <= 0.01;
  verdict['speed-up over sequential ≥ 5×'] = speedup >= 5;
}
if (!only || only === 'memory') {
  results.memory = await memory();
  verdict['peak RSS ≤ 150 MB (100,000 tasks)'] = (results.memory as { peakRssMb: number }).peakRssMb <= 150;
}
if (!only || only === 'coldstart') {
  const coldStart = measureColdStart();
  results.coldStart = coldStart;
  verdict['bundle ≤ 700 KB'] = coldStart.bundleKb <= 700;
  verdict['module initialisation ≤ 60 ms above bare node'] = coldStart.initOverheadMs <= 60;
}
results.verdict = verdict;
results.machine = { node: process.version, date: new Date().toISOString() };

const out = join(import.meta.dirname, '..', 'bench', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));
process.exitCode = Object.values(verdict).every(Boolean) ? 0 : 1;
