// The §19 figures (docs/bounds.md, docs/safety.md): what a hostile or broken server costs a run with the
// default limits. Memory under oversized pages (the CLI, and the Lambda handler under a 256 MB function's
// heap limit), the wall time of DELETEs that hang, and of an endpoint that never answers.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { seededRandom } from '../src/simulator/random.js';
import { DcsSimulator } from '../src/simulator/server.js';
import { makeTask, uuid } from '../src/simulator/task-records.js';
import { startMoto } from '../test/moto.js';
import { CREDENTIALS, fleetConfig, PROJECT, runCli, runWithDeleteFault, writeConfig } from './fleet.js';

const MiB = 1024 * 1024;
const DAY_MS = 86_400_000;
const round = (n: number, digits = 1) => Number(n.toFixed(digits));

/** A simulator whose `instances` instances each send a first task page of about `pageMiB` MiB, limit ignored. */
async function oversizedFleet(instances: number, pageMiB: number) {
  const random = seededRandom(19);
  const now = Date.now();
  const task = () => makeTask(random, { createdAtMs: now - (40 + random() * 300) * DAY_MS });
  // Records are sized alike; the page's bytes follow from a sample of them.
  const sample = JSON.stringify(Array.from({ length: 1000 }, task)).length / 1000;
  const perPage = Math.floor((pageMiB * MiB) / sample);
  const simulator = await DcsSimulator.start({
    credentials: [CREDENTIALS],
    seed: 7,
    servedPageSize: perPage,
  });
  const ids = Array.from({ length: instances }, () => uuid(random));
  for (const id of ids) simulator.addInstance(PROJECT, id, Array.from({ length: perPage }, task));
  // A dry run with the default policy: the listing is what is measured.
  const config = {
    dryRun: true,
    defaults: { olderThan: '7d' },
    instances: ids.map((instanceId) => ({
      region: 'cn-north-4',
      projectId: PROJECT,
      instanceId,
      endpoint: simulator.endpoint,
    })),
  };
  return { simulator, ids, config, perPage };
}

/** Peak RSS of the CLI over `instances` instances whose first page is 7.5 MiB. */
export async function oversizedPages(instances: number) {
  const { simulator, config, perPage } = await oversizedFleet(instances, 7.5);
  try {
    const run = await runCli(writeConfig(config));
    const firstPages = simulator.requests.filter((request) => request.query.includes('offset=0'));
    return {
      instances,
      recordsPerPage: perPage,
      pageMiB: round((firstPages[0]?.bytesSent ?? 0) / MiB, 2),
      listed: run.summary.totals.listed,
      wouldDelete: run.summary.totals.wouldDelete,
      exitCode: run.exitCode,
      wallMs: Math.round(run.wallMs),
      peakRssMb: round(run.maxRssMb),
    };
  } finally {
    await simulator.stop();
  }
}

/**
 * The built Lambda handler over 32 such instances in a process whose heap is capped as the nodejs22.x
 * runtime caps a 256 MB function's: it must finish, and its peak RSS stay under 256 MB.
 */
export async function lambdaOversizedPages(instances: number, heapMb: number) {
  const { simulator, config } = await oversizedFleet(instances, 7.5);
  const moto = await startMoto();
  const work = mkdtempSync(join(tmpdir(), 'dcs-bench-lambda-'));
  try {
    const aws = {
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    };
    await new SecretsManagerClient(aws).send(
      new CreateSecretCommand({ Name: 'dcs/bench', SecretString: JSON.stringify(CREDENTIALS) }),
    );
    const driver = join(work, 'invoke.mjs');
    const handler = pathToFileURL(join(import.meta.dirname, 'handler.js')).href;
    writeFileSync(
      driver,
      `import { handler } from ${JSON.stringify(handler)};
const context = { getRemainingTimeInMillis: () => 900_000, invokedFunctionArn: '', functionName: 'bench', awsRequestId: 'bench' };
const summary = await handler({}, context);
process.stderr.write('\\n#result ' + JSON.stringify({ listed: summary.totals.listed, ok: summary.ok, maxRssMb: process.resourceUsage().maxRSS / 1024 }) + '\\n');
`,
    );
    const startedAt = performance.now();
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, driver], {
        env: {
          ...process.env,
          AWS_ENDPOINT_URL: moto.endpoint,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'x',
          AWS_SECRET_ACCESS_KEY: 'x',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          DCS_CREDENTIALS_SECRET_ID: 'dcs/bench',
          CLEANUP_CONFIG: JSON.stringify(config),
          POWERTOOLS_LOG_LEVEL: 'WARN',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      // The handler's log records go to stdout, as in Lambda: read for nothing here.
      child.stdout.resume();
      child.stderr.on('data', (chunk) => {
        stderr = (stderr + chunk).slice(-2000);
      });
      child.on('close', (code) => resolve({ code, stderr }));
    });
    const line = /#result (.*)/.exec(result.stderr)?.[1];
    const parsed = JSON.parse(line ?? '{}') as { listed?: number; maxRssMb?: number };
    return {
      instances,
      heapLimitMb: heapMb,
      exitCode: result.code,
      listed: parsed.listed ?? null,
      wallMs: Math.round(performance.now() - startedAt),
      peakRssMb: parsed.maxRssMb === undefined ? null : round(parsed.maxRssMb),
      error: result.code === 0 ? null : result.stderr.slice(-500),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
    await moto.stop();
    await simulator.stop();
  }
}

/** DELETEs that hang (no answer) on 16 instances × 8 tasks, with the default limits and timeouts. */
export function hangingDeletes() {
  return runWithDeleteFault(
    { instances: 16, tasksPerInstance: 8, staleShare: 1 },
    { fault: { type: 'hang' } },
    120_000,
  );
}

/** 12 instances behind an endpoint that accepts connections and never answers, default limits. */
export async function silentNetwork() {
  const sockets: Socket[] = [];
  let requests = 0;
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.once('data', () => requests++);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const random = seededRandom(12);
  const ids = Array.from({ length: 12 }, () => uuid(random));
  try {
    const run = await runCli(writeConfig({ ...fleetConfig(endpoint, ids), limits: {} }));
    const errors = run.summary.instances.map((instance) => instance.error?.message ?? '');
    return {
      instances: ids.length,
      wallMs: Math.round(run.wallMs),
      exitCode: run.exitCode,
      requestsSent: requests,
      everyErrorNamesEndpointAndNoAnswer: errors.every(
        (message) => message.includes(endpoint) && message.includes('no answer'),
      ),
      budgetMs: 120_000,
    };
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}
