// `npm run bench [throughput|memory|coldstart|hostile|regions|discovery|backlog|deadend|oversized|hang|silent|seen|keyless]`: the figures the issues ask for,
// as ratios to their limits.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../src/config/resolve.js';
import { DcsClient } from '../src/dcs/client.js';
import { StreamSelector } from '../src/policy/stream.js';
import { seededRandom } from '../src/simulator/random.js';
import { DcsSimulator, type Fault, type SimulatorOptions } from '../src/simulator/server.js';
import { uuid } from '../src/simulator/task-records.js';
import { systemClock } from '../src/time/clock.js';
import { hangingDeletes, lambdaOversizedPages, oversizedPages, silentNetwork } from './broken-server.js';
import { measureColdStart } from './coldstart.js';
import {
  CREDENTIALS,
  fleetConfig,
  PROJECT,
  runCli,
  runWithDeleteFault,
  startFleet,
  writeConfig,
} from './fleet.js';
import { keylessAgainstKeyed } from './keyless.js';
import { seenTableMemory } from './seen-memory.js';

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
  const client = new DcsClient(new Map([['default', CREDENTIALS]]), {
    limits: { concurrency: 1, requestsPerSecond: 1_000_000, maxAttempts: 1 },
    clock: systemClock,
  });
  const startedAt = performance.now();
  let deleted = 0;
  try {
    for (const target of config.targets) {
      const selector = new StreamSelector(target.policy, Date.now());
      for await (const _ of client.listTasks(target, selector));
      for (const task of selector.finish().toDelete) {
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

/**
 * Peak RSS of a CLI run whose listing streams 1 GiB, of one whose page stays under the byte cap but holds
 * 2.8 million empty records, and of a run of the same fleet without either.
 */
async function hostile() {
  const MiB = 1024 * 1024;
  const measure = async (fault?: Fault) => {
    const { simulator, ids } = await startFleet({ instances: 1, tasksPerInstance: 100, staleShare: 0 }, {});
    if (fault) simulator.inject({ method: 'GET', fault });
    try {
      const run = await runCli(writeConfig(fleetConfig(simulator.endpoint, ids)));
      return {
        peakRssMb: round(run.maxRssMb, 1),
        bytesServedMb: round((simulator.requests[0]?.bytesSent ?? 0) / MiB, 1),
        error: run.summary.instances[0]?.error?.message ?? null,
      };
    } finally {
      await simulator.stop();
    }
  };
  return {
    streamed1GiB: await measure({ type: 'huge-body', bytes: 1024 * MiB }),
    tinyRecordsUnderCap: await measure({ type: 'huge-body', bytes: 8 * MiB - 1024, filler: '{},' }),
    normalListing: await measure(),
    budgetMb: 200,
  };
}

/**
 * Two regions, each its own gateway limited to REGION_RATE requests/s, with equal work: the run should take
 * about as long as the busiest region's floor (its successful requests / its rate), not the sum.
 */
async function regions() {
  const REGION_RATE = 50;
  const spec = { instances: 5, tasksPerInstance: 100, staleShare: 0.75 };
  const options = { latencyMs: LATENCY_MS, rateLimit: { requestsPerSecond: REGION_RATE } };
  const [north, east] = await Promise.all([startFleet(spec, options), startFleet(spec, options, 43)]);
  try {
    const entries = (fleet: typeof north, region: string) =>
      fleetConfig(fleet.simulator.endpoint, fleet.ids).instances.map((instance) => ({ ...instance, region }));
    const config = {
      ...fleetConfig('', []),
      limits: { concurrency: CONCURRENCY, requestsPerSecond: REGION_RATE, maxAttempts: 5 },
      instances: [...entries(north, 'cn-north-4'), ...entries(east, 'cn-east-3')],
    };
    const run = await runCli(writeConfig(config));
    const perRegion = [north, east].map(({ simulator }) => {
      const throttled = simulator.countByStatus()[429] ?? 0;
      return {
        requests: simulator.requests.length,
        throttled,
        floorMs: ((simulator.requests.length - throttled) / REGION_RATE) * 1000,
      };
    });
    const busiestFloorMs = Math.max(...perRegion.map((region) => region.floorMs));
    return {
      regionRate: REGION_RATE,
      deleted: run.summary.totals.deleted,
      ok: run.summary.ok,
      perRegion: perRegion.map((region) => ({ ...region, floorMs: Math.round(region.floorMs) })),
      wallMs: Math.round(run.wallMs),
      busiestRegionFloorMs: Math.round(busiestFloorMs),
      ratioToBusiestFloor: round(run.wallMs / busiestFloorMs),
      sumOfFloorsMs: Math.round(perRegion.reduce((sum, region) => sum + region.floorMs, 0)),
    };
  } finally {
    await Promise.all([north.simulator.stop(), east.simulator.stop()]);
  }
}

/** Discovery of 5,000 instances in one project, the server capping pages at 50; one instance is then cleaned. */
async function discovery() {
  const INSTANCES = 5_000;
  const PAGE_CAP = 50;
  const simulator = await DcsSimulator.start({
    credentials: [CREDENTIALS],
    latencyMs: LATENCY_MS,
    maxInstancePageSize: PAGE_CAP,
  });
  const random = seededRandom(5);
  const ids = Array.from({ length: INSTANCES }, () => uuid(random));
  ids.forEach((id, n) => {
    simulator.addInstance(PROJECT, id, [], { name: `redis-${n}`, tags: { env: 'prod' } });
  });
  try {
    const config = {
      ...fleetConfig('', []),
      limits: { concurrency: CONCURRENCY, requestsPerSecond: 1000, maxAttempts: 5 },
      instances: [],
      fleets: [
        { region: 'cn-north-4', projectId: PROJECT, endpoint: simulator.endpoint, tags: { env: 'prod' } },
      ],
    };
    const run = await runCli(writeConfig(config), ['--instance', ids[INSTANCES - 1] as string, '--dry-run']);
    const listings = simulator.requests.filter((request) => request.operation === 'list-instances');
    // Pages are fetched one after another: their latencies add up.
    const floorMs = listings.length * LATENCY_MS;
    return {
      instances: INSTANCES,
      pageCap: PAGE_CAP,
      discoveryRequests: listings.length,
      matched: (run.summary as unknown as { fleets: { matched: number }[] }).fleets[0]?.matched,
      wallMs: Math.round(run.wallMs),
      discoveryFloorMs: floorMs,
      peakRssMb: round(run.maxRssMb, 1),
    };
  } finally {
    await simulator.stop();
  }
}

/**
 * Peak RSS, wall time and log volume of a CLI run with the default policy (maxDeletesPerInstance 500) over
 * large backlogs, the server sending 100 records a page: memory must not grow with the backlog.
 */
async function backlog() {
  const measure = async (instances: number, tasksPerInstance: number) => {
    const spec = { instances, tasksPerInstance, staleShare: 0.9 };
    const { simulator, ids } = await startFleet(spec, { maxPageSize: 100 });
    try {
      const config = {
        ...fleetConfig(simulator.endpoint, ids),
        defaults: { olderThan: '7d' },
        // The default concurrency; a rate the simulator takes, so the run is not spent waiting on the pacer.
        limits: { requestsPerSecond: 1000 },
      };
      const run = await runCli(writeConfig(config));
      return {
        instances,
        tasksPerInstance,
        listed: run.summary.totals.listed,
        deleted: run.summary.totals.deleted,
        deferred: run.summary.totals.deferred,
        ok: run.summary.ok,
        requests: simulator.requests.length,
        wallMs: Math.round(run.wallMs),
        peakRssMb: round(run.maxRssMb, 1),
        stderrBytesPerInstance: Math.round(run.stderrBytes / instances),
      };
    } finally {
      await simulator.stop();
    }
  };
  return {
    oneThousand: await measure(1, 1_000),
    oneMillion: await measure(1, 1_000_000),
    sixteenTimes100k: await measure(16, 100_000),
    budgetMb: 200,
  };
}

/**
 * The only endpoint dies at its first DELETE (connections refused from then on), with 2,000 stale tasks
 * selected and the default limits and retries: the run must end within a minute, a few dozen failed at most.
 */
function deadEndpoint() {
  const spec = { instances: 4, tasksPerInstance: 500, staleShare: 1 };
  return runWithDeleteFault(spec, { times: 1, fault: { type: 'shutdown' } }, 60_000);
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
if (!only || only === 'hostile') {
  const result = await hostile();
  results.hostile = result;
  verdict['peak RSS < 200 MB against a 1 GiB listing'] = result.streamed1GiB.peakRssMb < 200;
  verdict['peak RSS < 200 MB against 2.8 million records under the cap'] =
    result.tinyRecordsUnderCap.peakRssMb < 200;
}
if (!only || only === 'regions') {
  const result = await regions();
  results.regions = result;
  verdict['two regions: wall ≤ 1.15 × busiest region floor'] = result.ratioToBusiestFloor <= 1.15;
}
if (!only || only === 'discovery') {
  const result = await discovery();
  results.discovery = result;
  verdict['discovery of 5,000 instances: every one matched'] = result.matched === result.instances;
}
if (!only || only === 'backlog') {
  const result = await backlog();
  results.backlog = result;
  verdict['backlog: 1 x 1,000,000 tasks under 200 MB'] = result.oneMillion.peakRssMb < 200;
  verdict['backlog: 16 x 100,000 tasks under 200 MB'] = result.sixteenTimes100k.peakRssMb < 200;
}
if (!only || only === 'deadend') {
  const result = await deadEndpoint();
  results.deadEndpoint = result;
  verdict['dead endpoint: 2,000 selected, ended within a minute'] = result.wallMs < result.budgetMs;
  verdict['dead endpoint: at most a few dozen failed, the rest deferred'] =
    result.failed <= 18 && result.failed + result.deferred + result.deleted === result.stale;
}
if (!only || only === 'oversized') {
  const result = {
    cli16: await oversizedPages(16),
    cli32: await oversizedPages(32),
    // The nodejs22.x runtime gives a 256 MB function's heap about 90 % of it.
    lambda32: await lambdaOversizedPages(32, 230),
    budgetMb: 200,
  };
  results.oversized = result;
  verdict['oversized pages: 32 x 7.5 MiB, CLI under 200 MB'] = result.cli32.peakRssMb < 200;
  verdict['oversized pages: 32 x 7.5 MiB, Lambda at 256 MB finishes under 200 MB'] =
    result.lambda32.exitCode === 0 && (result.lambda32.peakRssMb ?? Number.POSITIVE_INFINITY) < 200;
}
if (!only || only === 'hang') {
  const result = await hangingDeletes();
  results.hangingDeletes = result;
  verdict['hanging deletes: 16 x 8, ended within 2 minutes'] = result.wallMs < result.budgetMs;
}
if (!only || only === 'silent') {
  const result = await silentNetwork();
  results.silentNetwork = result;
  verdict['silent network: 12 instances, ended within 2 minutes, exit 1'] =
    result.wallMs < result.budgetMs && result.exitCode === 1 && result.everyErrorNamesEndpointAndNoAnswer;
}
if (!only || only === 'seen') {
  const result = seenTableMemory();
  results.seenTable = result;
  verdict['seen table: less memory than a Map of hashes at 1,000,000 ids'] =
    result.seenTable.heldMb < result.mapOfHashes.heldMb;
}
if (!only || only === 'keyless') {
  const result = await keylessAgainstKeyed(THROUGHPUT_FLEET);
  results.keyless = result;
  verdict['keyless: everything deleted, within 10 % of a keyed run'] =
    result.keyless.deleted === result.keyless.stale && result.ratioKeylessToKeyed <= 1.1;
  verdict['keyless: a run of 3+ lifetimes deletes everything, 0 refused, renewals not per request'] =
    result.longRun.deleted === result.longRun.stale &&
    result.longRun.unauthorized === 0 &&
    result.longRun.lifetimes >= 3 &&
    result.longRun.identityRequests <= 1.5 * result.longRun.expectedRenewals + 1;
}
results.verdict = verdict;
results.machine = { node: process.version, date: new Date().toISOString() };

const out = join(import.meta.dirname, '..', 'bench', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));
process.exitCode = Object.values(verdict).every(Boolean) ? 0 : 1;
