// docs/scheduling.md, "Step by step, on a host", run as written: every shell block, in order, as root under a
// temporary root (overlays over the host's /usr, /etc and /var in a private mount namespace), with the real
// `npm install -g` of the packed tarball. Then what the blocks installed is used as its scheduler would use
// it: the units verified by systemd-analyze, the cron.d line run as its user with cron's environment
// against the simulator, the log rotated by logrotate.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DcsSimulator } from '../src/simulator/server.js';
import { CREDENTIALS, configFor, instanceId, PROJECT, ROOT, seed, startSimulator, tasks } from './helpers.js';

const execute = promisify(execFile);
const A = instanceId(1);
const DOCS = readFileSync(join(ROOT, 'docs', 'scheduling.md'), 'utf8');
const STEPS = DOCS.slice(DOCS.indexOf('## Step by step, on a host'), DOCS.indexOf('## Credentials'));
const BLOCKS = [...STEPS.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1] as string);

const OVERLAID = ['usr', 'etc', 'var'];
const canOverlay = await execute('unshare', ['-m', '--propagation', 'private', 'true']).then(
  () => true,
  () => false,
);
const hasTools = await execute('sh', [
  '-c',
  'command -v systemd-analyze && command -v logrotate && command -v runuser',
]).then(
  () => true,
  () => false,
);

let dir: string;
let simulator: DcsSimulator;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dcs-scheduling-docs-'));
});
afterAll(async () => {
  await simulator?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** What happens on the host after the docs' blocks, as a scheduler and an operator would do it. */
const AFTERWARDS = String.raw`
systemd-analyze verify /etc/systemd/system/dcs-task-cleanup.service /etc/systemd/system/dcs-task-cleanup.timer
test -L /etc/systemd/system/timers.target.wants/dcs-task-cleanup.timer
command -v dcs-task-cleanup >"$out/cli-path"
# The cron.d line as cron runs it: the named user, cron's bare environment, the command through /bin/sh.
line=$(grep -v '^#' /etc/cron.d/dcs-task-cleanup)
user=$(printf '%s\n' "$line" | awk '{print $6}')
command=$(printf '%s\n' "$line" | sed -E 's/^([^ ]+ +){6}//')
code=0
runuser -u "$user" -- env -i HOME=/ LOGNAME="$user" SHELL=/bin/sh PATH=/usr/bin:/bin /bin/sh -c "$command" || code=$?
echo "$code" >"$out/cron-exit"
cp /var/log/dcs-task-cleanup/cron.log "$out/cron.log"
stat -c '%U:%G %a' /etc/dcs-task-cleanup/env /etc/dcs-task-cleanup/credentials.json /var/log/dcs-task-cleanup >"$out/modes"
logrotate -f -s "$out/logrotate.state" /etc/logrotate.d/dcs-task-cleanup
ls /var/log/dcs-task-cleanup >"$out/rotated"
`;

describe('docs/scheduling.md step by step', () => {
  it('has the blocks this test runs: common steps, systemd, cron', () => {
    expect(BLOCKS).toHaveLength(3);
    expect(BLOCKS[0]).toContain('npm install -g');
    expect(BLOCKS[1]).toContain('systemctl enable --now dcs-task-cleanup.timer');
    expect(BLOCKS[2]).toContain('/etc/cron.d/dcs-task-cleanup');
  });

  it.skipIf(!canOverlay || !hasTools).each([
    ['with', 'mkdir -p /var/lib/prometheus/node-exporter'],
    ['without', 'rm -rf /var/lib/prometheus/node-exporter'],
  ])(
    'runs as written on a host whose npm prefix is /usr, %s node_exporter: the units verify, the cron line cleans, the log rotates (skipped only where no mount namespace can be made)',
    async (exporter, prepare) => {
      await simulator?.stop();
      simulator = await startSimulator();
      seed(simulator, A, tasks(5, { ageDays: 10 }));
      const root = mkdtempSync(join(dir, `${exporter}-`));
      const host = join(root, 'host');
      const out = join(root, 'out');
      for (const path of [host, out]) mkdirSync(path, { recursive: true });
      await execute('npm', ['pack', '--ignore-scripts', '--pack-destination', host], { cwd: ROOT });
      writeFileSync(join(host, 'cleanup.json'), JSON.stringify(configFor(simulator.endpoint, [A])));
      writeFileSync(join(host, 'credentials.json'), JSON.stringify({ accounts: { default: CREDENTIALS } }));
      writeFileSync(join(host, 'env'), `CLOUD_SDK_AK=${CREDENTIALS.ak}\nCLOUD_SDK_SK=${CREDENTIALS.sk}\n`);
      // systemd is not PID 1 here: daemon-reload has nothing to reload, and `enable --now` enables the
      // timer in the file system (systemctl --root), as systemd would before starting it.
      const shim = join(root, 'shim');
      mkdirSync(shim);
      writeFileSync(
        join(shim, 'systemctl'),
        [
          '#!/bin/sh',
          'case "$*" in',
          '  daemon-reload) exit 0 ;;',
          '  "enable --now "*) shift 2; exec /usr/bin/systemctl --root=/ enable "$@" ;;',
          '  *) echo "systemctl $*: not available in this test" >&2; exit 1 ;;',
          'esac',
          '',
        ].join('\n'),
        { mode: 0o755 },
      );
      const mounts = OVERLAID.map((top) => {
        for (const part of ['upper', 'work']) mkdirSync(join(root, `${part}-${top}`));
        return `mount -t overlay overlay -o lowerdir=/${top},upperdir=${root}/upper-${top},workdir=${root}/work-${top} /${top}`;
      });
      const script = [
        'set -eu',
        ...mounts,
        // node_exporter's textfile directory there or not, whatever this host has.
        prepare,
        `out=${out}`,
        `cd ${host}`,
        `PATH=${shim}:$PATH`,
        ...BLOCKS,
        AFTERWARDS,
      ].join('\n');
      await execute('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], {
        env: { ...process.env, npm_config_offline: 'true', npm_config_cache: join(root, 'npm-cache') },
      });

      // Debian's npm prefix: the CLI in /usr/bin, where the bare ExecStart finds it.
      expect(readFileSync(join(out, 'cli-path'), 'utf8').trim()).toBe('/usr/bin/dcs-task-cleanup');
      expect(readFileSync(join(out, 'cron-exit'), 'utf8').trim()).toBe('0');
      expect(simulator.tasks(PROJECT, A)).toHaveLength(0);
      const log = readFileSync(join(out, 'cron.log'), 'utf8').trim().split('\n');
      const records = log.map(
        (line) => JSON.parse(line) as { level: string; message: string; summary?: { status: string } },
      );
      expect(records.at(-1)).toMatchObject({ message: 'run finished', summary: { status: 'ok' } });
      expect(readFileSync(join(out, 'modes'), 'utf8').trim().split('\n')).toEqual([
        'root:dcs-task-cleanup 640',
        'root:root 600',
        'dcs-task-cleanup:dcs-task-cleanup 750',
      ]);
      const metrics = join(root, 'upper-var/lib/prometheus/node-exporter/dcs-task-cleanup.prom');
      const warned = records.filter((record) => record.level === 'WARN').map((record) => record.message);
      if (exporter === 'with') {
        expect(readFileSync(metrics, 'utf8')).toMatch(/^dcs_task_cleanup_last_run_status\{status="ok"\} 1$/m);
        expect(warned).toEqual([]);
      } else {
        // Without node_exporter: the run cleans all the same, with one WARN.
        expect(existsSync(metrics)).toBe(false);
        expect(warned).toEqual(['metrics not written: their directory is missing']);
      }
      expect(readFileSync(join(out, 'rotated'), 'utf8').split('\n')).toContain('cron.log.1.gz');
      // The host itself is untouched: everything landed in the overlays.
      expect(existsSync('/etc/cron.d/dcs-task-cleanup')).toBe(false);
      expect(existsSync(join(root, 'upper-usr/bin/dcs-task-cleanup'))).toBe(true);
    },
    120_000,
  );
});
