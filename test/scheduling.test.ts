// The scheduler recipes as shipped (deploy/, Dockerfile): systemd units verified by systemd itself, the
// cron wrapper run for real against the simulator, the Kubernetes manifest and the Dockerfile parsed and
// held to docs/scheduling.md, and the CLI on a read-only root file system.
import { execFile, spawn } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseDuration } from '../src/config/duration.js';
import type { DcsSimulator } from '../src/simulator/server.js';
import {
  BUILT_CLI,
  CREDENTIALS,
  configFor,
  instanceId,
  PROJECT,
  ROOT,
  said,
  seed,
  startSimulator,
  tasks,
} from './helpers.js';

const execute = promisify(execFile);
const A = instanceId(1);
let dir: string;
let simulator: DcsSimulator;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dcs-scheduling-'));
});
afterEach(async () => simulator?.stop());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `[Section]` → key → values (a key may repeat). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const line of text.split('\n')) {
    const section = /^\[(\w+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1] as string, current);
    }
    const entry = /^(\w+)=(.*)$/.exec(line);
    if (entry && current)
      current.set(entry[1] as string, [...(current.get(entry[1] as string) ?? []), entry[2] as string]);
  }
  return sections;
}

const SYSTEMD = join(ROOT, 'deploy', 'systemd');
const hasSystemd = existsSync('/usr/lib/systemd/system/sysinit.target') && (await which('systemd-analyze'));

async function which(command: string): Promise<boolean> {
  return execute('sh', ['-c', `command -v ${command}`]).then(
    () => true,
    () => false,
  );
}

/** A root with the host's systemd units, ours, and the CLI in `bin` (where npm install -g puts it), if any. */
function systemdRoot(units: Record<string, string>, bin: string | null = 'usr/local/bin'): string {
  const root = mkdtempSync(join(dir, 'root-'));
  mkdirSync(join(root, 'usr/lib/systemd'), { recursive: true });
  cpSync('/usr/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true });
  if (bin) {
    mkdirSync(join(root, bin), { recursive: true });
    cpSync(BUILT_CLI, join(root, bin, 'dcs-task-cleanup'));
    chmodSync(join(root, bin, 'dcs-task-cleanup'), 0o755);
  }
  mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
  for (const [name, text] of Object.entries(units))
    writeFileSync(join(root, 'etc/systemd/system', name), text);
  return root;
}

async function verify(root: string, names: string[]) {
  const files = names.map((name) => join(root, 'etc/systemd/system', name));
  return execute('systemd-analyze', ['verify', `--root=${root}`, ...files]).then(
    ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      output: error.stdout + error.stderr,
    }),
  );
}

describe('systemd', () => {
  const service = readFileSync(join(SYSTEMD, 'dcs-task-cleanup.service'), 'utf8');
  const timer = readFileSync(join(SYSTEMD, 'dcs-task-cleanup.timer'), 'utf8');

  it.skipIf(!hasSystemd)(
    'systemd-analyze verify passes with the CLI in /usr/bin (Debian’s nodejs) and in /usr/local/bin, and fails without it (skipped only where systemd is absent)',
    async () => {
      for (const bin of ['usr/bin', 'usr/local/bin']) {
        const root = systemdRoot(
          { 'dcs-task-cleanup.service': service, 'dcs-task-cleanup.timer': timer },
          bin,
        );
        const shipped = await verify(root, ['dcs-task-cleanup.service', 'dcs-task-cleanup.timer']);
        expect(shipped).toEqual({ code: 0, output: '' });
      }
      const missing = systemdRoot({ 'dcs-task-cleanup.service': service }, null);
      const result = await verify(missing, ['dcs-task-cleanup.service']);
      expect(result.code).not.toBe(0);
      expect(result.output).toContain('Command dcs-task-cleanup is not executable');
    },
  );

  it.skipIf(!hasSystemd)(
    'systemd-analyze security --offline=yes: an exposure of 2.0 or less (skipped only where systemd is absent)',
    async () => {
      const root = mkdtempSync(join(dir, 'security-'));
      writeFileSync(join(root, 'dcs-task-cleanup.service'), service);
      const { stdout } = await execute('systemd-analyze', [
        'security',
        '--offline=yes',
        join(root, 'dcs-task-cleanup.service'),
      ]);
      const exposure = Number(
        /Overall exposure level for dcs-task-cleanup\.service: ([\d.]+)/.exec(stdout)?.[1],
      );
      expect(exposure).toBeLessThanOrEqual(2.0);
    },
  );

  it('the service: oneshot, its own user, keys by LoadCredential=, optional metrics, hardening, a stop timeout above the grace', () => {
    const unit = parseUnit(service).get('Service') as Map<string, string[]>;
    // Exit 3 is a partial run: not a failed unit.
    expect(unit.get('SuccessExitStatus')).toEqual(['3']);
    const one = (key: string) => unit.get(key)?.[0];
    expect(one('Type')).toBe('oneshot');
    expect(one('User') ?? one('DynamicUser')).toBeTruthy();
    expect(one('User')).not.toBe('root');
    expect(service).not.toMatch(/^\w+=.*#/m);
    expect([one('NoNewPrivileges'), one('ProtectSystem'), one('ProtectHome'), one('PrivateTmp')]).toEqual([
      'yes',
      'strict',
      'yes',
      'yes',
    ]);
    // The CLI stops within 15 s of SIGTERM (in-flight requests have a 10 s timeout).
    expect(Number(one('TimeoutStopSec')?.replace(/s$/, ''))).toBeGreaterThan(15);
    const exec = one('ExecStart') ?? '';
    // A bare name: systemd finds the CLI wherever npm put it (/usr/bin or /usr/local/bin).
    expect(exec.startsWith('dcs-task-cleanup run ')).toBe(true);
    // The keys by LoadCredential=, never the environment; metrics optional.
    expect(one('LoadCredential')).toBe('credentials.json:/etc/dcs-task-cleanup/credentials.json');
    expect(exec).toContain(`--credentials \${CREDENTIALS_DIRECTORY}/credentials.json`);
    expect(unit.get('EnvironmentFile')).toBeUndefined();
    expect(unit.get('Environment')).toEqual([
      'DCS_TASK_CLEANUP_METRICS=/var/lib/prometheus/node-exporter/dcs-task-cleanup.prom',
    ]);
    expect(unit.get('ReadWritePaths')).toEqual(['-/var/lib/prometheus/node-exporter']);
  });

  it.skipIf(!hasSystemd)(
    'the timer: persistent, spread, installable; its period is longer than the run’s budget (skipped only where systemd is absent)',
    async () => {
      const parsed = parseUnit(timer);
      const section = parsed.get('Timer') as Map<string, string[]>;
      expect(section.get('Persistent')).toEqual(['true']);
      expect(section.get('RandomizedDelaySec')?.[0]).toBeTruthy();
      expect(parsed.get('Install')?.get('WantedBy')).toEqual(['timers.target']);
      const calendar = section.get('OnCalendar')?.[0] as string;
      const { stdout } = await execute('systemd-analyze', ['calendar', '--iterations=2', calendar], {
        env: { ...process.env, TZ: 'UTC' },
      });
      const [first, second] = [...stdout.matchAll(/(?:Next elapse|Iter\. #2): \w+ (\S+ \S+) UTC/g)].map((m) =>
        Date.parse(`${m[1]}Z`),
      );
      const periodMs = (second as number) - (first as number);
      const budget = /--time-budget (\S+)/.exec(
        parseUnit(service).get('Service')?.get('ExecStart')?.[0] ?? '',
      )?.[1];
      expect(parseDuration(budget as string)).toBeLessThan(periodMs);
      expect(periodMs).toBe(86_400_000);
    },
  );
});

describe('cron', () => {
  const WRAPPER = join(ROOT, 'deploy', 'cron', 'dcs-task-cleanup-cron');

  /** A PATH where the CLI is found as `dcs-task-cleanup` (as npm install -g puts it) beside node. */
  function installed(): string {
    const bin = mkdtempSync(join(dir, 'bin-'));
    symlinkSync(BUILT_CLI, join(bin, 'dcs-task-cleanup'));
    return `${bin}:${dirname(process.execPath)}:/usr/bin:/bin`;
  }

  async function setup(latencyMs = 0, config?: unknown) {
    simulator = await startSimulator({ latencyMs });
    seed(simulator, A, tasks(6, { ageDays: 10 }));
    const work = mkdtempSync(join(dir, 'cron-'));
    const files = {
      config: join(work, 'cleanup.json'),
      env: join(work, 'env'),
      metrics: join(work, 'dcs-task-cleanup.prom'),
    };
    writeFileSync(files.config, JSON.stringify(config ?? configFor(simulator.endpoint, [A])));
    writeFileSync(files.env, `CLOUD_SDK_AK=${CREDENTIALS.ak}\nCLOUD_SDK_SK=${CREDENTIALS.sk}\n`, {
      mode: 0o600,
    });
    // What cron gives a job: little more than HOME, SHELL and a short PATH.
    const env = {
      HOME: work,
      SHELL: '/bin/sh',
      PATH: '/usr/bin:/bin',
      DCS_TASK_CLEANUP_PATH: installed(),
      DCS_TASK_CLEANUP_CONFIG: files.config,
      DCS_TASK_CLEANUP_ENV: files.env,
      DCS_TASK_CLEANUP_METRICS: files.metrics,
    };
    return { files, env };
  }

  function start(env: Record<string, string>) {
    const child = spawn(WRAPPER, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      child.on('close', (code) => resolve({ code, stdout, stderr })),
    );
    return { child, done };
  }

  /** Every process's command line, as `ps` shows them to any user of the host. */
  function commandLines(): string[] {
    return readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .map((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        } catch {
          return '';
        }
      });
  }

  it('runs the CLI with the credentials file, and no process’s arguments carry the SK during the run', async () => {
    const { env, files } = await setup(300);
    const run = start(env);
    const seen: string[][] = [];
    while (run.child.exitCode === null) {
      seen.push(commandLines());
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const result = await run.done;
    expect(result.code).toBe(0);
    const during = seen.flat();
    expect(during.some((line) => line.includes('dcs-task-cleanup run --config'))).toBe(true);
    expect(during.filter((line) => line.includes(CREDENTIALS.sk) || line.includes(CREDENTIALS.ak))).toEqual(
      [],
    );
    expect(simulator.requests.filter((request) => request.method === 'DELETE')).toHaveLength(6);
    expect(readFileSync(files.metrics, 'utf8')).toMatch(/^dcs_task_cleanup_deleted_total 6$/m);
    // The log file gets JSON lines only: the human table stays out of it.
    expect(result.stdout).toBe('');
    expect(
      result.stderr
        .split('\n')
        .filter(Boolean)
        .every((line) => JSON.parse(line).level),
    ).toBe(true);
  });

  it('passes the CLI’s exit code through: 1 when a delete fails, 2 for a bad config', async () => {
    const { env } = await setup();
    simulator.inject({ method: 'DELETE', fault: { type: 'status', status: 403, errorCode: 'DCS.1001' } });
    expect((await start(env).done).code).toBe(1);
    writeFileSync(env.DCS_TASK_CLEANUP_CONFIG, '{"dryRun": true, "colour": 1}');
    const bad = await start(env).done;
    expect(bad.code).toBe(2);
    expect(said(bad.stderr)).toContain('colour: unknown key');
  });

  it('reads the env file as data: an SK with $, quotes, spaces, ; and backticks reaches the CLI unchanged, runs nothing', async () => {
    const { env, files } = await setup();
    const marker = join(dir, 'pwned');
    const sk = `S$HOME'"; touch ${marker}; \`touch ${marker}\` $(touch ${marker}) \\x`;
    const ak = 'AKDATA0000000000000A';
    simulator.addCredentials({ ak, sk });
    simulator.assignProject(PROJECT, ak);
    writeFileSync(files.env, `# keys\n\nCLOUD_SDK_AK="${ak}"\nCLOUD_SDK_SK=${sk}\n`, { mode: 0o600 });
    const result = await start(env).done;
    expect(result.code).toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect(simulator.requests.filter((request) => request.method === 'DELETE')).toHaveLength(6);
    expect(simulator.requests.every((request) => request.ak === ak)).toBe(true);
  });

  it('a malformed env file line is an error naming its number, never its value', async () => {
    const { env, files } = await setup();
    writeFileSync(files.env, `CLOUD_SDK_AK=${CREDENTIALS.ak}\n${CREDENTIALS.sk}\n`, { mode: 0o600 });
    const result = await start(env).done;
    expect(result.code).toBe(2);
    expect(said(result.stderr)).toContain('line 2 is not KEY=value');
    expect(result.stderr).not.toContain(CREDENTIALS.sk);
    expect(simulator.requests).toEqual([]);
  });

  it('without node_exporter’s directory it still cleans, with one WARN; an empty setting turns metrics off', async () => {
    const { env, files } = await setup();
    const absent = join(dirname(files.metrics), 'no-node-exporter', 'dcs-task-cleanup.prom');
    const missing = await start({ ...env, DCS_TASK_CLEANUP_METRICS: absent }).done;
    expect(missing.code).toBe(0);
    expect(simulator.requests.filter((request) => request.method === 'DELETE')).toHaveLength(6);
    const warnings = missing.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((record) => record.level === 'WARN');
    expect(warnings).toEqual([
      expect.objectContaining({ message: 'metrics not written: their directory is missing' }),
    ]);
    seed(simulator, A, tasks(2, { ageDays: 10, first: 50 }));
    const off = await start({ ...env, DCS_TASK_CLEANUP_METRICS: '' }).done;
    expect(off.code).toBe(0);
    expect(off.stderr).not.toContain('"level":"WARN"');
    expect(existsSync(files.metrics)).toBe(false);
  });

  it('a second start while a run goes exits 75 without running', async () => {
    const { env } = await setup(300);
    const first = start(env);
    while (!simulator.requests.length) await new Promise((resolve) => setTimeout(resolve, 20));
    const before = simulator.requests.length;
    const second = await start(env).done;
    expect(second.code).toBe(75);
    expect(said(second.stderr)).toContain('is still going; this one does not start');
    expect((await first.done).code).toBe(0);
    // Only the first run's requests: a listing and 6 deletes.
    expect(before).toBeGreaterThan(0);
    expect(simulator.requests).toHaveLength(7);
  });
});

describe('Kubernetes', () => {
  const manifest = parseYaml(readFileSync(join(ROOT, 'deploy', 'kubernetes', 'cronjob.yaml'), 'utf8'));
  const job = manifest.spec.jobTemplate.spec;
  const pod = job.template.spec;
  const [container] = pod.containers;

  it('a CronJob that never overlaps and outlasts the run’s budget, with a grace period for SIGTERM', () => {
    expect(manifest).toMatchObject({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      spec: { concurrencyPolicy: 'Forbid' },
    });
    const budget = parseDuration(container.args[container.args.indexOf('--time-budget') + 1]) as number;
    expect(job.activeDeadlineSeconds * 1000).toBeGreaterThan(budget);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
    expect(pod.restartPolicy).toBe('Never');
  });

  it('runs as non-root on a read-only root file system, without privilege escalation or capabilities', () => {
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(container.securityContext).toEqual({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.resources.requests).toMatchObject({
      cpu: expect.any(String),
      memory: expect.any(String),
    });
    expect(container.resources.limits).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
  });

  it('credentials from a Secret, the config from a ConfigMap, created by the README’s commands', () => {
    const secret = (name: string) =>
      container.env.find((entry: { name: string }) => entry.name === name)?.valueFrom?.secretKeyRef;
    expect(secret('CLOUD_SDK_AK')).toEqual({ name: 'dcs-task-cleanup-credentials', key: 'CLOUD_SDK_AK' });
    expect(secret('CLOUD_SDK_SK')).toEqual({ name: 'dcs-task-cleanup-credentials', key: 'CLOUD_SDK_SK' });
    expect(container.env.every((entry: { value?: string }) => entry.value === undefined)).toBe(true);
    const volume = pod.volumes.find((entry: { name: string }) => entry.name === 'config');
    expect(volume.configMap.name).toBe('dcs-task-cleanup-config');
    expect(container.args.slice(0, 3)).toEqual(['run', '--config', '/config/cleanup.json']);
    // A partial run (the budget left work, nothing failed) is a succeeded Job: no retry, no failed-job alert.
    expect(container.args[container.args.indexOf('--partial-exit-code') + 1]).toBe('0');
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('kubectl create secret generic dcs-task-cleanup-credentials --from-env-file=');
    expect(readme).toContain('kubectl create configmap dcs-task-cleanup-config --from-file=cleanup.json');
  });
});

describe('the container image', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  /** Instructions, continuation lines joined, comments left out. */
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.trim().split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
  const stages = instructions.reduce<{ from: string; steps: typeof instructions }[]>((list, step) => {
    if (step.keyword === 'FROM') list.push({ from: step.args, steps: [] });
    else list.at(-1)?.steps.push(step);
    return list;
  }, []);

  it('two stages on node:22-slim: the build packs the package, the image installs only that tarball', () => {
    expect(stages.map((stage) => stage.from)).toEqual(['node:22-slim AS build', 'node:22-slim']);
    const [build, image] = stages as [(typeof stages)[0], (typeof stages)[0]];
    const runs = (stage: typeof build) =>
      stage.steps.filter((step) => step.keyword === 'RUN').map((step) => step.args);
    expect(runs(build).join(' && ')).toMatch(/npm ci .*npm pack/);
    expect(image.steps.filter((step) => step.keyword === 'COPY').map((step) => step.args)).toEqual([
      '--from=build /tmp/dcs-task-cleanup.tgz /tmp/dcs-task-cleanup.tgz',
    ]);
    expect(runs(image).join(' ')).toMatch(/^npm install --global .*\/tmp\/dcs-task-cleanup\.tgz/);
  });

  it('runs as a non-root user with dcs-task-cleanup as its entrypoint', () => {
    const image = stages.at(-1)?.steps ?? [];
    const user = image.filter((step) => step.keyword === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user);
    expect(image.find((step) => step.keyword === 'ENTRYPOINT')?.args).toBe('["dcs-task-cleanup"]');
  });

  it('ships what npm pack ships: dist, schema, the documents and the recipes, nothing of test/, bench/ or src/', async () => {
    const { stdout } = await execute('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: ROOT,
    });
    const files = (JSON.parse(stdout)[0].files as { path: string }[]).map((file) => file.path);
    expect(files).toEqual(expect.arrayContaining(['dist/cli.js', 'dist/handler.js', 'README.md', 'LICENSE']));
    expect(files.filter((file) => /^(test|bench|src|infra)\//.test(file))).toEqual([]);
    // The installed README links to the docs and the recipes: they ship too.
    expect(files).toEqual(expect.arrayContaining(['docs/cli.md', 'deploy/systemd/dcs-task-cleanup.service']));
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git']));
  });
});

const canRemount = await execute('unshare', ['-m', '--propagation', 'private', 'true']).then(
  () => true,
  () => false,
);

describe('a read-only root file system', () => {
  it.skipIf(!canRemount)(
    'the CLI runs a cleanup writing nothing but stdout and stderr (skipped only where no mount namespace can be made)',
    async () => {
      simulator = await startSimulator();
      seed(simulator, A, tasks(4, { ageDays: 10 }));
      const config = join(dir, 'readonly.json');
      writeFileSync(config, JSON.stringify(configFor(simulator.endpoint, [A])));
      const script = [
        'mount -o remount,bind,ro / || exit 90',
        // The premise: nothing can be written, not even in /tmp or beside the config.
        `touch /tmp/probe 2>/dev/null && exit 91`,
        `touch ${join(dir, 'probe')} 2>/dev/null && exit 92`,
        `exec "${process.execPath}" "${BUILT_CLI}" run --config "${config}" --json`,
      ].join('\n');
      const { stdout } = await execute('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], {
        env: { ...process.env, CLOUD_SDK_AK: CREDENTIALS.ak, CLOUD_SDK_SK: CREDENTIALS.sk },
      });
      expect(JSON.parse(stdout)).toMatchObject({ ok: true, totals: { deleted: 4 } });
    },
  );
});
