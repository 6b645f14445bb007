import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../src/cli/main.js';
import { parseConfig } from '../src/config/resolve.js';
import { connectDcs, type TransportTuning } from '../src/dcs/client.js';
import type { RunDeps } from '../src/engine/run.js';
import type { Credentials } from '../src/model/credentials.js';
import { LogReporter } from '../src/report/log-reporter.js';
import type { LogFields, Logger } from '../src/report/logger.js';
import {
  type InstanceSummary,
  type RunSummary,
  sumCounters,
  type TaskFailure,
  zeroCounters,
} from '../src/report/summary.js';
import { seededRandom } from '../src/simulator/random.js';
import { DcsSimulator, type SimulatorOptions } from '../src/simulator/server.js';
import { makeTask, type SimTask } from '../src/simulator/task-records.js';

export const CREDENTIALS = { ak: 'AKTESTTESTTESTTEST01', sk: 'SKsecret-test-0123456789-abcdefghijklmn' };
/** The environment that gives the CLI CREDENTIALS as its `default` account. */
export const CREDENTIALS_ENV = { CLOUD_SDK_AK: CREDENTIALS.ak, CLOUD_SDK_SK: CREDENTIALS.sk };
/** The built CLI (npm test builds before it runs the tests). */
export const BUILT_CLI = join(import.meta.dirname, '..', 'dist', 'cli.js');
export const PROJECT = '0123456789abcdef0123456789abcdef';
export const DAY = 86_400_000;

export function instanceId(n: number): string {
  return `e2a3b1c0-1111-4222-8333-${String(n).padStart(12, '0')}`;
}

export function taskId(n: number): string {
  return `ff8080818c0a1b2c018c0a1b${String(n).padStart(8, '0')}`;
}

export interface LogRecord extends LogFields {
  level: string;
  message: string;
}

/** A logger that keeps its records, as the JSON logger would print them. */
export class MemoryLogger implements Logger {
  readonly records: LogRecord[] = [];
  info(message: string, fields: LogFields = {}) {
    this.records.push(JSON.parse(JSON.stringify({ level: 'INFO', message, ...fields })));
  }
  warn(message: string, fields: LogFields = {}) {
    this.records.push(JSON.parse(JSON.stringify({ level: 'WARN', message, ...fields })));
  }
  error(message: string, fields: LogFields = {}) {
    this.records.push(JSON.parse(JSON.stringify({ level: 'ERROR', message, ...fields })));
  }
  taskRecords(): LogRecord[] {
    return this.records.filter((record) => 'outcome' in record);
  }
}

/** Tasks for one instance: `count` tasks `ageDays` old with the given status. */
export function tasks(
  count: number,
  options: { ageDays: number; status?: string; name?: string; first?: number },
) {
  const random = seededRandom(count + (options.first ?? 0));
  return Array.from({ length: count }, (_, i) =>
    makeTask(random, {
      id: taskId((options.first ?? 0) + i),
      name: options.name ?? 'EXTEND',
      status: options.status ?? 'SUCCESS',
      createdAtMs: Date.now() - options.ageDays * DAY - i * 60_000,
    }),
  );
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<DcsSimulator> {
  return DcsSimulator.start({ credentials: [CREDENTIALS], ...options });
}

/** A valid config for `count` instances on the simulator, with overrides merged in. */
export function configFor(endpoint: string, ids: string[], overrides: Record<string, unknown> = {}) {
  return {
    dryRun: false,
    defaults: { olderThan: '7d' },
    limits: { concurrency: 4, requestsPerSecond: 1000, maxAttempts: 3 },
    instances: ids.map((id) => ({ region: 'cn-north-4', projectId: PROJECT, instanceId: id, endpoint })),
    ...overrides,
  };
}

export function seed(simulator: DcsSimulator, id: string, list: SimTask[]) {
  simulator.addInstance(PROJECT, id, list);
}

/** Credentials by account name, `default` first. */
export function accounts(byName: Record<string, Credentials> = { default: CREDENTIALS }) {
  return new Map(Object.entries(byName));
}

/** The transport of fastDeps: quick backoff, so fault tests take milliseconds. */
export const FAST_TRANSPORT: TransportTuning = {
  retry: { baseDelayMs: 5, maxDelayMs: 20 },
  requestTimeoutMs: 2_000,
};

/** Run deps with a fast transport (`tuning` changes it); the log records are kept in `logger`. */
export function fastDeps(
  logger = new MemoryLogger(),
  byName: Record<string, Credentials> = { default: CREDENTIALS },
  tuning: TransportTuning = {},
): RunDeps & { logger: MemoryLogger } {
  return {
    dcs: connectDcs(accounts(byName), { ...FAST_TRANSPORT, ...tuning }),
    reporter: new LogReporter(logger),
    logger,
  };
}

export { parseConfig };

function defaultFailure(i: number): TaskFailure {
  return {
    taskId: taskId(i),
    taskName: 'EXTEND',
    httpStatus: 500,
    errorCode: 'DCS.5006',
    message: 'x'.repeat(1_000),
    attempts: 5,
  };
}

/** An instance's summary with `failed` failures (`failure` makes each; EXTEND with a 1,000-character message). */
export function instanceSummary(
  n: number,
  failed: number,
  patch: Partial<InstanceSummary> = {},
  failure: (i: number) => TaskFailure = defaultFailure,
): InstanceSummary {
  return {
    instanceId: instanceId(n),
    projectId: PROJECT,
    region: 'cn-north-4',
    account: 'default',
    source: 'config',
    ...zeroCounters(),
    stale: failed,
    failed,
    failures: Array.from({ length: failed }, (_, i) => failure(i)),
    ...patch,
  };
}

/** A run's summary over `instances`, its totals summed. */
export function runSummary(instances: InstanceSummary[], complete = true): RunSummary {
  const totals = sumCounters(instances);
  const ok = complete && totals.failed === 0 && instances.every((i) => !i.error);
  return {
    runId: 'run-1',
    dryRun: false,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
    complete,
    ok,
    status: ok ? 'ok' : 'failed',
    fleets: [],
    totals,
    instances,
  };
}

/** The repository's root. */
export const ROOT = join(import.meta.dirname, '..');

/**
 * What a fresh clone holds after `npm ci`: the tracked (and new, unignored) files and node_modules, no
 * dist/. Packaging and `npm pack` build there, never in the working tree that other tests run from.
 */
export function freshClone(into: string): string {
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  for (const file of files.split('\n').filter(Boolean)) {
    if (!existsSync(join(ROOT, file))) continue;
    mkdirSync(dirname(join(into, file)), { recursive: true });
    cpSync(join(ROOT, file), join(into, file));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(into, 'node_modules'));
  return into;
}

/**
 * What a CLI's stderr said, for assertions on its words: the text as written, then each JSON `bad input`
 * record's issues as `path: message` lines (stderr is JSON lines whenever it is not a terminal).
 */
export function said(stderr: string): string {
  const issues = stderr.split('\n').flatMap((line) => {
    try {
      const record = JSON.parse(line) as { message?: string; issues?: { path: string; message: string }[] };
      return record.message === 'bad input' ? (record.issues ?? []) : [];
    } catch {
      return [];
    }
  });
  return [stderr, ...issues.map(({ path, message }) => `${path}: ${message}`)].join('\n');
}

/** A stream that keeps what is written to it (a CLI's stdout or stderr in a test). */
export function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk) => {
    text += chunk;
  });
  return { stream, text: () => text };
}

/** The CLI in process (`main`), its streams captured: the exit code and what it wrote. */
export async function runMain(
  argv: readonly string[],
  env: Record<string, string | undefined> = CREDENTIALS_ENV,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const [stdout, stderr] = [capture(), capture()];
  const code = await main(argv, { stdout: stdout.stream, stderr: stderr.stream, env });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** A port on 127.0.0.1 that nothing listens on now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
