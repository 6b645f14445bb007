// `dcs-task-cleanup simulate`: two regions (one simulator each), a fleet discovered by tags and names,
// instances named in the config under a second account, and the config and credentials that clean them.
import { randomBytes } from 'node:crypto';
import { parseConfig } from '../config/resolve.js';
import type { Config } from '../model/config.js';
import type { Accounts } from '../model/credentials.js';
import { seededRandom } from './random.js';
import { DcsSimulator } from './server.js';
import { hexId, makeTask, seedTasks, uuid } from './task-records.js';

export interface Demo {
  config: Config;
  accounts: Accounts;
  description: string;
  simulators: DcsSimulator[];
  stop(): Promise<void>;
}

const DAY_MS = 86_400_000;
const LATENCY_MS = 15;
const RATE_LIMIT = 100;
const FLEET_TAG = { 'dcs-task-cleanup': 'enabled' };

/** cn-north-4: what the fleet sees. Only the RUNNING `redis-prod-*` instances with the tag are cleaned. */
const FLEET_REGION = [
  { name: 'redis-prod-orders', tasks: 180, maxAgeDays: 120, tags: FLEET_TAG },
  { name: 'redis-prod-sessions', tasks: 60, maxAgeDays: 40, tags: FLEET_TAG },
  { name: 'redis-prod-catalog', tasks: 220, maxAgeDays: 365, tags: FLEET_TAG },
  { name: 'redis-prod-archive', tasks: 30, maxAgeDays: 200, tags: FLEET_TAG, status: 'FROZEN' },
  { name: 'redis-dev-scratch', tasks: 40, maxAgeDays: 90, tags: FLEET_TAG },
  { name: 'redis-prod-untagged', tasks: 40, maxAgeDays: 90, tags: {} },
] as const;

/** cn-east-3: instances named in the config, under the "staging" account. */
const STATIC_REGION = [
  { tasks: 140, maxAgeDays: 90, olderThan: '14d' },
  { tasks: 25, maxAgeDays: 20 },
] as const;

export async function startDemo(seed = 2026): Promise<Demo> {
  const random = seededRandom(seed);
  const credentials = (name: string) => ({
    ak: `${name.toUpperCase()}${hexId(random, 16).toUpperCase()}`,
    sk: randomBytes(24).toString('base64url'),
  });
  const accounts = new Map([
    ['default', credentials('prod')],
    ['staging', credentials('stg')],
  ]);
  const options = {
    credentials: [...accounts.values()],
    latencyMs: LATENCY_MS,
    rateLimit: { requestsPerSecond: RATE_LIMIT, retryAfterSeconds: 1 },
    maxInstancePageSize: 4,
    seed,
  };
  const north = await DcsSimulator.start(options);
  const east = await DcsSimulator.start(options);
  const now = Date.now();
  const seedInstance = (tasks: number, maxAgeDays: number) => {
    const list = seedTasks(random, { count: tasks, nowMs: now, maxAgeDays, nonTerminalShare: 0.06 });
    // An old task still running must survive any policy.
    list.push(makeTask(random, { status: 'EXECUTING', name: 'EXTEND', createdAtMs: now - 200 * DAY_MS }));
    const instanceId = uuid(random);
    return { instanceId, list };
  };

  const fleetProject = hexId(random);
  north.assignProject(fleetProject, (accounts.get('default') as { ak: string }).ak);
  const fleetIds = FLEET_REGION.map(({ name, tasks, maxAgeDays, tags, ...rest }) => {
    const { instanceId, list } = seedInstance(tasks, maxAgeDays);
    north.addInstance(fleetProject, instanceId, list, {
      name,
      tags,
      status: 'status' in rest ? rest.status : 'RUNNING',
    });
    return instanceId;
  });
  // One record no real API should send: its id would climb the path. It is ignored, never sent.
  north.addRawTasks(fleetProject, fleetIds[0] as string, [
    { id: '../../../instances', name: 'EXTEND', status: 'SUCCESS', created_at: '2024-01-01T00:00:00.000Z' },
  ]);

  const staticProject = hexId(random);
  east.assignProject(staticProject, (accounts.get('staging') as { ak: string }).ak);
  const staticEntries = STATIC_REGION.map(({ tasks, maxAgeDays, ...overrides }) => {
    const { instanceId, list } = seedInstance(tasks, maxAgeDays);
    east.addInstance(staticProject, instanceId, list);
    return {
      region: 'cn-east-3',
      projectId: staticProject,
      instanceId,
      endpoint: east.endpoint,
      account: 'staging',
      ...overrides,
    };
  });

  // A few realistic hiccups: transient 500s, a reset, tasks deleted by someone else, a busy instance.
  north.inject({
    method: 'DELETE',
    probability: 0.02,
    fault: { type: 'status', status: 500, errorCode: 'DCS.5006' },
  });
  north.inject({ method: 'DELETE', instanceId: fleetIds[0], times: 1, fault: { type: 'reset' } });
  north.inject({
    method: 'DELETE',
    instanceId: fleetIds[1],
    times: 2,
    fault: { type: 'status', status: 404 },
  });
  east.inject({
    method: 'DELETE',
    instanceId: staticEntries[0]?.instanceId,
    times: 3,
    fault: {
      type: 'status',
      status: 400,
      errorCode: 'DCS.4017',
      message: 'The instance still has a running job task.',
    },
  });

  const config = parseConfig({
    dryRun: false,
    defaults: { olderThan: '30d', excludeTaskNames: ['masterStandbySwapJob'], keepLatest: 5 },
    limits: { concurrency: 8, requestsPerSecond: 80, maxAttempts: 5 },
    fleets: [
      {
        region: 'cn-north-4',
        projectId: fleetProject,
        endpoint: north.endpoint,
        tags: FLEET_TAG,
        names: ['redis-prod-*'],
        keepLatest: 20,
      },
    ],
    instances: staticEntries,
  });
  const description = [
    'Demo: a local DCS simulator per region (cn-north-4, cn-east-3), signed requests,',
    `${LATENCY_MS} ms latency, ${RATE_LIMIT} requests/s per region; injected 500s, a reset, 404s,`,
    'DCS.4017 answers and one hostile task record.',
    `- fleet: cn-north-4 instances tagged dcs-task-cleanup=enabled named redis-prod-*`,
    `  (${FLEET_REGION.length} instances: 3 match and run, 1 is FROZEN, 2 do not match); keep newest 20`,
    `- instances: ${STATIC_REGION.length} in cn-east-3 under account "staging"; one with olderThan 14d`,
    '- policy: older than 30d, keep the newest 5, never masterStandbySwapJob',
    '',
    '',
  ].join('\n');
  return {
    config,
    accounts,
    description,
    simulators: [north, east],
    stop: async () => {
      await Promise.all([north.stop(), east.stop()]);
    },
  };
}
