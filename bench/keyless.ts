// §16: the wall time of a keyless run (oidc from a token file, through the simulator's IAM STS) against a keyed
// one on the same fleet, and a run several credential lifetimes long: its identity requests and renewals.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DcsSimulator, SimulatorOptions } from '../src/simulator/server.js';
import { fleetConfig, runCli, startFleet, writeConfig } from './fleet.js';

const round = (n: number, digits = 2) => Number(n.toFixed(digits));

function keylessConfig(
  simulator: DcsSimulator,
  ids: string[],
  limits: Record<string, number>,
  tokenFile: string,
) {
  return {
    ...fleetConfig(simulator.endpoint, ids, limits),
    accounts: {
      default: {
        source: 'oidc',
        providerUrn: simulator.identity.urns.provider,
        agencyUrn: simulator.identity.urns.agency,
        stsEndpoint: simulator.endpoint,
        idToken: { file: tokenFile },
      },
    },
  };
}

/** One CLI run on a fresh fleet, keyed or keyless (the simulator then accepts no long-lived key at all). */
async function measure(
  fleet: { instances: number; tasksPerInstance: number; staleShare: number },
  options: SimulatorOptions,
  limits: Record<string, number>,
  keyless: boolean,
) {
  const { simulator, ids, stale } = await startFleet(fleet, {
    ...options,
    ...(keyless ? { credentials: [], identity: options.identity ?? {} } : {}),
  });
  const tokenFile = join(tmpdir(), `dcs-bench-token-${process.pid}-${Date.now()}`);
  try {
    let config: unknown = fleetConfig(simulator.endpoint, ids, limits);
    if (keyless) {
      await simulator.identity.writeTokenFile(tokenFile, { sub: 'bench', lifetimeSeconds: 3600 });
      config = keylessConfig(simulator, ids, limits, tokenFile);
    }
    const run = await runCli(writeConfig(config));
    return {
      stale,
      deleted: run.summary.totals.deleted,
      status: (run.summary as { status?: string }).status,
      wallMs: Math.round(run.wallMs),
      dcsRequests: simulator.requests.filter((request) => request.operation !== null).length,
      identityRequests: keyless ? simulator.identity.counts.assumeWithOidc : 0,
      unauthorized: simulator.countByStatus()[401] ?? 0,
    };
  } finally {
    rmSync(tokenFile, { force: true });
    await simulator.stop();
  }
}

export async function keylessAgainstKeyed(fleet: {
  instances: number;
  tasksPerInstance: number;
  staleShare: number;
}) {
  const options = { latencyMs: 25, rateLimit: { requestsPerSecond: 100 } };
  const limits = { concurrency: 8, requestsPerSecond: 100, maxAttempts: 5 };
  const keyed = await measure(fleet, options, limits, false);
  const keyless = await measure(fleet, options, limits, true);
  // A lifetime a quarter of the run: renewals about every half lifetime, none per request.
  const lifetimeMs = 4_000;
  const long = await measure(
    fleet,
    { ...options, identity: { credentialLifetimeMs: lifetimeMs } },
    limits,
    true,
  );
  return {
    keyed,
    keyless,
    ratioKeylessToKeyed: round(keyless.wallMs / keyed.wallMs),
    longRun: {
      ...long,
      lifetimeMs,
      lifetimes: round(long.wallMs / lifetimeMs, 1),
      expectedRenewals: round(long.wallMs / (lifetimeMs / 2), 1),
      dcsRequestsPerIdentityRequest: round(long.dcsRequests / long.identityRequests, 1),
    },
  };
}
