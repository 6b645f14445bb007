// What a scheduler reads (contract §17): the run's status (ok, partial, failed) from real runs against the
// simulator, and the exit code each status gives.
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, exitCodeOf, PARTIAL_EXIT_CODE } from '../src/cli/main.js';
import { run } from '../src/engine/run.js';
import { alertEvents, COMPLETED, FAILED } from '../src/report/events.js';
import { prometheusText } from '../src/report/prometheus.js';
import { zeroStats } from '../src/report/reporter.js';
import { runOutcome } from '../src/report/table.js';
import type { DcsSimulator } from '../src/simulator/server.js';
import {
  BUILT_CLI,
  CREDENTIALS_ENV,
  configFor,
  fastDeps,
  instanceId,
  parseConfig,
  runMain,
  seed,
  startSimulator,
  tasks,
} from './helpers.js';

let simulator: DcsSimulator;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dcs-status-'));
});
afterEach(async () => simulator?.stop());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const A = instanceId(1);
const B = instanceId(2);
const stats = { ...zeroStats(), requests: 1, durationMs: 1 };

describe('the status of a real run', () => {
  it('ok: complete and nothing failed; a cap that defers work is still ok', async () => {
    simulator = await startSimulator();
    seed(simulator, A, tasks(5, { ageDays: 10 }));
    const config = parseConfig(
      configFor(simulator.endpoint, [A], { defaults: { olderThan: '7d', maxDeletesPerInstance: 2 } }),
    );
    const { summary } = await run(config, {}, fastDeps());
    expect(summary).toMatchObject({ status: 'ok', ok: true, complete: true, totals: { deferred: 3 } });
    expect(runOutcome(summary)).toBe('ok');
    expect(alertEvents(summary).map((event) => event.detailType)).toEqual([COMPLETED]);
  });

  it('partial: the time budget left work deferred and nothing failed; no Failed event', async () => {
    simulator = await startSimulator({ latencyMs: 60 });
    seed(simulator, A, tasks(40, { ageDays: 10 }));
    seed(simulator, B, tasks(40, { ageDays: 10, first: 100 }));
    const config = parseConfig(
      configFor(simulator.endpoint, [A, B], {
        limits: { concurrency: 1, requestsPerSecond: 1000, maxAttempts: 1 },
      }),
    );
    const { summary, incompleteBecause } = await run(config, { timeBudgetMs: 400 }, fastDeps());
    expect(summary).toMatchObject({ status: 'partial', ok: false, complete: false });
    expect(summary.totals.deferred).toBeGreaterThan(0);
    expect(summary.totals.failed).toBe(0);
    expect(runOutcome(summary, incompleteBecause)).toBe('PARTIAL (time budget)');
    const events = alertEvents(summary);
    expect(events.map((event) => event.detailType)).toEqual([COMPLETED]);
    expect(events[0]?.detail).toMatchObject({ status: 'partial' });
  });

  it('failed: a task failed (with or without the budget), or an instance could not be listed', async () => {
    simulator = await startSimulator();
    seed(simulator, A, tasks(2, { ageDays: 10 }));
    simulator.inject({
      method: 'DELETE',
      times: 1,
      fault: { type: 'status', status: 403, errorCode: 'DCS.1001' },
    });
    const config = parseConfig(configFor(simulator.endpoint, [A]));
    const { summary } = await run(config, {}, fastDeps());
    expect(summary).toMatchObject({ status: 'failed', complete: true, ok: false });
    expect(alertEvents(summary).map((event) => event.detailType)).toEqual([COMPLETED, FAILED]);
    const missing = parseConfig(configFor(simulator.endpoint, [instanceId(99)]));
    expect((await run(missing, {}, fastDeps())).summary.status).toBe('failed');
  });
});

describe('exit codes', () => {
  it('0 ok, 3 partial (or --partial-exit-code), 1 failed or no metrics written, 130/143 signals', () => {
    const code = (status: 'ok' | 'partial' | 'failed', extra = {}) =>
      exitCodeOf(status, {
        signal: undefined,
        metricsWritten: true,
        partialExitCode: PARTIAL_EXIT_CODE,
        ...extra,
      });
    expect([code('ok'), code('partial'), code('failed')]).toEqual([0, 3, 1]);
    expect(code('partial', { partialExitCode: 0 })).toBe(0);
    expect(code('ok', { metricsWritten: false })).toBe(EXIT.problem);
    expect(code('partial', { signal: 'SIGTERM' })).toBe(143);
    expect(code('ok', { signal: 'SIGINT' })).toBe(130);
  });

  const cli = async (args: string[]) => {
    const { code: exit, stdout, stderr } = await runMain(['run', ...args, '--log-format', 'json']);
    return { exit, stdout, stderr };
  };

  it('a real run: 0 ok with a cap, 1 failed, 2 bad input; --partial-exit-code out of range is bad input', async () => {
    simulator = await startSimulator();
    seed(simulator, A, tasks(3, { ageDays: 10 }));
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify(
        configFor(simulator.endpoint, [A], { defaults: { olderThan: '7d', maxDeletesPerInstance: 1 } }),
      ),
    );
    expect((await cli(['--config', config, '--partial-exit-code', '0'])).exit).toBe(0);
    simulator.inject({ method: 'DELETE', fault: { type: 'status', status: 500 } });
    expect((await cli(['--config', config])).exit).toBe(1);
    for (const bad of ['126', '-1', 'x', '3.5']) {
      const result = await cli(['--config', config, '--partial-exit-code', bad]);
      expect(result.exit).toBe(2);
      expect(result.stderr).toContain('--partial-exit-code');
    }
  });
});

describe('metrics for a heartbeat', () => {
  const summary = (status: 'ok' | 'partial' | 'failed', finishedAt: string, dryRun = false) => ({
    runId: 'r',
    dryRun,
    startedAt: finishedAt,
    finishedAt,
    complete: status === 'ok',
    ok: status === 'ok',
    status,
    totals: {
      listed: 0,
      ignored: 0,
      stale: 0,
      deleted: 0,
      alreadyGone: 0,
      wouldDelete: 0,
      skipped: 0,
      deferred: 0,
      failed: 0,
    },
    instances: [],
    fleets: [],
  });
  const read = (text: string, name: string) => new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1];

  it('the last success is the last ok or partial run, carried over a failed one; one status series each', () => {
    const ok = prometheusText(summary('ok', '2026-12-01T00:00:00.000Z'), stats);
    expect(read(ok, 'dcs_task_cleanup_last_success_timestamp_seconds')).toBe(
      String(Date.parse('2026-12-01T00:00:00Z') / 1000),
    );
    const failed = prometheusText(
      summary('failed', '2026-12-02T00:00:00.000Z'),
      stats,
      new Map([['dcs_task_cleanup_last_success_timestamp_seconds', 1_764_547_200]]),
    );
    expect(read(failed, 'dcs_task_cleanup_last_success_timestamp_seconds')).toBe('1764547200');
    const partial = prometheusText(summary('partial', '2026-12-03T00:00:00.000Z', true), stats);
    expect(read(partial, 'dcs_task_cleanup_last_success_timestamp_seconds')).toBe(
      String(Date.parse('2026-12-03T00:00:00Z') / 1000),
    );
    expect(partial).toContain(
      'dcs_task_cleanup_last_run_status{status="ok"} 0\ndcs_task_cleanup_last_run_status{status="partial"} 1\ndcs_task_cleanup_last_run_status{status="failed"} 0\n',
    );
    expect(read(partial, 'dcs_task_cleanup_dry_run')).toBe('1');
    expect(read(ok, 'dcs_task_cleanup_dry_run')).toBe('0');
    expect(
      read(
        prometheusText(summary('failed', '2026-12-02T00:00:00.000Z'), stats),
        'dcs_task_cleanup_last_success_timestamp_seconds',
      ),
    ).toBe('0');
  });
});

describe('logs a scheduler can file', () => {
  it('under the journal (JOURNAL_STREAM names stderr), each line starts with its syslog priority', async () => {
    simulator = await startSimulator();
    seed(simulator, A, tasks(2, { ageDays: 10 }));
    simulator.inject({
      method: 'DELETE',
      times: 1,
      fault: { type: 'status', status: 403, errorCode: 'DCS.1001' },
    });
    const config = join(dir, 'journal.json');
    writeFileSync(config, JSON.stringify(configFor(simulator.endpoint, [A])));
    const log = join(dir, 'journal.log');
    const fd = openSync(log, 'w');
    const { dev, ino } = fstatSync(fd);
    const child = spawn(process.execPath, [BUILT_CLI, 'run', '--config', config], {
      env: { ...CREDENTIALS_ENV, JOURNAL_STREAM: `${dev}:${ino}` },
      stdio: ['ignore', 'ignore', fd],
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    closeSync(fd);
    expect(code).toBe(1);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    const priorities = lines.map((line) => /^<(\d)>\{/.exec(line)?.[1]);
    expect(priorities.every((priority) => priority !== undefined)).toBe(true);
    const record = (priority: string) =>
      lines.filter((line) => line.startsWith(`<${priority}>`)).map((line) => JSON.parse(line.slice(3)).level);
    expect(new Set(record('3'))).toEqual(new Set(['ERROR']));
    expect(new Set(record('6'))).toEqual(new Set(['INFO']));
    // The same run without the journal: plain JSON lines.
    const plain = spawn(process.execPath, [BUILT_CLI, 'run', '--config', config], {
      env: CREDENTIALS_ENV,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    plain.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    await new Promise((resolve) => plain.on('close', resolve));
    expect(
      stderr
        .trim()
        .split('\n')
        .every((line) => line.startsWith('{')),
    ).toBe(true);
  });
});
