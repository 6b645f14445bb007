// Shared set-up for the benchmarks: a simulator fleet, a config file and the CLI as a child process.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '../src/simulator/random.js';
import { DcsSimulator, type FaultRule, type SimulatorOptions } from '../src/simulator/server.js';
import { makeTask, uuid } from '../src/simulator/task-records.js';

export const CREDENTIALS = { ak: 'AKBENCHMARK000000001', sk: 'bench-secret-key-0123456789abcdef' };
export const PROJECT = '0123456789abcdef0123456789abcdef';
const DAY_MS = 86_400_000;
/** The built CLI, beside this file once bundled into dist/bench.js. */
const CLI = join(import.meta.dirname, 'cli.js');

export interface FleetSpec {
  instances: number;
  tasksPerInstance: number;
  /** Share of each instance's tasks that are stale (old and SUCCESS/FAILED). */
  staleShare: number;
}

/** A simulator with `spec`'s fleet; `idSeed` makes other ids (for several fleets in one config). */
export async function startFleet(spec: FleetSpec, options: SimulatorOptions, idSeed = 42) {
  const simulator = await DcsSimulator.start({ credentials: [CREDENTIALS], seed: 7, ...options });
  const random = seededRandom(idSeed);
  const now = Date.now();
  const ids: string[] = [];
  let stale = 0;
  for (let i = 0; i < spec.instances; i++) {
    const id = uuid(random);
    ids.push(id);
    const staleCount = Math.round(spec.tasksPerInstance * spec.staleShare);
    stale += staleCount;
    const tasks = Array.from({ length: spec.tasksPerInstance }, (_, n) =>
      makeTask(random, {
        status: n < staleCount ? (random() < 0.8 ? 'SUCCESS' : 'FAILED') : 'SUCCESS',
        createdAtMs: n < staleCount ? now - (30 + random() * 300) * DAY_MS : now - random() * 3 * DAY_MS,
      }),
    );
    simulator.addInstance(PROJECT, id, tasks);
  }
  return { simulator, ids, stale };
}

/** The config a benchmark runs with: every stale task may be deleted in one run. */
export function fleetConfig(endpoint: string, ids: string[], limits: Record<string, number> = {}) {
  return {
    dryRun: false,
    defaults: { olderThan: '7d', maxDeletesPerInstance: 100_000 },
    limits,
    instances: ids.map((instanceId) => ({ region: 'cn-north-4', projectId: PROJECT, instanceId, endpoint })),
  };
}

const WORK_DIR = mkdtempSync(join(tmpdir(), 'dcs-bench-'));
process.on('exit', () => rmSync(WORK_DIR, { recursive: true, force: true }));
let configs = 0;

export function writeConfig(config: unknown): string {
  const path = join(WORK_DIR, `config-${++configs}.json`);
  writeFileSync(path, JSON.stringify(config));
  return path;
}

export interface CliRun {
  wallMs: number;
  exitCode: number | null;
  summary: {
    ok: boolean;
    complete: boolean;
    totals: Record<string, number>;
    instances: { instanceId: string; error?: { message: string } }[];
  };
  maxRssMb: number;
  /** Bytes the run wrote to stderr (its log records). */
  stderrBytes: number;
}

/** The CLI to measure: this build, or another one's (BENCH_CLI=…/dist/cli.js, for before/after pairs). */
export const MEASURED_CLI = process.env.BENCH_CLI ?? CLI;

/** Runs `dcs-task-cleanup run --json` as its own process and reports its wall time and peak RSS. */
export function runCli(configPath: string, extraArgs: string[] = [], cli = MEASURED_CLI): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const rssProbe =
      'process.on("exit",()=>process.stderr.write("\\n#maxrss "+process.resourceUsage().maxRSS+"\\n"))';
    const child = spawn(
      process.execPath,
      [
        '--import',
        `data:text/javascript,${encodeURIComponent(rssProbe)}`,
        cli,
        'run',
        '--config',
        configPath,
        '--json',
        ...extraArgs,
      ],
      {
        env: { ...process.env, CLOUD_SDK_AK: CREDENTIALS.ak, CLOUD_SDK_SK: CREDENTIALS.sk },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderrTail = '';
    let stderrBytes = 0;
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderrBytes += chunk.length;
      stderrTail = (stderrTail + chunk).slice(-4096);
    });
    child.on('error', reject);
    child.on('close', (exitCode) => {
      const wallMs = performance.now() - startedAt;
      const rss = /#maxrss (\d+)/.exec(stderrTail);
      try {
        resolve({
          wallMs,
          exitCode,
          summary: JSON.parse(stdout),
          maxRssMb: rss ? Number(rss[1]) / 1024 : Number.NaN,
          stderrBytes,
        });
      } catch {
        reject(new Error(`the CLI printed no summary (exit ${exitCode}): ${stderrTail}`));
      }
    });
  });
}

/**
 * The CLI with the default limits over `spec`'s fleet while the simulator answers DELETEs with `fault`: how
 * long the run took and how it ended, against `budgetMs`.
 */
export async function runWithDeleteFault(spec: FleetSpec, rule: FaultRule, budgetMs: number) {
  const { simulator, ids, stale } = await startFleet(spec, {});
  simulator.inject({ ...rule, method: 'DELETE' });
  try {
    const run = await runCli(writeConfig({ ...fleetConfig(simulator.endpoint, ids), limits: {} }));
    return {
      stale,
      wallMs: Math.round(run.wallMs),
      exitCode: run.exitCode,
      failed: run.summary.totals.failed ?? 0,
      deferred: run.summary.totals.deferred ?? 0,
      deleted: run.summary.totals.deleted ?? 0,
      requestsReceived: simulator.requests.length,
      deleteAttempts: simulator.requests.filter((request) => request.method === 'DELETE').length,
      budgetMs,
    };
  } finally {
    await simulator.stop();
  }
}
