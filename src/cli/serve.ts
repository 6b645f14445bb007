// `simulate --serve`: a long-running local DCS API to point a config or a script at. It prints what a
// config needs (endpoint, keys, ids) before anything else, writes a ready config and credentials file, and
// serves until SIGINT or SIGTERM.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Operation } from '../simulator/faults.js';
import { seededRandom } from '../simulator/random.js';
import { DcsSimulator } from '../simulator/server.js';
import { hexId, seedTasks, uuid } from '../simulator/task-records.js';
import type { CliIo } from './io.js';

/** The instances served: names, task counts and how far back their tasks go. */
const INSTANCES = [
  { name: 'redis-orders', tasks: 120, maxAgeDays: 120 },
  { name: 'redis-sessions', tasks: 60, maxAgeDays: 45 },
  { name: 'redis-catalog', tasks: 30, maxAgeDays: 10 },
] as const;
const DAY_MS = 86_400_000;

export async function serveSimulator(
  { port, seed, clockSkewMs, deny }: { port: number; seed: number; clockSkewMs: number; deny: Operation[] },
  io: Pick<CliIo, 'stdout' | 'signals'>,
): Promise<number> {
  const random = seededRandom(seed);
  const credentials = {
    ak: `SIM${hexId(random, 17).toUpperCase()}`,
    sk: randomBytes(24).toString('base64url'),
  };
  const simulator = await DcsSimulator.start({
    credentials: [credentials],
    port,
    seed,
    // Its Date header and its signature check both run on this clock (doctor's clock diagnosis).
    now: () => Date.now() + clockSkewMs,
    deny,
  });
  const projectId = hexId(random);
  const now = Date.now();
  const ids = INSTANCES.map(({ name, tasks, maxAgeDays }) => {
    const instanceId = uuid(random);
    const list = seedTasks(random, { count: tasks, nowMs: now, maxAgeDays, nonTerminalShare: 0.05 });
    simulator.addInstance(projectId, instanceId, list, { name, tags: { 'dcs-task-cleanup': 'enabled' } });
    return instanceId;
  });

  const dir = mkdtempSync(join(tmpdir(), 'dcs-simulator-'));
  const configPath = join(dir, 'cleanup.json');
  const credentialsPath = join(dir, 'credentials.json');
  const region = 'cn-north-4';
  writeFileSync(
    configPath,
    `${JSON.stringify(
      {
        dryRun: true,
        defaults: { olderThan: '30d', keepLatest: 5 },
        fleets: [
          { region, projectId, endpoint: simulator.endpoint, tags: { 'dcs-task-cleanup': 'enabled' } },
        ],
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(credentialsPath, `${JSON.stringify({ accounts: { default: credentials } }, null, 2)}\n`);
  chmodSync(credentialsPath, 0o600);

  const run = `dcs-task-cleanup run --config ${configPath} --credentials ${credentialsPath}`;
  io.stdout.write(
    [
      `endpoint     ${simulator.endpoint}`,
      `AK           ${credentials.ak}`,
      `SK           ${credentials.sk}`,
      `project id   ${projectId}`,
      `region       ${region}`,
      ...ids.map((id, n) => `instance id  ${id}  ${INSTANCES[n]?.name} (${INSTANCES[n]?.tasks} tasks)`),
      `config       ${configPath}`,
      `credentials  ${credentialsPath}`,
      '',
      `A local DCS simulator (seed ${seed}): signed requests only, tasks up to ${Math.round(
        Math.max(...INSTANCES.map((instance) => instance.maxAgeDays * DAY_MS)) / DAY_MS,
      )} days old.`,
      ...(clockSkewMs !== 0 ? [`Its clock runs ${Math.round(clockSkewMs / 60_000)} min off yours.`] : []),
      ...(deny.length > 0 ? [`The credentials lack the right to: ${deny.join(', ')} (403).`] : []),
      'Try it (the config is a dry run; add --no-dry-run to delete):',
      `  ${run}`,
      'Serving until Ctrl-C or SIGTERM; the two files are removed then.',
      '',
    ].join('\n'),
  );

  const signal = await new Promise<string>((resolve) => {
    const stop = (name: string) => () => resolve(name);
    const handlers = { SIGINT: stop('SIGINT'), SIGTERM: stop('SIGTERM') };
    io.signals?.on('SIGINT', handlers.SIGINT);
    io.signals?.on('SIGTERM', handlers.SIGTERM);
  });
  await simulator.stop();
  rmSync(dir, { recursive: true, force: true });
  io.stdout.write(`${signal}: simulator stopped after ${simulator.requests.length} requests\n`);
  return 0;
}
