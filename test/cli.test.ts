import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseCommand } from '../src/cli/args.js';
import { main } from '../src/cli/main.js';
import type { DcsSimulator } from '../src/simulator/server.js';
import {
  BUILT_CLI,
  CREDENTIALS,
  CREDENTIALS_ENV,
  capture,
  configFor,
  instanceId,
  PROJECT,
  said,
  seed,
  startSimulator,
  taskId,
  tasks,
} from './helpers.js';

const run = promisify(execFile);
const TOKEN = 'session-token-abcdef+/=';
const ENV = CREDENTIALS_ENV;

let simulator: DcsSimulator;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dcs-cli-'));
});
afterEach(async () => simulator?.stop());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeConfig(value: unknown, name = 'config.json'): string {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

async function cli(argv: string[], env: Record<string, string | undefined> = ENV) {
  const stdout = capture();
  const stderr = capture();
  const code = await main(argv, { stdout: stdout.stream, stderr: stderr.stream, env });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

async function fleet(count = 2) {
  simulator = await startSimulator();
  const ids = Array.from({ length: count }, (_, i) => instanceId(i + 1));
  ids.forEach((id, i) => {
    seed(simulator, id, [
      ...tasks(3, { ageDays: 10, first: i * 10 }),
      ...tasks(2, { ageDays: 2, first: i * 10 + 5 }),
    ]);
  });
  return { ids, path: writeConfig(configFor(simulator.endpoint, ids)) };
}

describe('cli run', () => {
  it('--json prints exactly one RunSummary on stdout and only JSON lines on stderr', async () => {
    const { path } = await fleet();
    const { code, stdout, stderr } = await cli(['run', '--config', path, '--json']);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(Object.keys(summary)).toEqual([
      'runId',
      'dryRun',
      'startedAt',
      'finishedAt',
      'complete',
      'ok',
      'status',
      'totals',
      'instances',
      'fleets',
    ]);
    expect(Object.keys(summary.instances[0])).toEqual([
      'instanceId',
      'projectId',
      'region',
      'account',
      'source',
      'listed',
      'ignored',
      'stale',
      'deleted',
      'alreadyGone',
      'wouldDelete',
      'skipped',
      'deferred',
      'failed',
      'failures',
    ]);
    expect(summary.fleets).toEqual([]);
    expect(summary.totals).toEqual({
      listed: 10,
      ignored: 0,
      stale: 6,
      deleted: 6,
      alreadyGone: 0,
      wouldDelete: 0,
      skipped: 0,
      deferred: 0,
      failed: 0,
    });
    expect(summary.instances[0].failures).toEqual([]);
    const lines = stderr.trim().split('\n');
    const records = lines.map((line) => JSON.parse(line));
    expect(records.filter((r) => r.outcome)).toHaveLength(6);
    expect(records.every((r) => typeof r.level === 'string' && typeof r.timestamp === 'string')).toBe(true);
  });

  it('prints a readable table without --json, and exits 1 when something failed', async () => {
    const { path } = await fleet();
    simulator.inject({
      method: 'DELETE',
      taskId: taskId(0),
      fault: { type: 'status', status: 403, errorCode: 'DCS.4003' },
    });
    const { code, stdout } = await cli(['run', '--config', path]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/NOT OK/);
    expect(stdout).toMatch(/instance\s+region\s+listed\s+stale\s+deleted/);
    expect(stdout).toContain(`${taskId(0)} EXTEND: 403 DCS.4003`);
  });

  it('--dry-run overrides the file, --instance narrows, --older-than replaces the age', async () => {
    const { ids, path } = await fleet();
    const { code, stdout } = await cli([
      'run',
      '--config',
      path,
      '--dry-run',
      '--instance',
      ids[1] as string,
      '--older-than',
      '36h',
      '--json',
    ]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary.dryRun).toBe(true);
    expect(summary.instances.map((i: { instanceId: string }) => i.instanceId)).toEqual([ids[1]]);
    expect(summary.totals).toMatchObject({ stale: 5, wouldDelete: 5 });
    expect(simulator.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
  });

  it('--no-dry-run overrides a dry-run file', async () => {
    const { ids } = await fleet(1);
    const path = writeConfig({ ...configFor(simulator.endpoint, ids), dryRun: true }, 'dry.json');
    const { stdout } = await cli(['run', '--config', path, '--no-dry-run', '--json']);
    expect(JSON.parse(stdout).totals.deleted).toBe(3);
  });

  it('--time-budget sets a budget that a small run fits in', async () => {
    const { path } = await fleet(1);
    const { code, stdout, stderr } = await cli(['run', '--config', path, '--time-budget', '10m', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).complete).toBe(true);
    expect(JSON.parse(stderr.split('\n')[0] ?? '')).toMatchObject({
      message: 'run started',
      timeBudgetMs: 600_000,
    });
  });

  it('never prints the secret key, the security token or a signature', async () => {
    const temporary = {
      ak: 'AKTEMPORARY000000001',
      sk: 'temporary-secret-key-0123456789',
      securityToken: TOKEN,
    };
    simulator = await startSimulator({ credentials: [temporary] });
    seed(simulator, instanceId(1), tasks(3, { ageDays: 10 }));
    simulator.inject({
      method: 'DELETE',
      taskId: taskId(1),
      fault: { type: 'status', status: 500, message: `echo ${temporary.sk}` },
    });
    // A task name is the server's text too: one that carries the key fails, so it reaches every summary.
    const leaky = {
      id: 'leaky0001',
      name: `name-${temporary.sk}`,
      status: 'SUCCESS',
      created_at: '2024-01-01T00:00:00Z',
    };
    simulator.addRawTasks(PROJECT, instanceId(1), [leaky]);
    simulator.inject({ method: 'DELETE', taskId: leaky.id, fault: { type: 'status', status: 403 } });
    const path = writeConfig(configFor(simulator.endpoint, [instanceId(1)], { limits: { maxAttempts: 1 } }));
    const env = { CLOUD_SDK_AK: temporary.ak, CLOUD_SDK_SK: temporary.sk, CLOUD_SDK_SECURITY_TOKEN: TOKEN };
    const outputs = [
      await cli(['run', '--config', path, '--json'], env),
      await cli(['run', '--config', path], env),
    ];
    expect(outputs.every(({ stdout }) => stdout.includes('name-[REDACTED]'))).toBe(true);
    const signatures = simulator.requests.map((r) => r.signature).filter((s): s is string => s !== null);
    expect(signatures.length).toBeGreaterThan(3);
    for (const { stdout, stderr } of outputs) {
      for (const secret of [temporary.sk, TOKEN, ...signatures]) {
        expect(stdout).not.toContain(secret);
        expect(stderr).not.toContain(secret);
      }
      expect(`${stdout}${stderr}`).not.toMatch(/SDK-HMAC-SHA256|Signature=/);
    }
  });
});

describe('cli bad input: exit 2, the field named, no request sent', () => {
  it.each<
    [string, (path: string, id: string) => string[], Record<string, string | undefined> | undefined, RegExp]
  >([
    [
      'unknown instance',
      (p) => ['run', '--config', p, '--instance', instanceId(99)],
      undefined,
      /--instance: "e2a3b1c0-1111-4222-8333-000000000099" is neither in "instances" nor discovered/,
    ],
    [
      'age under 1h',
      (p) => ['run', '--config', p, '--older-than', '30m'],
      undefined,
      /--older-than: "30m" is out of range/,
    ],
    ['bad age', (p) => ['run', '--config', p, '--older-than', 'soon'], undefined, /--older-than/],
    ['bad budget', (p) => ['run', '--config', p, '--time-budget', '10s'], undefined, /--time-budget/],
    [
      'both dry-run flags',
      (p) => ['run', '--config', p, '--dry-run', '--no-dry-run'],
      undefined,
      /--dry-run: cannot be combined/,
    ],
    ['unknown flag', (p) => ['run', '--config', p, '--force'], undefined, /--force: unknown option/],
    [
      'flag of another command',
      (p) => ['validate', '--config', p, '--dry-run'],
      undefined,
      /--dry-run: is not an option of validate/,
    ],
    ['missing --config', () => ['run'], undefined, /--config: is required/],
    ['unknown command', () => ['purge'], undefined, /unknown command "purge"/],
    ['no command', () => [], undefined, /command: missing/],
    ['missing SK', (p) => ['run', '--config', p], { CLOUD_SDK_AK: 'x' }, /CLOUD_SDK_SK: is not set/],
    ['missing AK', (p) => ['run', '--config', p], { CLOUD_SDK_SK: 'x' }, /CLOUD_SDK_AK: is not set/],
    [
      'missing file',
      () => ['run', '--config', '/nonexistent/config.json'],
      undefined,
      /--config: cannot read/,
    ],
  ])('%s', async (_name, argv, env, message) => {
    const { path, ids } = await fleet(1);
    const { code, stdout, stderr } = await cli(argv(path, ids[0] as string), env ?? ENV);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(said(stderr)).toMatch(message);
    expect(simulator.requests).toHaveLength(0);
  });

  it('a bad config file names each field', async () => {
    simulator = await startSimulator();
    const path = writeConfig({
      dryRun: true,
      instances: [{ region: 'cn-north-4', projectId: 'x', instanceId: 'y', colour: 1 }],
    });
    const { code, stderr } = await cli(['run', '--config', path]);
    expect(code).toBe(2);
    expect(said(stderr)).toContain('instances[0].projectId: must be 32 hex characters');
    expect(said(stderr)).toContain('instances[0].instanceId: must be a UUID');
    expect(said(stderr)).toContain('instances[0].colour: unknown key');
    expect(simulator.requests).toHaveLength(0);
  });

  it('with --json, a bad input is reported as a JSON log line', async () => {
    const { path } = await fleet(1);
    const { code, stdout, stderr } = await cli(['run', '--config', path, '--older-than', '1m', '--json']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(JSON.parse(stderr)).toMatchObject({ level: 'ERROR', issues: [{ path: '--older-than' }] });
  });
});

describe('cli fleets and accounts', () => {
  const OTHER = 'fedcba9876543210fedcba9876543210';
  const PROD = { ak: 'AKPRODUCTION00000001', sk: 'prod-secret-key-0123456789abcdefgh' };

  function writeCredentials(value: unknown, mode = 0o600, name = 'credentials.json'): string {
    const path = join(dir, name);
    writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
    chmodSync(path, mode);
    return path;
  }

  async function estate() {
    simulator = await startSimulator({ credentials: [CREDENTIALS, PROD] });
    simulator.assignProject(OTHER, PROD.ak);
    simulator.addInstance(PROJECT, instanceId(1), tasks(2, { ageDays: 10 }), { name: 'redis-a' });
    simulator.addInstance(OTHER, instanceId(2), tasks(3, { ageDays: 10, first: 10 }), { name: 'redis-b' });
    simulator.addInstance(OTHER, instanceId(3), tasks(1, { ageDays: 10, first: 20 }), { name: 'redis-c' });
    return writeConfig(
      {
        dryRun: false,
        defaults: { olderThan: '7d' },
        limits: { concurrency: 4, requestsPerSecond: 1000, maxAttempts: 2 },
        instances: [
          {
            region: 'cn-north-4',
            projectId: PROJECT,
            instanceId: instanceId(1),
            endpoint: simulator.endpoint,
          },
        ],
        fleets: [
          { region: 'cn-north-4', projectId: OTHER, endpoint: simulator.endpoint, account: 'prod', tags: {} },
        ],
      },
      'estate.json',
    );
  }

  /** `run` over the estate with the prod account's credentials file, then `extra`. */
  async function runEstate(...extra: string[]) {
    const credentials = writeCredentials({ accounts: { prod: PROD } });
    return cli(['run', '--config', await estate(), '--credentials', credentials, ...extra]);
  }

  it('cleans instances and fleets with each account’s credentials from the environment and the file', async () => {
    const { code, stdout, stderr } = await runEstate('--json');
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary.totals).toMatchObject({ deleted: 6, failed: 0 });
    expect(summary.fleets).toEqual([
      { region: 'cn-north-4', projectId: OTHER, account: 'prod', matched: 2, notRunning: 0, ignored: 0 },
    ]);
    expect(
      summary.instances.map((i: { source: string; account: string }) => `${i.source}/${i.account}`),
    ).toEqual(['config/default', 'fleet/prod', 'fleet/prod']);
    expect(stderr).not.toContain(PROD.sk);
    expect(stderr).not.toMatch(/readable by group or others/);
  });

  it('redacts every account’s secret, not only the default one', async () => {
    simulator = await startSimulator({ credentials: [CREDENTIALS, PROD] });
    simulator.addInstance(OTHER, instanceId(2), tasks(2, { ageDays: 10 }));
    simulator.inject({
      method: 'DELETE',
      fault: { type: 'status', status: 500, message: `echo ${PROD.sk}` },
    });
    const config = writeConfig(
      {
        dryRun: false,
        defaults: { olderThan: '7d' },
        limits: { maxAttempts: 1 },
        instances: [
          {
            region: 'cn-north-4',
            projectId: OTHER,
            instanceId: instanceId(2),
            endpoint: simulator.endpoint,
            account: 'prod',
          },
        ],
      },
      'prod-only.json',
    );
    const credentials = writeCredentials({ accounts: { prod: PROD } });
    for (const format of [['--json'], []]) {
      const { code, stdout, stderr } = await cli([
        'run',
        '--config',
        config,
        '--credentials',
        credentials,
        ...format,
      ]);
      expect(code).toBe(1);
      expect(`${stdout}${stderr}`).not.toContain(PROD.sk);
      expect(`${stdout}${stderr}`).toContain('echo [REDACTED]');
    }
  });

  it('--instance may name a discovered instance', async () => {
    const { code, stdout } = await runEstate('--instance', instanceId(3), '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout).instances.map((i: { instanceId: string }) => i.instanceId)).toEqual([
      instanceId(3),
    ]);
    expect(simulator.requests.filter((r) => r.operation === 'delete-task').map((r) => r.instanceId)).toEqual([
      instanceId(3),
    ]);
  });

  it('an --instance that is neither configured nor discovered: exit 2 after discovery, no task listed', async () => {
    const { code, stdout, stderr } = await runEstate('--instance', instanceId(9));
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(said(stderr)).toMatch(
      /--instance: "e2a3b1c0-1111-4222-8333-000000000009" is neither in "instances" nor discovered/,
    );
    expect(simulator.requests.map((request) => request.operation)).toEqual(['list-instances']);
  });

  it('warns when the credentials file is readable by group or others', async () => {
    const config = await estate();
    const credentials = writeCredentials({ accounts: { prod: PROD } }, 0o644);
    const { code, stderr } = await cli(['run', '--config', config, '--credentials', credentials, '--json']);
    expect(code).toBe(0);
    const warning = stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .find((record) => record.level === 'WARN');
    expect(warning).toMatchObject({
      message: expect.stringMatching(/readable by group or others/),
      path: credentials,
      mode: '0644',
    });
  });

  it.each<[string, () => Promise<string[]>, RegExp]>([
    [
      'an account the config uses has no credentials',
      async () => ['run', '--config', await estate()],
      /--credentials: is needed: the config uses account "prod"/,
    ],
    [
      'the credentials file lacks an account the config uses',
      async () => [
        'run',
        '--config',
        await estate(),
        '--credentials',
        writeCredentials({ accounts: { staging: PROD } }),
      ],
      /--credentials: has no account "prod", which the config uses/,
    ],
    [
      'the credentials file is not JSON (and is not quoted)',
      async () => [
        'run',
        '--config',
        await estate(),
        '--credentials',
        writeCredentials(`{"accounts": {"prod": {"sk": "${PROD.sk}"`),
      ],
      /--credentials: .*credentials.json must be JSON \{"accounts"/,
    ],
    [
      'a credentials entry misses its ak',
      async () => [
        'run',
        '--config',
        await estate(),
        '--credentials',
        writeCredentials({ accounts: { prod: { sk: PROD.sk } } }),
      ],
      /accounts\.prod\.ak is required/,
    ],
    [
      'a bad account name in the credentials file',
      async () => [
        'run',
        '--config',
        await estate(),
        '--credentials',
        writeCredentials({ accounts: { Prod: PROD } }),
      ],
      /accounts\.Prod account names are a lower-case letter/,
    ],
    [
      'the credentials file is missing',
      async () => ['run', '--config', await estate(), '--credentials', join(dir, 'nope.json')],
      /--credentials: cannot read .*nope.json: ENOENT/,
    ],
  ])('%s: exit 2, no request', async (_name, argv, message) => {
    const { code, stdout, stderr } = await cli(await argv());
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(said(stderr)).toMatch(message);
    expect(stderr).not.toContain(PROD.sk);
    expect(simulator.requests).toHaveLength(0);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['no tags', {}, 'fleets[0].tags: is required'],
    ['a bad glob', { tags: {}, names: ['redis-[0-9]'] }, 'fleets[0].names[0]: must be a glob pattern'],
    [
      'an account name of the wrong form',
      { tags: {}, account: 'Prod_EU' },
      'fleets[0].account: must be an account name',
    ],
  ])('a fleet with %s: exit 2 naming the field, no request', async (_name, patch, message) => {
    simulator = await startSimulator();
    const config = writeConfig(
      {
        dryRun: true,
        fleets: [{ region: 'cn-north-4', projectId: PROJECT, endpoint: simulator.endpoint, ...patch }],
      },
      'bad-fleet.json',
    );
    const { code, stderr } = await cli(['run', '--config', config]);
    expect(code).toBe(2);
    expect(said(stderr)).toContain(message);
    expect(simulator.requests).toHaveLength(0);
  });

  it('--json keeps every failure, however many', async () => {
    simulator = await startSimulator();
    seed(simulator, instanceId(1), tasks(150, { ageDays: 10 }));
    simulator.inject({ method: 'DELETE', fault: { type: 'status', status: 403, errorCode: 'DCS.4003' } });
    const path = writeConfig(configFor(simulator.endpoint, [instanceId(1)]), 'many-failures.json');
    const { code, stdout } = await cli(['run', '--config', path, '--json']);
    expect(code).toBe(1);
    const instance = JSON.parse(stdout).instances[0];
    expect(instance.failures).toHaveLength(150);
    expect(instance.failuresTruncated).toBeUndefined();
  });
});

describe('cli validate', () => {
  it('exits 0 for a valid file and 2 with paths for an invalid one', async () => {
    const good = writeConfig(
      configFor('https://dcs.cn-north-4.myhuaweicloud.com', [instanceId(1)]),
      'good.json',
    );
    expect(await cli(['validate', '--config', good])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('is valid'),
    });
    const bad = writeConfig('{"dryRun": true, "instances": [{"region": "cn-north-4"}]}', 'bad.json');
    const result = await cli(['validate', '--config', bad]);
    expect(result.code).toBe(2);
    expect(said(result.stderr)).toContain('instances[0].projectId: is required');
    const broken = writeConfig('{"dryRun": tru', 'broken.json');
    expect(await cli(['validate', '--config', broken])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('not valid JSON'),
    });
  });
});

describe('built BUILT_CLI (dist/cli.js)', () => {
  it('runs with plain node against the simulator', async () => {
    const { path } = await fleet(1);
    const { stdout } = await run('node', [BUILT_CLI, 'run', '--config', path, '--json'], {
      env: { ...process.env, ...ENV },
    });
    expect(JSON.parse(stdout).totals.deleted).toBe(3);
    expect(simulator.tasks(PROJECT, instanceId(1))).toHaveLength(2);
  });

  it('exits 2 on bad input', async () => {
    const failure = await run('node', [BUILT_CLI, 'run', '--config', '/nonexistent.json'], {
      env: { ...process.env, ...ENV },
    }).catch((e) => e);
    expect(failure.code).toBe(2);
  });

  it('simulate runs the demo cleanup and exits 0', async () => {
    const { stdout, stderr } = await run('node', [BUILT_CLI, 'simulate', '--json'], {
      env: { ...process.env, CLOUD_SDK_AK: '', CLOUD_SDK_SK: '' },
    });
    const summary = JSON.parse(stdout);
    expect(summary.totals.deleted).toBeGreaterThan(300);
    expect(summary.ok).toBe(true);
    expect(
      stderr
        .trim()
        .split('\n')
        .every((line) => JSON.parse(line)),
    ).toBe(true);
  }, 60_000);
});

describe('arguments as the help writes them', () => {
  it('--clock-skew -20m: a negative value as its own argument', () => {
    for (const args of [['--clock-skew', '-20m'], ['--clock-skew=-20m']]) {
      expect(parseCommand(['simulate', '--serve', ...args])).toMatchObject({
        name: 'serve',
        clockSkewMs: -1_200_000,
      });
    }
    expect(parseCommand(['simulate', '--serve', '--clock-skew', '20m'])).toMatchObject({
      clockSkewMs: 1_200_000,
    });
  });
});

describe('simulate --serve --credential-lifetime', () => {
  it('takes 2 s to 12 h in s, m or h; anything else names the flag', () => {
    expect(parseCommand(['simulate', '--serve', '--credential-lifetime', '90s'])).toMatchObject({
      credentialLifetimeMs: 90_000,
    });
    expect(parseCommand(['simulate', '--serve'])).toMatchObject({ credentialLifetimeMs: undefined });
    for (const value of ['1s', '13h', '5d', 'soon'])
      expect(() => parseCommand(['simulate', '--serve', '--credential-lifetime', value])).toThrow(
        /--credential-lifetime: ".*" is not a lifetime from 2s to 12h/,
      );
    expect(() => parseCommand(['simulate', '--credential-lifetime', '90s'])).toThrow(/goes with --serve/);
  });
});

describe('--config -', () => {
  it('reads the config from standard input, for validate and run', async () => {
    const { path } = await fleet(1);
    const text = readFileSync(path, 'utf8');
    const withStdin = async (argv: string[]) => {
      const [stdout, stderr] = [capture(), capture()];
      const code = await main(argv, {
        stdin: Readable.from([Buffer.from(text)]),
        stdout: stdout.stream,
        stderr: stderr.stream,
        env: ENV,
      });
      return { code, stdout: stdout.text(), stderr: stderr.text() };
    };
    const valid = await withStdin(['validate', '--config', '-']);
    expect(valid).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^standard input is valid: 1 instance/),
    });
    const ran = await withStdin(['run', '--config', '-', '--json']);
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout).totals.deleted).toBe(3);
  });
});
