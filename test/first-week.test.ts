// The operator's first week (docs/cli.md, README): a deploy that cannot ship a broken function, a simulator
// to point at, clean stops on signals, help and version, narrow terminals and plain streams, an installable
// package.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HELP_WIDTH } from '../src/cli/help.js';
import type { DcsSimulator } from '../src/simulator/server.js';
import {
  BUILT_CLI,
  CREDENTIALS_ENV,
  configFor,
  freshClone,
  instanceId,
  ROOT,
  said,
  seed,
  startSimulator,
  taskId,
  tasks,
} from './helpers.js';

const execute = promisify(execFile);
const VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
const A = instanceId(1);

let dir: string;
let simulator: DcsSimulator | undefined;
const children: ChildProcess[] = [];
let clone: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dcs-first-week-'));
  // A fresh clone (no dist/): packaging and npm pack build there, not in the tree other tests run from.
  clone = freshClone(join(dir, 'clone'));
});
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await simulator?.stop();
  simulator = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The built CLI as its own process; resolves with its exit code and output. */
async function cli(args: string[], env: Record<string, string> = {}) {
  const result = await execute(process.execPath, [BUILT_CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...env },
  }).catch((error: { code: number; stdout: string; stderr: string }) => error);
  return { code: 'code' in result ? result.code : 0, stdout: result.stdout, stderr: result.stderr };
}

/** A CLI process whose output is collected as it comes. */
function started(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [BUILT_CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const output = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk) => {
    output.stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output.stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return { child, output, exited };
}

async function until(condition: () => boolean, what: string, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('deploy guard: osls package in a fresh clone without a build', () => {
  const OSLS = join(ROOT, 'node_modules', '.bin', 'osls');

  async function packageWith(params: string[]) {
    const out = join(dir, `package-${params.join('-').replace(/\W+/g, '_')}`);
    return execute(
      OSLS,
      ['package', '--stage', 'prod', '--package', out, ...params.map((p) => `--param=${p}`)],
      {
        cwd: clone,
        env: { ...process.env, AWS_ACCESS_KEY_ID: 'offline', AWS_SECRET_ACCESS_KEY: 'offline' },
        timeout: 120_000,
      },
    )
      .then((result) => ({ code: 0, output: result.stdout + result.stderr, out }))
      .catch((error: { code: number; stdout: string; stderr: string }) => ({
        code: error.code,
        output: error.stdout + error.stderr,
        out,
      }));
  }

  it('builds the bundle itself: the zip holds the handler and the config, at the path the function reads', async () => {
    expect(existsSync(join(clone, 'dist'))).toBe(false);
    const { code, out, output } = await packageWith([]);
    expect(code).toBe(0);
    expect(output).toContain('infra/config/cleanup.json is valid');
    const { stdout } = await execute('unzip', ['-Z1', join(out, 'dcs-task-cleanup.zip')]);
    expect(stdout.split('\n')).toEqual(
      expect.arrayContaining(['dist/handler.js', 'infra/config/cleanup.json']),
    );
    const template = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8'));
    const fn = Object.values(template.Resources as Record<string, { Type: string; Properties: never }>).find(
      (resource) => resource.Type === 'AWS::Lambda::Function',
    ) as { Properties: { Environment: { Variables: Record<string, string> } } };
    expect(fn.Properties.Environment.Variables.CLEANUP_CONFIG_PATH).toBe('infra/config/cleanup.json');
  }, 120_000);

  it('refuses an invalid config with the messages of validate', async () => {
    writeFileSync(
      join(clone, 'infra/config/bad.json'),
      JSON.stringify({ dryRun: true, colour: 1, instances: [] }),
    );
    const { code, output } = await packageWith(['configFile=infra/config/bad.json']);
    expect(code).not.toBe(0);
    expect(output).toContain('configFile infra/config/bad.json is not valid');
    expect(output).toContain('colour: unknown key');
    expect(output).not.toContain('Service packaged');
  }, 120_000);

  it.each([
    ['missing', 'infra/config/nope.json', /does not exist/],
    ['outside the service directory (absolute)', '/etc/hostname', /outside the service directory/],
    ['outside the service directory (relative)', '../cleanup.json', /outside the service directory/],
  ])(
    'refuses a config file %s',
    async (_name, file, message) => {
      const { code, output } = await packageWith([`configFile=${file}`]);
      expect(code).not.toBe(0);
      expect(output).toMatch(message);
      expect(output).not.toContain('Service packaged');
    },
    120_000,
  );
});

describe('simulate --serve', () => {
  it('prints what a config needs first, and its files work for a real run; SIGTERM stops it with exit 0', async () => {
    const server = started(['simulate', '--serve', '--seed', '7'], {});
    await until(() => /^credentials +\S+/m.test(server.output.stdout), 'the printed files');
    const first = server.output.stdout.split('\n').slice(0, 5);
    expect(first.map((line) => line.split(/ +/)[0])).toEqual(['endpoint', 'AK', 'SK', 'project', 'region']);
    const config = /^config +(\S+)/m.exec(server.output.stdout)?.[1] as string;
    const credentials = /^credentials +(\S+)/m.exec(server.output.stdout)?.[1] as string;
    const ids = [...server.output.stdout.matchAll(/^instance id +(\S+)/gm)].map((match) => match[1]);
    expect(ids).toHaveLength(3);

    const dry = await cli(['run', '--config', config, '--credentials', credentials, '--json']);
    expect(dry.code).toBe(0);
    const drySummary = JSON.parse(dry.stdout);
    expect(drySummary).toMatchObject({ dryRun: true, ok: true });
    expect(drySummary.totals.wouldDelete).toBeGreaterThan(0);
    const real = await cli([
      'run',
      '--config',
      config,
      '--credentials',
      credentials,
      '--no-dry-run',
      '--json',
    ]);
    expect(JSON.parse(real.stdout).totals.deleted).toBe(drySummary.totals.wouldDelete);
    // Keyless: the same fleet with temporary credentials from the simulator's OIDC issuer and IAM STS.
    const keyless = /^keyless +(\S+)/m.exec(server.output.stdout)?.[1] as string;
    const doctor = await cli(['doctor', '--config', keyless, '--json']);
    const checks = JSON.parse(doctor.stdout).checks as { check: string; status: string; detail: string }[];
    expect(checks.find((check) => check.check === 'credentials')).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/^temporary, from oidc: expire at /),
    });
    expect(doctor.code).toBe(0);

    server.child.kill('SIGTERM');
    const { code } = await server.exited;
    expect(code).toBe(0);
    expect(existsSync(config)).toBe(false);
  }, 30_000);
});

describe('signals during a run', () => {
  async function slowFleet(latencyMs: number) {
    simulator = await startSimulator({ latencyMs });
    seed(simulator, A, tasks(200, { ageDays: 10 }));
    seed(simulator, instanceId(2), tasks(50, { ageDays: 10, first: 1000 }));
    const path = join(dir, `slow-${latencyMs}.json`);
    writeFileSync(
      path,
      JSON.stringify(
        configFor(simulator.endpoint, [A, instanceId(2)], {
          limits: { concurrency: 2, requestsPerSecond: 1000, maxAttempts: 3 },
        }),
      ),
    );
    return path;
  }
  const deletesDone = () =>
    simulator?.requests.filter(
      (request) => request.method === 'DELETE' && request.status >= 200 && request.status < 300,
    ).length ?? 0;

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)(
    '%s: exit %i in time, complete false, the rest deferred, every delete in the summary',
    async (signal, exit) => {
      const config = await slowFleet(100);
      const run = started(['run', '--config', config, '--json'], CREDENTIALS_ENV);
      await until(() => deletesDone() >= 5, 'some deletes');
      const sentAt = Date.now();
      run.child.kill(signal);
      const { code, at } = await run.exited;
      expect(code).toBe(exit);
      expect(at - sentAt).toBeLessThan(15_000);
      const summary = JSON.parse(run.output.stdout);
      expect(summary.complete).toBe(false);
      expect(summary.totals.deleted).toBe(deletesDone());
      expect(summary.totals.deferred).toBeGreaterThan(0);
      const records = run.output.stderr
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(records.filter((record) => record.reason === 'interrupted').length).toBeGreaterThan(0);
      expect(records.at(-1)).toMatchObject({ message: 'run finished', incompleteBecause: signal });
    },
    30_000,
  );

  it('SIGTERM: the summary’s first line says why the run is incomplete', async () => {
    const config = await slowFleet(100);
    const run = started(['run', '--config', config], CREDENTIALS_ENV);
    await until(() => deletesDone() >= 3, 'some deletes');
    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(143);
    expect(run.output.stdout.split('\n')[0]).toMatch(/^INCOMPLETE \(SIGTERM\) · run [0-9a-f-]{36}$/);
  }, 30_000);

  it('a second signal exits at once', async () => {
    const config = await slowFleet(4_000);
    const run = started(['run', '--config', config, '--json'], CREDENTIALS_ENV);
    await until(() => (simulator?.requests.length ?? 0) >= 1, 'a request in flight');
    run.child.kill('SIGTERM');
    await until(() => run.output.stderr.includes('SIGTERM: stopping'), 'the first signal taken');
    const secondAt = Date.now();
    run.child.kill('SIGTERM');
    const { code, at } = await run.exited;
    expect(code).toBe(143);
    expect(at - secondAt).toBeLessThan(1_000);
  }, 30_000);
});

describe('help, version and usage errors', () => {
  it('--version prints the package version, which is the CHANGELOG’s newest section, dated', async () => {
    expect(await cli(['--version'])).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
    const changelog = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8');
    const newest = /^## (.+)$/m.exec(changelog)?.[1];
    expect(newest).toMatch(new RegExp(`^${VERSION.replaceAll('.', '\\.')} — \\d{4}-\\d{2}-\\d{2}$`));
  });

  it.each([[[]], [['run']], [['validate']], [['doctor']], [['simulate']]])(
    '%j --help: every flag described on one line, within 80 columns',
    async (command) => {
      const { code, stdout } = await cli([...command, '--help']);
      expect(code).toBe(0);
      const lines = stdout.split('\n');
      expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(HELP_WIDTH);
      const flagLines = lines.filter((line) => /^ {2}(-\w, )?--[a-z]/.test(line));
      // Each flag's line carries its description (no flag alone on its line).
      for (const line of flagLines) expect(line.trim()).toMatch(/^(-\w, )?--[\w-]+( [A-Z]+)? {2,}\S/);
      if (command[0] === 'run') expect(flagLines).toHaveLength(14);
    },
  );

  it('a mistyped flag: one line naming it, with a suggestion and a pointer to --help; exit 2', async () => {
    const text = await cli(['run', '--config', 'x.json', '--dryrun', '--log-format', 'pretty']);
    expect(text.code).toBe(2);
    expect(text.stdout).toBe('');
    expect(text.stderr).toBe(
      "dcs-task-cleanup: --dryrun: unknown option (did you mean --dry-run?); see 'dcs-task-cleanup run --help'\n",
    );
    // Not a terminal, no --log-format: stderr is one JSON record, `bad input` with the field.
    const { code, stderr } = await cli(['run', '--config', 'x.json', '--dryrun']);
    expect(code).toBe(2);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      level: 'ERROR',
      message: 'bad input',
      issues: [{ path: '--dryrun', message: 'unknown option (did you mean --dry-run?)' }],
    });
  });

  it('a config error prints its issues without the usage text', async () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ dryRun: true, instances: [{ region: 'cn-north-4' }] }));
    const { code, stderr } = await cli(['validate', '--config', path]);
    expect(code).toBe(2);
    expect(said(stderr)).toContain('instances[0].projectId: is required');
    expect(stderr).not.toMatch(/Usage|--help/);
  });
});

describe('narrow terminals and plain streams', () => {
  async function failingRun(dryRun = false) {
    simulator = await startSimulator();
    seed(simulator, A, tasks(3, { ageDays: 10 }));
    simulator.inject({
      method: 'DELETE',
      taskId: taskId(1),
      fault: { type: 'status', status: 400, errorCode: 'DCS.4800', message: 'a long message '.repeat(12) },
    });
    const path = join(dir, 'failing.json');
    writeFileSync(path, JSON.stringify({ ...configFor(simulator.endpoint, [A]), dryRun }));
    return path;
  }

  it('--log-format pretty into a file: one line per record, so grep finds a failed task with its status', async () => {
    const { code, stderr, stdout } = await cli(
      ['run', '--config', await failingRun(), '--log-format', 'pretty'],
      CREDENTIALS_ENV,
    );
    expect(code).toBe(1);
    const failed = stderr.split('\n').filter((line) => line.includes(taskId(1)));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(/^FAILED .* 400 DCS\.4800 .*a long message/);
    expect(stdout.split('\n')[0]).toMatch(/^NOT OK · run /);
  });

  it('the outcome is the first word of the summary line, dry run included, within 80 columns', async () => {
    const { stdout } = await cli(['run', '--config', await failingRun(true)], CREDENTIALS_ENV);
    expect(stdout.split('\n')[0]).toMatch(/^ok \(dry run: nothing deleted\) · run [0-9a-f-]{36}$/);
    expect(stdout.split('\n')[0]?.length).toBeLessThanOrEqual(80);
  });

  it('TERM=dumb on a terminal: no escape sequence at all', async () => {
    const config = await failingRun();
    const command = `stty cols 80 rows 60; exec node ${BUILT_CLI} run --config ${config}`;
    const result = await execute('script', ['-qec', command, '/dev/null'], {
      env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), TERM: 'dumb', ...CREDENTIALS_ENV },
    }).catch((error: { stdout: string }) => error);
    expect(result.stdout).toContain('FAILED');
    expect(result.stdout).not.toContain('\x1b');
  });
});

describe('installable package', () => {
  it('npm pack ships dist, schema, README, LICENSE and CHANGELOG, nothing of test/ or bench/; the installed bin runs', async () => {
    const packDir = join(dir, 'pack');
    mkdirSync(packDir);
    const { stdout } = await execute('npm', ['pack', '--json', '--pack-destination', packDir], {
      cwd: clone,
      timeout: 120_000,
    });
    const [pack] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    const files = (pack?.files ?? []).map((file) => file.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/cli.js',
        'dist/handler.js',
        'schema/cleanup.schema.json',
        'README.md',
        'LICENSE',
        'CHANGELOG.md',
        'package.json',
        // The installed README's links resolve: the docs and the recipes ship with it.
        'docs/safety.md',
        'docs/cli.md',
        'deploy/systemd/dcs-task-cleanup.service',
        'deploy/cron/dcs-task-cleanup-cron',
      ]),
    );
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const linked = [...readme.matchAll(/\]\(((?:docs|deploy)\/[^)#]+)\)/g)].map((match) =>
      (match[1] as string).replace(/\/$/, ''),
    );
    for (const link of linked)
      expect(files.some((file) => file === link || file.startsWith(`${link}/`))).toBe(true);
    expect(files.filter((file) => /^(test|bench|src)\/|bench\.js/.test(file))).toEqual([]);
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(
      /Apache License\s+Version 2\.0, January 2004/,
    );

    const prefix = join(dir, 'prefix');
    await execute(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--no-audit',
        '--no-fund',
        join(packDir, pack?.filename as string),
      ],
      {
        timeout: 120_000,
      },
    );
    const bin = join(prefix, 'bin', 'dcs-task-cleanup');
    expect((await execute(bin, ['--version'])).stdout).toBe(`${VERSION}\n`);
    const { stdout: valid } = await execute(bin, [
      'validate',
      '--config',
      join(ROOT, 'infra/config/cleanup.json'),
    ]);
    expect(valid).toContain('is valid');
  }, 180_000);
});

describe('architecture', () => {
  it('no file under src/ is over 300 lines', () => {
    const long = readdirSync(join(ROOT, 'src'), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
      .map((entry) => join(entry.parentPath, entry.name))
      .filter((path) => readFileSync(path, 'utf8').split('\n').length > 301);
    expect(long).toEqual([]);
  });
});
