// `dcs-task-cleanup simulate`: a seeded fleet on a local simulator and the config that cleans it.
import { randomBytes } from 'node:crypto';
import { type Config, parseConfig } from '../config/schema.js';
import type { Credentials } from '../dcs/signer.js';
import { hexId, makeTask, seedTasks, uuid } from './fleet.js';
import { seededRandom } from './random.js';
import { DcsSimulator } from './server.js';

export interface Demo {
  config: Config;
  credentials: Credentials;
  description: string;
  simulator: DcsSimulator;
  stop(): Promise<void>;
}

const DAY_MS = 86_400_000;

const FLEET = [
  { region: 'cn-north-4', tasks: 180, maxAgeDays: 120 },
  { region: 'cn-north-4', tasks: 60, maxAgeDays: 40 },
  { region: 'cn-east-3', tasks: 140, maxAgeDays: 90, olderThan: '14d' },
  { region: 'cn-east-3', tasks: 25, maxAgeDays: 20 },
  { region: 'ap-southeast-1', tasks: 220, maxAgeDays: 365, keepLatest: 20 },
] as const;

const LATENCY_MS = 15;
const RATE_LIMIT = 100;

export async function startDemo(seed = 2026): Promise<Demo> {
  const random = seededRandom(seed);
  const credentials = {
    ak: `DEMO${hexId(random, 16).toUpperCase()}`,
    sk: randomBytes(24).toString('base64url'),
  };
  const simulator = await DcsSimulator.start({
    credentials: [credentials],
    latencyMs: LATENCY_MS,
    rateLimit: { requestsPerSecond: RATE_LIMIT, retryAfterSeconds: 1 },
    seed,
  });
  const now = Date.now();
  const instances = FLEET.map(({ region, tasks, maxAgeDays, ...overrides }) => {
    const projectId = hexId(random);
    const instanceId = uuid(random);
    const list = seedTasks(random, { count: tasks, nowMs: now, maxAgeDays, nonTerminalShare: 0.06 });
    // An old task still running must survive any policy.
    list.push(makeTask(random, { status: 'EXECUTING', name: 'EXTEND', createdAtMs: now - 200 * DAY_MS }));
    simulator.addInstance(projectId, instanceId, list);
    return { region, projectId, instanceId, endpoint: simulator.endpoint, ...overrides };
  });

  // A few realistic hiccups: transient 500s, a reset, a task deleted by someone else, a busy instance.
  const [first, second, third] = instances;
  simulator.inject({
    method: 'DELETE',
    probability: 0.02,
    fault: { type: 'status', status: 500, errorCode: 'DCS.5006' },
  });
  simulator.inject({ method: 'DELETE', instanceId: first?.instanceId, times: 1, fault: { type: 'reset' } });
  simulator.inject({
    method: 'DELETE',
    instanceId: second?.instanceId,
    times: 2,
    fault: { type: 'status', status: 404 },
  });
  simulator.inject({
    method: 'DELETE',
    instanceId: third?.instanceId,
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
    instances,
  });
  const description = [
    `Local DCS simulator on ${simulator.endpoint} (signed requests, ${LATENCY_MS} ms latency, ${RATE_LIMIT} requests/s limit,`,
    'with injected 500s, a connection reset, 404s and DCS.4017 answers).',
    `Fleet: ${instances.length} instances, ${FLEET.reduce((sum, i) => sum + i.tasks + 1, 0)} tasks of mixed names, statuses and ages.`,
    'Policy: older than 30d (14d on one instance), keep the newest 5 (20 on one), never masterStandbySwapJob.',
    'Per-task JSON log records go to stderr; the summary follows.',
    '',
    '',
  ].join('\n');
  return { config, credentials, description, simulator, stop: () => simulator.stop() };
}
