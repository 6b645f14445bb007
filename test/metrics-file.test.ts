// `run --metrics-file`: the Prometheus text format as node_exporter's textfile collector reads it (the real
// collector, on loopback), written atomically, counters summed over runs, present after a failed run too.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { runMetrics } from '../src/report/metrics.js';
import { METRIC_PREFIX, snakeCase } from '../src/report/prometheus.js';
import { zeroStats } from '../src/report/reporter.js';
import type { DcsSimulator } from '../src/simulator/server.js';
import {
  CREDENTIALS_ENV,
  capture,
  configFor,
  freePort,
  instanceId,
  runSummary,
  said,
  seed,
  startSimulator,
  taskId,
  tasks,
} from './helpers.js';

const NODE_EXPORTER = 'prometheus-node-exporter';
const A = instanceId(1);
let dir: string;
let simulator: DcsSimulator;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dcs-metrics-'));
});
afterEach(async () => simulator?.stop());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]) {
  const [stdout, stderr] = [capture(), capture()];
  const code = await main(['run', ...args, '--log-format', 'json'], {
    stdout: stdout.stream,
    stderr: stderr.stream,
    env: CREDENTIALS_ENV,
  });
  return { code, stderr: stderr.text() };
}

/** What node_exporter's textfile collector makes of `directory`: its whole /metrics page. */
async function scrape(directory: string): Promise<string> {
  const installed = await promisify(execFile)('sh', ['-c', `command -v ${NODE_EXPORTER}`]).then(
    () => true,
    () => false,
  );
  if (!installed)
    throw new Error(
      `${NODE_EXPORTER} is not installed (.ci/run installs it: apt-get install ${NODE_EXPORTER})`,
    );
  const port = await freePort();
  const exporter = spawn(
    NODE_EXPORTER,
    [
      '--collector.disable-defaults',
      '--collector.textfile',
      `--collector.textfile.directory=${directory}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' },
  );
  try {
    for (let attempt = 0; attempt < 50; attempt++) {
      const page = await fetch(`http://127.0.0.1:${port}/metrics`).then(
        (response) => response.text(),
        () => undefined,
      );
      if (page !== undefined) return page;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('node_exporter did not answer');
  } finally {
    exporter.kill();
  }
}

describe('--metrics-file', () => {
  it('node_exporter reads it without error; counters sum over runs; a failed run writes it too', async () => {
    simulator = await startSimulator();
    seed(simulator, A, tasks(5, { ageDays: 10 }));
    simulator.inject({ method: 'DELETE', taskId: taskId(4), fault: { type: 'status', status: 403 } });
    const metricsDir = mkdtempSync(join(dir, 'textfile-'));
    const file = join(metricsDir, 'dcs-task-cleanup.prom');
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify(configFor(simulator.endpoint, [A])));

    const failed = await run(['--config', config, '--metrics-file', file]);
    expect(failed.code).toBe(1);
    const firstInode = statSync(file).ino;
    expect(readFileSync(file, 'utf8')).toMatch(/^dcs_task_cleanup_last_run_success 0$/m);

    seed(simulator, A, tasks(3, { ageDays: 10, first: 100 }));
    simulator.clearFaults();
    const ok = await run(['--config', config, '--metrics-file', file]);
    expect(ok.code).toBe(0);
    // Replaced by a rename (a new file), nothing else left in the directory.
    expect(statSync(file).ino).not.toBe(firstInode);
    expect(readdirSync(metricsDir)).toEqual(['dcs-task-cleanup.prom']);

    const page = await scrape(metricsDir);
    expect(page).toMatch(/^node_textfile_scrape_error 0$/m);
    const sample = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(page)?.[1]);
    expect(sample('dcs_task_cleanup_deleted_total')).toBe(4 + 3);
    expect(sample('dcs_task_cleanup_failed_total')).toBe(1);
    expect(sample('dcs_task_cleanup_runs_total')).toBe(2);
    expect(sample('dcs_task_cleanup_last_run_success')).toBe(1);
    expect(sample('dcs_task_cleanup_backlog')).toBe(0);
    expect(Math.abs(sample('dcs_task_cleanup_last_run_timestamp_seconds') - Date.now() / 1000)).toBeLessThan(
      60,
    );
    expect(page).toMatch(/^# TYPE dcs_task_cleanup_deleted_total counter$/m);
    expect(page).toMatch(/^# TYPE dcs_task_cleanup_duration_seconds gauge$/m);
  }, 30_000);

  it('names every EMF metric, prefixed, counts as counters with _total', async () => {
    const summary = runSummary([]);
    const stats = { ...zeroStats(), durationMs: 1500 };
    const metricsDir = mkdtempSync(join(dir, 'names-'));
    const { writeMetricsFile } = await import('../src/cli/metrics-file.js');
    await writeMetricsFile(join(metricsDir, 'x.prom'), summary, stats);
    const text = readFileSync(join(metricsDir, 'x.prom'), 'utf8');
    for (const metric of runMetrics(summary, stats)) {
      const base = `${METRIC_PREFIX}${snakeCase(metric.name)}`;
      const name =
        metric.kind === 'count' ? `${base}_total` : metric.unit === 'Milliseconds' ? `${base}_seconds` : base;
      expect(text).toContain(`\n# TYPE ${name} ${metric.kind === 'count' ? 'counter' : 'gauge'}\n${name} `);
    }
    expect(text).toContain('\ndcs_task_cleanup_already_gone_total 0\n');
    expect(text).toContain('\ndcs_task_cleanup_duration_seconds 1.5\n');
    expect(snakeCase('InstanceErrors')).toBe('instance_errors');
  });

  it('a directory it cannot write into is bad input: exit 2, nothing sent', async () => {
    simulator = await startSimulator();
    seed(simulator, A, tasks(1, { ageDays: 10 }));
    const config = join(dir, 'config-2.json');
    writeFileSync(config, JSON.stringify(configFor(simulator.endpoint, [A])));
    const result = await run(['--config', config, '--metrics-file', join(dir, 'missing', 'x.prom')]);
    expect(result.code).toBe(2);
    expect(said(result.stderr)).toMatch(
      /--metrics-file: .*x\.prom cannot be written: its directory .*missing is missing \(ENOENT\)/,
    );
    expect(simulator.requests).toEqual([]);
  });
});
