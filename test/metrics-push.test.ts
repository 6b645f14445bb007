// `run --metrics-push URL` against a real Prometheus Pushgateway (Debian's prometheus-pushgateway, started
// here on loopback): the same metrics as the file, counters summed over runs; a dead gateway is one WARN.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DcsSimulator } from '../src/simulator/server.js';
import { configFor, freePort, instanceId, runMain, seed, startSimulator, tasks } from './helpers.js';

const A = instanceId(1);
let simulator: DcsSimulator;
let gateway: ChildProcess | undefined;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dcs-push-'));
});
afterEach(async () => {
  await simulator?.stop();
  gateway?.kill('SIGTERM');
  gateway = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function startGateway(): Promise<string> {
  const port = await freePort();
  gateway = spawn(
    'prometheus-pushgateway',
    [`--web.listen-address=127.0.0.1:${port}`, '--persistence.file='],
    {
      stdio: 'ignore',
    },
  );
  const failed = new Promise<never>((_, reject) =>
    gateway?.once('error', (error) =>
      reject(new Error(`prometheus-pushgateway could not start (.ci/run installs it): ${error.message}`)),
    ),
  );
  const url = `http://127.0.0.1:${port}`;
  const ready = (async () => {
    for (let n = 0; n < 100; n++) {
      const ok = await fetch(`${url}/-/ready`).then(
        (response) => response.ok,
        () => false,
      );
      if (ok) return url;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('prometheus-pushgateway did not get ready');
  })();
  return Promise.race([ready, failed]);
}

const cli = (args: string[]) => runMain(['run', ...args, '--log-format', 'json']);

describe('--metrics-push', () => {
  it('pushes the run’s metrics under job="dcs-task-cleanup"; counters add up over runs', async () => {
    const url = await startGateway();
    simulator = await startSimulator();
    seed(simulator, A, tasks(5, { ageDays: 10 }));
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify(
        configFor(simulator.endpoint, [A], { defaults: { olderThan: '7d', maxDeletesPerInstance: 3 } }),
      ),
    );
    expect((await cli(['--config', config, '--metrics-push', url])).code).toBe(0);
    expect((await cli(['--config', config, '--metrics-push', `${url}/`])).code).toBe(0);
    const page = await (await fetch(`${url}/metrics`)).text();
    const series = (name: string) =>
      new RegExp(`^${name}\\{[^}]*job="dcs-task-cleanup"[^}]*\\} (\\S+)$`, 'm').exec(page)?.[1];
    expect(series('dcs_task_cleanup_deleted_total')).toBe('5');
    expect(series('dcs_task_cleanup_runs_total')).toBe('2');
    expect(page).toMatch(/^dcs_task_cleanup_last_run_status\{[^}]*status="ok"[^}]*\} 1$/m);
    expect(Number(series('dcs_task_cleanup_last_success_timestamp_seconds'))).toBeGreaterThan(
      Date.now() / 1000 - 60,
    );
  });

  it('a dead Pushgateway changes nothing but one WARN; a URL that is none is bad input', async () => {
    simulator = await startSimulator();
    seed(simulator, A, tasks(2, { ageDays: 10 }));
    const config = join(dir, 'config-dead.json');
    writeFileSync(config, JSON.stringify(configFor(simulator.endpoint, [A])));
    const dead = `http://127.0.0.1:${await freePort()}`;
    const { code, stderr } = await cli(['--config', config, '--metrics-push', dead]);
    expect(code).toBe(0);
    const warnings = stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((record) => record.level === 'WARN');
    expect(warnings).toEqual([expect.objectContaining({ message: 'metrics not pushed', url: `${dead}/` })]);
    for (const bad of ['ftp://x', 'not a url', 'http://x/?a=1']) {
      expect((await cli(['--config', config, '--metrics-push', bad])).code).toBe(2);
    }
  });
});
