// `doctor` (docs/doctor.md): read-only checks against the simulator over signed HTTP, each diagnosis as an
// operator sees it, the --json document, and the Lambda's {"doctor": true} through the built bundle.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import type { DoctorReport } from '../src/doctor/doctor.js';
import type { DcsSimulator, SimulatorOptions } from '../src/simulator/server.js';
import {
  CREDENTIALS,
  CREDENTIALS_ENV,
  capture,
  configFor,
  instanceId,
  PROJECT,
  said,
  seed,
  startSimulator,
  tasks,
} from './helpers.js';

const A = instanceId(1);
const B = instanceId(2);
const MISSING = instanceId(9);
let simulator: DcsSimulator;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dcs-doctor-'));
});
afterEach(async () => simulator?.stop());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A simulator with two instances (one of them in a fleet) and the config that names them. */
async function account(options: SimulatorOptions = {}, ids = [A]) {
  simulator = await startSimulator(options);
  seed(simulator, A, tasks(5, { ageDays: 10 }));
  simulator.addInstance(PROJECT, B, tasks(3, { ageDays: 10, first: 10 }), { tags: { team: 'a' } });
  const config = {
    ...configFor(simulator.endpoint, ids),
    fleets: [{ region: 'cn-north-4', projectId: PROJECT, endpoint: simulator.endpoint, tags: { team: 'a' } }],
  };
  const path = join(dir, `config-${Math.random()}.json`);
  writeFileSync(path, JSON.stringify(config));
  return path;
}

async function doctor(args: string[], env: Record<string, string | undefined> = CREDENTIALS_ENV) {
  const [stdout, stderr] = [capture(), capture()];
  const code = await main(['doctor', ...args], { stdout: stdout.stream, stderr: stderr.stream, env });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const lines = (text: string) => text.trim().split('\n');
const signed = () => simulator.requests.filter((request) => request.ak !== null);

describe('doctor on the command line', () => {
  it('a healthy account: every check ok but the long-lived key’s WARN, exit 0, no DELETE sent', async () => {
    const config = await account();
    const before = simulator.tasks(PROJECT, A).length;
    const { code, stdout } = await doctor(['--config', config]);
    expect(code).toBe(0);
    const shown = lines(stdout);
    const checkLines = shown.filter((line) => !line.startsWith(' '));
    expect(checkLines.slice(0, 7).map((line) => line.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'ok config',
      'WARN credentials',
      'ok endpoint',
      'ok clock',
      'ok account',
      'ok fleet',
      'ok instance',
    ]);
    expect(stdout).toMatch(
      /^ok {6}instance .*\(cn-north-4\): task list: HTTP 200, task_count 5, first page 5 record\(s\) parsed, 0 ignored$/m,
    );
    expect(stdout).toMatch(/^ok {6}fleet fleets\[0\] .*: discovery selects 1 RUNNING instance\(s\)/m);
    expect(stdout).toMatch(/^skipped delete-right every instance: not checked: --probe-delete/m);
    expect(stdout).toMatch(
      /^WARN {4}credentials account default: long-lived key: a temporary source is safer$/m,
    );
    expect(stdout).toMatch(/^ok: \d+ checks, 0 failed, 1 warnings, 1 skipped; nothing was deleted$/m);
    expect(simulator.requests.filter((request) => request.method === 'DELETE')).toEqual([]);
    expect(simulator.tasks(PROJECT, A)).toHaveLength(before);
  });

  it('--probe-delete: exactly one DELETE per instance, of an id it does not have; nothing deleted', async () => {
    const config = await account();
    const before = [simulator.tasks(PROJECT, A).length, simulator.tasks(PROJECT, B).length];
    const { code, stdout } = await doctor(['--config', config, '--probe-delete']);
    expect(code).toBe(0);
    const deletes = simulator.requests.filter((request) => request.method === 'DELETE');
    expect(deletes.map((request) => request.instanceId).sort()).toEqual([A, B]);
    for (const request of deletes) expect(request.taskId).toMatch(/^[0-9a-f]{32}$/);
    expect(deletes.map((request) => request.status)).toEqual([404, 404]);
    expect([simulator.tasks(PROJECT, A).length, simulator.tasks(PROJECT, B).length]).toEqual(before);
    expect(stdout).toMatch(
      /^ok {6}delete-right .*: the right to delete is there: DELETE of a task that does not exist answers 404 DCS\.4001/m,
    );
  });

  it('a clock 20 minutes off: FAIL names the clock, not the keys', async () => {
    const config = await account({ now: () => Date.now() + 20 * 60_000 });
    const { code, stdout } = await doctor(['--config', config]);
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /^FAIL {4}clock .*this machine's clock is 20 min behind the server's; signatures are refused past 15 min$/m,
    );
    expect(stdout).toMatch(
      /^FAIL {4}account .*401 APIGW\.0303.*\(the clock: this machine's clock is 20 min behind the server's; the keys were not judged\)$/m,
    );
    expect(stdout).not.toMatch(/AK\/SK not accepted/);
    expect(stdout).toMatch(/fix: Set this machine's clock right/);
    // One signed request: the keys' later checks are skipped.
    expect(signed()).toHaveLength(1);
    expect(stdout).toMatch(
      /^skipped instance .*: account "default" was refused for the clock: set it right first$/m,
    );
    expect(stdout).not.toMatch(/keys of account "default" were refused/);
  });

  it('a wrong SK: FAIL names the keys; one signed request, never retried', async () => {
    const config = await account();
    const { code, stdout } = await doctor(['--config', config], {
      ...CREDENTIALS_ENV,
      CLOUD_SDK_SK: 'wrong-secret-key',
    });
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /^FAIL {4}account .*401 APIGW\.0301: Incorrect IAM authentication information: signature mismatch \(AK\/SK not accepted\)$/m,
    );
    expect(stdout).toMatch(/fix: Check the AK and SK of account "default" \(and the security token/);
    expect(stdout).toMatch(/^ok {6}clock /m);
    expect(signed()).toHaveLength(1);
    expect(stdout).not.toContain('wrong-secret-key');
  });

  it.each([
    ['list', 'list-instances', 'account', 'dcs:instance:list'],
    ['tasks', 'list-tasks', 'instance', 'dcs:instance:getBackgroundTask'],
    ['delete', 'delete-task', 'delete-right', 'dcs:instance:deleteBackgroundTask'],
  ] as const)('--deny %s: FAIL names the IAM action', async (_, operation, check, action) => {
    const config = await account({ deny: [operation] });
    const { code, stdout } = await doctor(['--config', config, '--probe-delete']);
    expect(code).toBe(1);
    expect(stdout).toMatch(
      new RegExp(`^FAIL {4}${check} .*403 DCS\\.1001: .*\\(the access key lacks ${action}\\)$`, 'm'),
    );
    expect(stdout).toMatch(
      new RegExp(`fix: Grant ${action} to the IAM user of account "default" in project ${PROJECT}`),
    );
    expect(stdout).not.toMatch(/dcs:instance:delete\b(?!Background)/);
  });

  it('a missing instance: FAIL says which id to check', async () => {
    const config = await account({}, [A, MISSING]);
    const { code, stdout } = await doctor(['--config', config]);
    expect(code).toBe(1);
    expect(stdout).toMatch(
      new RegExp(
        `^FAIL {4}instance ${MISSING} .*404 DCS\\.3022: The instance does not exist\\. \\(instance not found\\)$`,
        'm',
      ),
    );
    expect(stdout).toMatch(new RegExp(`fix: Check the instanceId ${MISSING}, then the projectId ${PROJECT}`));
    expect(stdout).toMatch(new RegExp(`^ok {6}instance ${A} `, 'm'));
  });

  it('an unreachable endpoint: FAIL names the host and the egress; its later checks are skipped', async () => {
    const config = await account();
    await simulator.stop();
    const host = new URL(simulator.endpoint).host;
    const { code, stdout } = await doctor(['--config', config]);
    expect(code).toBe(1);
    expect(stdout).toMatch(
      new RegExp(`^FAIL {4}endpoint .*: no answer from ${host}: network error: ECONNREFUSED`, 'm'),
    );
    expect(stdout).toMatch(
      new RegExp(`fix: Check the endpoint; this host needs outbound HTTPS \\(443\\) to ${host}`),
    );
    expect(stdout).toMatch(/^skipped account .*unreachable$/m);
  });

  it('--json: one document with every check; no secret anywhere', async () => {
    const config = await account();
    const { code, stdout, stderr } = await doctor(['--config', config, '--json', '--probe-delete']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as DoctorReport;
    expect(report.ok).toBe(true);
    expect(report.checks.map((check) => check.check)).toEqual([
      'config',
      'credentials',
      'endpoint',
      'clock',
      'account',
      'fleet',
      'instance',
      'delete-right',
      'instance',
      'delete-right',
    ]);
    for (const check of report.checks.filter((c: { check: string }) => c.check !== 'credentials')) {
      expect(Object.keys(check).sort()).toEqual(['check', 'detail', 'durationMs', 'status', 'target']);
      expect(check.status).toBe('ok');
    }
    for (const text of [stdout, stderr]) {
      expect(text).not.toContain(CREDENTIALS.sk);
      for (const request of simulator.requests)
        if (request.signature) expect(text).not.toContain(request.signature);
    }
  });

  it('a bad config or missing credentials: exit 2, nothing sent', async () => {
    const config = await account();
    expect((await doctor(['--config', config], {})).code).toBe(2);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"dryRun": true, "colour": 1}');
    const result = await doctor(['--config', bad]);
    expect(result.code).toBe(2);
    expect(said(result.stderr)).toMatch(/colour: unknown key/);
    expect(simulator.requests).toEqual([]);
  });
});

describe('doctor in the deployed function', () => {
  const BUNDLE = pathToFileURL(join(import.meta.dirname, '..', 'dist', 'handler.js')).href;
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('{"doctor": true, "probeDelete": true} returns the report; no cleanup runs, no secret in it', async () => {
    await account();
    process.env.CLEANUP_CONFIG = JSON.stringify(configFor(simulator.endpoint, [A]));
    process.env.CLOUD_SDK_AK = CREDENTIALS.ak;
    process.env.CLOUD_SDK_SK = CREDENTIALS.sk;
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    const { handler } = await import(`${BUNDLE}?doctor=${Date.now()}`);
    const context = {
      functionName: 'dcs-task-cleanup',
      getRemainingTimeInMillis: () => 60_000,
    } as unknown as Context;
    const report = (await handler({ doctor: true, probeDelete: true }, context)) as DoctorReport;
    expect(report.ok).toBe(true);
    expect(
      report.checks.filter((check) => check.check === 'delete-right').map((check) => check.status),
    ).toEqual(['ok']);
    expect(simulator.tasks(PROJECT, A)).toHaveLength(5);
    expect(simulator.requests.filter((request) => request.method === 'DELETE')).toHaveLength(1);
    expect(JSON.stringify(report)).not.toContain(CREDENTIALS.sk);
    await expect(handler({ doctor: true, dryRun: true }, context)).rejects.toThrow(/dryRun: unknown key/);
    await expect(handler({ doctor: false }, context)).rejects.toThrow(/doctor: must be true/);
  });
});

describe('doctor counts every warning and names each check once', () => {
  it('a credentials file readable by others is a WARN check: counted, and kept in --json', async () => {
    const config = await account();
    const credentials = join(dir, `credentials-${Math.random()}.json`);
    writeFileSync(credentials, JSON.stringify({ accounts: { default: CREDENTIALS } }), { mode: 0o644 });
    chmodSync(credentials, 0o644);
    const text = await doctor(['--config', config, '--credentials', credentials], {});
    expect(text.stdout).toMatch(
      /^WARN {4}credentials .*: the credentials file is readable by group or others: chmod 600 it$/m,
    );
    // The file's mode and the long-lived key.
    expect(text.stdout).toMatch(/, 2 warnings, /);
    expect(text.stdout).not.toMatch(/\b(account account|instance instance)\b/);
    const json = JSON.parse(
      (await doctor(['--config', config, '--credentials', credentials, '--json'], {})).stdout,
    );
    expect(json.checks[0]).toMatchObject({ check: 'credentials', status: 'warn' });
  });
});
