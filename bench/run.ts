// `npm run bench`: throughput against a rate limit, the sequential baseline, and memory on a huge listing.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../src/config/schema.js';
import { parseConfig } from '../src/config/schema.js';
import { AuthGuard } from '../src/dcs/auth-guard.js';
import { DcsClient } from '../src/dcs/client.js';
import { systemClock } from '../src/http/clock.js';
import { Pacer } from '../src/http/pacer.js';
import { DEFAULT_RETRY } from '../src/http/retry.js';
import { selectStale, type TaskRecord } from '../src/policy/select.js';
import { measureColdStart } from './coldstart.js';
import { CREDENTIALS, runCli, startFleet, writeConfig } from './fleet.js';

const LATENCY_MS = 25;
const RATE_LIMIT = 100;
const CONCURRENCY = 8;
const THROUGHPUT_FLEET = { instances: 10, tasksPerInstance: 200, staleShare: 0.75 };

const results: Record<string, unknown> = {};
const round = (n: number, digits = 2) => Number(n.toFixed(digits));

async function rateLimited() {
  const { simulator, ids, stale } = await startFleet(THROUGHPUT_FLEET, {
    latencyMs: LATENCY_MS,
    rateLimit: { requestsPerSecond: RATE_LIMIT },
  });
  try {
    const config = writeConfig(simulator.endpoint, ids, {
      concurrency: CONCURRENCY,
      requestsPerSecond: RATE_LIMIT,
      maxAttempts: 5,
    });
    const run = await runCli(config);
    const requests = simulator.requests.length;
    const throttled = simulator.countByStatus()[429] ?? 0;
    const floorMs = ((requests - throttled) / RATE_LIMIT) * 1000;
    results.rateLimited = {
      stale,
      deleted: run.summary.totals.deleted,
      ok: run.summary.ok,
      requests,
      throttled,
      throttledShare: round(throttled / requests, 4),
      wallMs: Math.round(run.wallMs),
      floorMs: Math.round(floorMs),
      ratioToFloor: round(run.wallMs / floorMs),
    };
  } finally {
    await simulator.stop();
  }
}

async function unlimited() {
  const { simulator, ids, stale } = await startFleet(THROUGHPUT_FLEET, { latencyMs: LATENCY_MS });
  try {
    const config = writeConfig(simulator.endpoint, ids, {
      concurrency: CONCURRENCY,
      requestsPerSecond: 1000,
      maxAttempts: 5,
    });
    const run = await runCli(config);
    const requests = simulator.requests.length;
    const floorMs = (requests * LATENCY_MS) / CONCURRENCY;
    results.unlimited = {
      stale,
      deleted: run.summary.totals.deleted,
      requests,
      wallMs: Math.round(run.wallMs),
      floorMs: Math.round(floorMs),
      ratioToFloor: round(run.wallMs / floorMs),
    };
  } finally {
    await simulator.stop();
  }
}

/** What Huawei's sample code does: list an instance, then delete its stale tasks one at a time. */
async function sequentialBaseline() {
  const { simulator, ids } = await startFleet(THROUGHPUT_FLEET, { latencyMs: LATENCY_MS });
  const config: Config = parseConfig(
    JSON.parse(
      JSON.stringify({
        dryRun: false,
        defaults: { olderThan: '7d', maxDeletesPerInstance: 100_000 },
        instances: ids.map((instanceId) => ({
          region: 'cn-north-4',
          projectId: '0123456789abcdef0123456789abcdef',
          instanceId,
          endpoint: simulator.endpoint,
        })),
      }),
    ),
  );
  const client = new DcsClient({
    credentials: CREDENTIALS,
    pacer: new Pacer({ concurrency: 1, requestsPerSecond: 1_000_000 }, systemClock),
    retry: { ...DEFAULT_RETRY, maxAttempts: 1 },
    clock: systemClock,
    authGuard: new AuthGuard(),
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
  results.sequential = {
    deleted,
    requests: simulator.requests.length,
    wallMs: Math.round(performance.now() - startedAt),
  };
}

async function memory() {
  const { simulator, ids } = await startFleet({ instances: 1, tasksPerInstance: 100_000, staleShare: 0 }, {});
  try {
    const config = writeConfig(simulator.endpoint, ids, {
      concurrency: CONCURRENCY,
      requestsPerSecond: 1000,
      maxAttempts: 5,
    });
    const run = await runCli(config);
    results.memory = {
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
if (!only || only === 'throughput') {
  await rateLimited();
  await unlimited();
  await sequentialBaseline();
}
if (!only || only === 'memory') await memory();
if (!only || only === 'coldstart') results.coldStart = measureColdStart();

type Figures = Record<string, number>;
const figure = (group: string, key: string) => (results[group] as Figures | undefined)?.[key];
const verdict: Record<string, boolean> = {};
const check = (name: string, value: number | undefined, pass: (value: number) => boolean) => {
  if (value !== undefined) verdict[name] = pass(value);
};
const sequentialMs = figure('sequential', 'wallMs');
const unlimitedMs = figure('unlimited', 'wallMs');
const speedup = sequentialMs && unlimitedMs ? round(sequentialMs / unlimitedMs) : undefined;
results.speedupOverSequential = speedup;
check('wall ≤ 1.25 × T_min (rate limited)', figure('rateLimited', 'ratioToFloor'), (v) => v <= 1.25);
check('429s ≤ 1% of requests', figure('rateLimited', 'throttledShare'), (v) => v <= 0.01);
check('speed-up over sequential ≥ 5×', speedup, (v) => v >= 5);
check('peak RSS ≤ 150 MB (100,000 tasks)', figure('memory', 'peakRssMb'), (v) => v <= 150);
check('bundle ≤ 700 KB', figure('coldStart', 'bundleKb'), (v) => v <= 700);
check('module initialisation ≤ 60 ms above bare node', figure('coldStart', 'initOverheadMs'), (v) => v <= 60);
results.verdict = verdict;
results.machine = { node: process.version, date: new Date().toISOString() };

const out = join(import.meta.dirname, '..', 'bench', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));
process.exitCode = Object.values(verdict).every(Boolean) ? 0 : 1;
