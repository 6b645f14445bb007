// `simulate --serve`: a long-running local DCS API to point a config or a script at. It prints what a
// config needs (endpoint, keys, ids) before anything else, writes a ready config and credentials file, and
// serves until SIGINT or SIGTERM.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Operation } from '../simulator/faults.js';
import { IDENTITY_PATHS } from '../simulator/identity.js';
import { seededRandom } from '../simulator/random.js';
import { DcsSimulator } from '../simulator/server.js';
import { hexId, seedTasks, uuid } from '../simulator/task-records.js';
import type { CliIo } from './io.js';

/** Id tokens written for the keyless config last an hour and are rewritten every half hour. */
const TOKEN_SECONDS = 3600;

/**
 * A keyless copy of the config (its account takes oidc credentials from a token file the simulator's issuer
 * signs and rewrites, as Kubernetes rotates a projected token) and the pod-identity token file.
 */
async function writeKeyless(simulator: DcsSimulator, dir: string, configPath: string) {
  const tokenPath = join(dir, 'id-token');
  const podTokenPath = join(dir, 'pod-token');
  const claims = { sub: 'dcs-task-cleanup-simulated', lifetimeSeconds: TOKEN_SECONDS };
  await simulator.identity.writeTokenFile(tokenPath, claims);
  writeFileSync(podTokenPath, simulator.identity.podToken, { mode: 0o600 });
  const rotation = setInterval(
    () => void simulator.identity.writeTokenFile(tokenPath, claims),
    (TOKEN_SECONDS / 2) * 1000,
  );
  rotation.unref();
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  const keylessPath = join(dir, 'keyless.json');
  config.accounts = {
    default: {
      source: 'oidc',
      providerUrn: simulator.identity.urns.provider,
      agencyUrn: simulator.identity.urns.agency,
      stsEndpoint: simulator.endpoint,
      idToken: { file: tokenPath },
    },
  };
  writeFileSync(keylessPath, `${JSON.stringify(config, null, 2)}\n`);
  return { configPath: keylessPath, podTokenPath, rotation };
}

/** The instances served: names, task counts and how far back their tasks go. */
const INSTANCES = [
  { name: 'redis-orders', tasks: 120, maxAgeDays: 120 },
  { name: 'redis-sessions', tasks: 60, maxAgeDays: 45 },
  { name: 'redis-catalog', tasks: 30, maxAgeDays: 10 },
] as const;
const DAY_MS = 86_400_000;

export async function serveSimulator(
  {
    port,
    seed,
    clockSkewMs,
    deny,
    credentialLifetimeMs,
  }: {
    port: number;
    seed: number;
    clockSkewMs: number;
    deny: Operation[];
    credentialLifetimeMs: number | undefined;
  },
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
    // The identity sources too (docs/credentials.md): keyless runs against the same API.
    identity: credentialLifetimeMs === undefined ? {} : { credentialLifetimeMs },
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
  const keyless = await writeKeyless(simulator, dir, configPath);

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
      `keyless      ${keyless.configPath} (oidc: an id token file the simulator rewrites every 30 min)`,
      `metadata     DCS_TASK_CLEANUP_METADATA_URL=${simulator.endpoint} (source ecs-agency)`,
      `pod identity HC_CONTAINER_CREDENTIALS_FULL_URI=${simulator.endpoint}${IDENTITY_PATHS.podIdentity} HC_CONTAINER_AUTHORIZATION_TOKEN_FILE=${keyless.podTokenPath}`,
      '',
      `A local DCS simulator (seed ${seed}): signed requests only, tasks up to ${Math.round(
        Math.max(...INSTANCES.map((instance) => instance.maxAgeDays * DAY_MS)) / DAY_MS,
      )} days old.`,
      ...(clockSkewMs !== 0 ? [`Its clock runs ${Math.round(clockSkewMs / 60_000)} min off yours.`] : []),
      ...(deny.length > 0 ? [`The credentials lack the right to: ${deny.join(', ')} (403).`] : []),
      ...(credentialLifetimeMs === undefined
        ? []
        : [`Temporary credentials it issues last ${credentialLifetimeMs / 1000} s.`]),
      'Try it (the config is a dry run; add --no-dry-run to delete):',
      `  ${run}`,
      'Serving until Ctrl-C or SIGTERM; the files are removed then.',
      '',
    ].join('\n'),
  );

  const signal = await new Promise<string>((resolve) => {
    const stop = (name: string) => () => resolve(name);
    const handlers = { SIGINT: stop('SIGINT'), SIGTERM: stop('SIGTERM') };
    io.signals?.on('SIGINT', handlers.SIGINT);
    io.signals?.on('SIGTERM', handlers.SIGTERM);
  });
  clearInterval(keyless.rotation);
  await simulator.stop();
  rmSync(dir, { recursive: true, force: true });
  io.stdout.write(`${signal}: simulator stopped after ${simulator.requests.length} requests\n`);
  return 0;
}
