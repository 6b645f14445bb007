// What a hostile or broken server must still not get through (docs/safety.md, contract §19): each case a
// server written to break the tool found, run over HTTP against the simulator or a small server of its own.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../src/doctor/doctor.js';
import { run } from '../src/engine/run.js';
import { FAILURES_BEFORE_UNAVAILABLE } from '../src/http/breaker.js';
import type { DcsSimulator } from '../src/simulator/server.js';
import {
  accounts,
  BUILT_CLI,
  CREDENTIALS,
  CREDENTIALS_ENV,
  configFor,
  DAY,
  fastDeps,
  instanceId,
  PROJECT,
  parseConfig,
  runMain,
  said,
  seed,
  startSimulator,
  taskId,
  tasks,
} from './helpers.js';

let simulator: DcsSimulator;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dcs-hostile-'));
});
afterEach(async () => simulator?.stop());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const A = instanceId(1);
const OLD = new Date(Date.now() - 400 * DAY).toISOString();
const record = (id: string, fields: Record<string, unknown> = {}) => ({
  id,
  name: 'EXTEND',
  status: 'SUCCESS',
  created_at: OLD,
  ...fields,
});
/** 150 deletable tasks that put two pages between a record and its other version. */
const between = Array.from({ length: 150 }, (_, n) => record(taskId(1000 + n)));
const deletesOf = (id: string) =>
  simulator.requests.filter((request) => request.method === 'DELETE' && request.taskId === id);

describe('an unreadable record still speaks for its id', () => {
  const X = taskId(1);
  const unreadable: [string, Record<string, unknown>][] = [
    ['created_at missing', { status: 'RUNNING', created_at: undefined }],
    ['created_at null', { status: 'RUNNING', created_at: null }],
    ['created_at an epoch number', { status: 'RUNNING', created_at: Date.now() }],
    ['created_at "YYYY-MM-DD hh:mm:ss"', { status: 'RUNNING', created_at: '2026-12-06 06:00:00' }],
    ['status null', { status: null }],
    ['status ""', { status: '' }],
    ['status an object', { status: { value: 'RUNNING' } }],
  ];
  for (const [what, fields] of unreadable) {
    for (const order of ['readable first', 'unreadable first'] as const) {
      it(`${what}, ${order}, two pages apart: the old SUCCESS version is not deleted`, async () => {
        simulator = await startSimulator();
        seed(simulator, A, []);
        const versions = [record(X), record(X, fields)];
        if (order === 'unreadable first') versions.reverse();
        simulator.addRawTasks(PROJECT, A, [versions[0], ...between, versions[1]]);
        const { summary } = await run(parseConfig(configFor(simulator.endpoint, [A])), {}, fastDeps());
        expect(deletesOf(X)).toEqual([]);
        expect(summary.instances[0]).toMatchObject({ deleted: 150, failed: 0 });
        // The unreadable record, and (read after it) the readable one as conflicting.
        expect(summary.instances[0]?.ignored).toBe(order === 'readable first' ? 1 : 2);
      });
    }
  }
});

describe('exclusions hold for any name', () => {
  const long = `${'n'.repeat(299)}X`;
  const cases: [string, Record<string, unknown>, string | undefined][] = [
    ['a 300-character excluded name', { name: long }, undefined],
    ['a name that is an array', { name: [long] }, 'no readable name'],
    ['a name that is an object', { name: { text: long } }, 'no readable name'],
    ['no name', { name: undefined }, 'no name'],
    ['a null name', { name: null }, 'no name'],
  ];
  for (const [what, fields, reason] of cases) {
    it(`${what}: not deleted where names are excluded${reason ? ` (ignored: ${reason})` : ''}`, async () => {
      simulator = await startSimulator();
      seed(simulator, A, []);
      simulator.addRawTasks(PROJECT, A, [record(taskId(1), fields), record(taskId(2))]);
      const deps = fastDeps();
      const config = configFor(simulator.endpoint, [A], {
        defaults: { olderThan: '7d', excludeTaskNames: [long] },
      });
      const { summary } = await run(parseConfig(config), {}, deps);
      expect(deletesOf(taskId(1))).toEqual([]);
      expect(deletesOf(taskId(2))).toHaveLength(1);
      const ignored = deps.logger.records.filter((entry) => entry.message === 'task record ignored');
      expect(ignored.map((entry) => entry.reason)).toEqual(reason ? [reason] : []);
      expect(summary.instances[0]?.ignored).toBe(reason ? 1 : 0);
    });
  }

  it('without exclusions, a task without a name is judged like any other', async () => {
    simulator = await startSimulator();
    seed(simulator, A, []);
    simulator.addRawTasks(PROJECT, A, [record(taskId(1), { name: undefined })]);
    await run(parseConfig(configFor(simulator.endpoint, [A])), {}, fastDeps());
    expect(deletesOf(taskId(1))).toHaveLength(1);
  });
});

describe('a 404 must come from DCS to mean "gone"', () => {
  const HTML = '<html><body><h1>404 Not Found</h1>nginx</body></html>';
  const notDcs = [
    [
      'the gateway: APIGW.0101',
      {
        type: 'status',
        status: 404,
        errorCode: 'APIGW.0101',
        message: 'The API does not exist or has not been published in the environment',
      },
    ],
    ['an HTML page', { type: 'malformed', status: 404, body: HTML, contentType: 'text/html' }],
    ['JSON with another code', { type: 'status', status: 404, errorCode: 'NGINX.404' }],
  ] as const;

  for (const [what, fault] of notDcs) {
    it(`${what} on every DELETE: failed, naming the endpoint; not ok`, async () => {
      simulator = await startSimulator();
      seed(simulator, A, tasks(3, { ageDays: 10 }));
      simulator.inject({ method: 'DELETE', fault });
      const { summary } = await run(parseConfig(configFor(simulator.endpoint, [A])), {}, fastDeps());
      expect(summary.instances[0]).toMatchObject({ deleted: 0, alreadyGone: 0, failed: 3 });
      expect(summary.instances[0]?.failures[0]?.message).toContain(
        `the endpoint ${simulator.endpoint} does not serve the DCS API here: check \`endpoint\` and the region`,
      );
      expect(summary.ok).toBe(false);
    });

    it(`${what} on the task listing of a discovered instance: an instance error, not "vanished"`, async () => {
      simulator = await startSimulator();
      simulator.addInstance(PROJECT, A, tasks(3, { ageDays: 10 }), { tags: { team: 'a' } });
      simulator.inject({ operation: 'list-tasks', fault });
      const config = parseConfig({
        dryRun: false,
        fleets: [
          { region: 'cn-north-4', projectId: PROJECT, endpoint: simulator.endpoint, tags: { team: 'a' } },
        ],
      });
      const { summary } = await run(config, {}, fastDeps());
      expect(summary.instances[0]?.vanished).toBeUndefined();
      expect(summary.instances[0]?.error?.message).toMatch(/does not serve the DCS API here/);
      expect(summary.ok).toBe(false);
    });

    it(`${what}: doctor --probe-delete does not say the right to delete is there`, async () => {
      simulator = await startSimulator();
      seed(simulator, A, tasks(1, { ageDays: 10 }));
      simulator.inject({ method: 'DELETE', fault });
      const report = await runDoctor(parseConfig(configFor(simulator.endpoint, [A])), accounts(), {
        probeDelete: true,
        configSource: 'test',
        onLambda: false,
      });
      const probe = report.checks.find((check) => check.check === 'delete-right');
      expect(probe).toMatchObject({ status: 'fail' });
      expect(probe?.detail).toMatch(/does not serve the DCS API here/);
      expect(report.ok).toBe(false);
    });
  }

  it('DCS own 404s still mean gone: DCS.4001 on DELETE, DCS.3022 on a discovered instance’s listing', async () => {
    simulator = await startSimulator();
    seed(simulator, A, tasks(2, { ageDays: 10 }));
    simulator.inject({ method: 'DELETE', fault: { type: 'status', status: 404, errorCode: 'DCS.4001' } });
    const { summary } = await run(parseConfig(configFor(simulator.endpoint, [A])), {}, fastDeps());
    expect(summary.instances[0]).toMatchObject({ alreadyGone: 2, failed: 0 });
    expect(summary.ok).toBe(true);
  });
});

describe('nothing starts after the breaker opens', () => {
  it('DELETEs that hang on 16 instances × 8 tasks: no attempt after the breaker opens, the rest deferred', async () => {
    simulator = await startSimulator();
    const ids = Array.from({ length: 16 }, (_, n) => instanceId(n + 1));
    for (const [n, id] of ids.entries()) seed(simulator, id, tasks(8, { ageDays: 10, first: n * 10 }));
    simulator.inject({ method: 'DELETE', fault: { type: 'hang' } });
    // The default limits (concurrency 8, 5 attempts), with a 200 ms timeout instead of 10 s.
    const config = parseConfig(configFor(simulator.endpoint, ids, { limits: {} }));
    const startedAt = Date.now();
    const { summary } = await run(config, {}, fastDeps(undefined, undefined, { requestTimeoutMs: 200 }));
    const deletes = simulator.requests.filter((request) => request.method === 'DELETE').length;
    // The 10th unanswered attempt in a row opens it; only the attempts then in flight (8 at most) end.
    expect(deletes).toBeLessThanOrEqual(FAILURES_BEFORE_UNAVAILABLE + 8);
    // Instances not listed when it opened have an instance error; every listed stale task has an outcome.
    expect(summary.totals.deferred).toBeGreaterThan(0);
    expect(summary.totals.stale).toBe(summary.totals.failed + summary.totals.deferred);
    expect(summary.unavailableEndpoints?.[0]?.lastError).toMatch(/no answer from \S+ within 200 ms/);
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });
});

describe('a silent network', () => {
  let silent: Server;
  const sockets: Socket[] = [];
  let requests = 0;
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await new Promise((resolve) => silent?.close(resolve));
  });
  /** Accepts every connection and never says a word (a VPC without NAT that holds the SYN answers). */
  async function startSilent(): Promise<string> {
    requests = 0;
    silent = createServer((socket) => {
      sockets.push(socket);
      socket.once('data', () => requests++);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
  }

  it('12 instances behind an endpoint that never answers: 3 attempts, each instance names it and "no answer"', async () => {
    const endpoint = await startSilent();
    const ids = Array.from({ length: 12 }, (_, n) => instanceId(n + 1));
    const config = parseConfig(configFor(endpoint, ids, { limits: {} }));
    const { summary } = await run(config, {}, fastDeps(undefined, undefined, { requestTimeoutMs: 200 }));
    // Attempts one at a time while the keys are unproven: the third without an answer opens the breaker.
    expect(requests).toBe(3);
    for (const instance of summary.instances) {
      expect(instance.error?.message).toContain(endpoint);
      expect(instance.error?.message).toMatch(/no answer from \S+ within 200 ms/);
    }
    expect(summary.ok).toBe(false);
  });

  it('doctor against it ends fast: no check waits past its limit, nothing claims an undocumented answer', async () => {
    const endpoint = await startSilent();
    const ids = Array.from({ length: 12 }, (_, n) => instanceId(n + 1));
    const report = await runDoctor(parseConfig(configFor(endpoint, ids)), accounts(), {
      probeDelete: true,
      configSource: 'test',
      onLambda: false,
      tuning: { requestTimeoutMs: 200 },
    });
    expect(report.ok).toBe(false);
    expect(report.checks.find((check) => check.check === 'endpoint')?.detail).toMatch(/no answer from/);
    expect(report.checks.every((check) => !check.detail.includes('does not document'))).toBe(true);
    expect(Math.max(...report.checks.map((check) => check.durationMs))).toBeLessThan(1_500);
  });
});

describe('files are checked before the first request and never block', () => {
  const cli = (args: string[]) => runMain(['run', ...args, '--log-format', 'json']);

  for (const [what, make, pattern] of [
    ['a directory', (path: string) => mkdirOf(path), /is not a regular file \(a directory\)/],
    ['a path ending in /', (path: string) => `${path}/`, /ends in "\/"/],
    ['a FIFO', (path: string) => mkfifo(path), /is not a regular file \(a FIFO\)/],
    ['a device', () => '/dev/null', /is not a regular file \(a device\)/],
  ] as const) {
    it(`--metrics-file naming ${what}: exit 2, nothing sent`, async () => {
      simulator = await startSimulator();
      seed(simulator, A, tasks(2, { ageDays: 10 }));
      const config = join(dir, `config-${what.replaceAll(/\W/g, '')}.json`);
      writeFileSync(config, JSON.stringify(configFor(simulator.endpoint, [A])));
      const base = join(dir, `metrics-${what.replaceAll(/\W/g, '')}`);
      const path = (make(base) as string | undefined) ?? base;
      const result = await cli(['--config', config, '--metrics-file', path]);
      expect(result.code).toBe(2);
      expect(said(result.stderr)).toMatch(pattern);
      expect(simulator.requests).toEqual([]);
    });
  }

  it('SIGTERM ends the process within 15 s whatever the network does; a second signal ends it at once', async () => {
    simulator = await startSimulator();
    seed(simulator, A, tasks(3, { ageDays: 10 }));
    simulator.inject({ method: 'DELETE', fault: { type: 'hang' } });
    const config = join(dir, 'config-signal.json');
    writeFileSync(config, JSON.stringify(configFor(simulator.endpoint, [A])));
    const start = () => {
      const child = spawn(process.execPath, [BUILT_CLI, 'run', '--config', config, '--log-format', 'json'], {
        env: { ...CREDENTIALS_ENV, PATH: process.env.PATH },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      return { child, exited };
    };
    const waitForDelete = async () => {
      while (!simulator.requests.some((request) => request.method === 'DELETE')) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const twice = start();
    await waitForDelete();
    twice.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = Date.now();
    twice.child.kill('SIGTERM');
    expect(await twice.exited).toBe(143);
    expect(Date.now() - second).toBeLessThan(2_000);
  });
});

function mkdirOf(path: string): string {
  mkdirSync(path);
  return path;
}

function mkfifo(path: string): string {
  execFileSync('mkfifo', [path]);
  return path;
}

describe('signatures and tokens in server text are redacted', () => {
  it('a server that echoes the Authorization header and the token in error_msg: none of it is written', async () => {
    simulator = await startSimulator({
      credentials: [{ ...CREDENTIALS, securityToken: 'token-0123456789abcdef' }],
    });
    seed(simulator, A, tasks(1, { ageDays: 10 }));
    // The simulator does not know the request's signature in advance: it echoes a real one's shape.
    const signature = 'a1'.repeat(32);
    simulator.inject({
      method: 'DELETE',
      fault: {
        type: 'status',
        status: 400,
        errorCode: 'DCS.4999',
        message: `bad request: Authorization: SDK-HMAC-SHA256 Access=${CREDENTIALS.ak}, SignedHeaders=host;x-sdk-date, Signature=${signature} token=token-0123456789abcdef`,
      },
    });
    const config = join(dir, 'config-echo.json');
    writeFileSync(config, JSON.stringify(configFor(simulator.endpoint, [A])));
    const { code, stdout, stderr } = await runMain(['run', '--config', config, '--json'], {
      ...CREDENTIALS_ENV,
      CLOUD_SDK_SECURITY_TOKEN: 'token-0123456789abcdef',
    });
    expect(code).toBe(1);
    const output = stdout + stderr;
    expect(output).toContain('bad request: Authorization: SDK-HMAC-SHA256 [REDACTED]');
    for (const secret of [signature, 'token-0123456789abcdef', CREDENTIALS.sk, 'SignedHeaders']) {
      expect(output).not.toContain(secret);
    }
  });
});

describe('doctor reads dates strictly', () => {
  for (const date of ['1', '0', '2026']) {
    it(`Date: ${date} is no readable Date header; a real 401 is then the keys', not the clock`, async () => {
      simulator = await startSimulator({ dateHeader: date });
      seed(simulator, A, tasks(1, { ageDays: 10 }));
      simulator.inject({
        operation: 'list-instances',
        fault: { type: 'status', status: 401, errorCode: 'APIGW.0301' },
      });
      const report = await runDoctor(parseConfig(configFor(simulator.endpoint, [A])), accounts(), {
        probeDelete: false,
        configSource: 'test',
        onLambda: false,
      });
      expect(report.checks.find((check) => check.check === 'clock')).toMatchObject({
        status: 'warn',
        detail: expect.stringContaining('no readable Date header'),
      });
      const account = report.checks.find((check) => check.check === 'account');
      expect(account?.detail).toContain('AK/SK not accepted');
      expect(account?.detail).not.toMatch(/clock/);
    });
  }

  it('an instance both configured and discovered is checked and probed once', async () => {
    simulator = await startSimulator();
    simulator.addInstance(PROJECT, A, tasks(1, { ageDays: 10 }), { tags: { team: 'a' } });
    const config = parseConfig({
      ...configFor(simulator.endpoint, [A]),
      fleets: [
        { region: 'cn-north-4', projectId: PROJECT, endpoint: simulator.endpoint, tags: { team: 'a' } },
      ],
    });
    const report = await runDoctor(config, accounts(), {
      probeDelete: true,
      configSource: 'test',
      onLambda: false,
    });
    expect(report.checks.filter((check) => check.check === 'instance')).toHaveLength(1);
    expect(report.checks.filter((check) => check.check === 'delete-right')).toHaveLength(1);
    expect(simulator.requests.filter((request) => request.method === 'DELETE')).toHaveLength(1);
  });
});

describe('redaction works on values, not on serialised text', () => {
  it('an SK with a quote and a backslash, echoed by the server in a task name, is in no JSON line or summary', async () => {
    const sk = 'quote"and\\backslash-secret-0123';
    simulator = await startSimulator({ credentials: [{ ak: CREDENTIALS.ak, sk }] });
    seed(simulator, A, []);
    simulator.addRawTasks(PROJECT, A, [record(taskId(1), { name: `name ${sk}` })]);
    simulator.inject({ method: 'DELETE', fault: { type: 'status', status: 403, errorCode: 'DCS.1001' } });
    const config = join(dir, 'config-quote.json');
    writeFileSync(config, JSON.stringify(configFor(simulator.endpoint, [A])));
    const { code, stdout, stderr } = await runMain(
      ['run', '--config', config, '--json', '--log-format', 'json'],
      {
        CLOUD_SDK_AK: CREDENTIALS.ak,
        CLOUD_SDK_SK: sk,
      },
    );
    expect(code).toBe(1);
    const summary = JSON.parse(stdout);
    expect(summary.instances[0].failures[0].taskName).toBe('name [REDACTED]');
    const output = stdout + stderr;
    // Neither the SK as it is nor as JSON escapes it.
    for (const form of [sk, JSON.stringify(sk).slice(1, -1), 'backslash-secret']) {
      expect(output).not.toContain(form);
    }
  });
});
