// §16 No long-lived key: full runs with temporary credentials from each source, against the simulator's
// identity endpoints over HTTP (an OIDC issuer with real JWT signatures, IAM STS, the ECS metadata service,
// a pod-identity endpoint, AWS STS through the real @aws-sdk/client-sts), for the CLI and the Lambda
// handler; renewal over a run longer than the lifetime; failing and hostile sources; no secret in any output.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { IDENTITY_PATHS, SIMULATED_AWS_ROLE } from '../src/simulator/identity.js';
import type { DcsSimulator, SimulatorOptions } from '../src/simulator/server.js';
import { configFor, instanceId, PROJECT, runMain, seed, startSimulator, tasks } from './helpers.js';

const [A, B] = [instanceId(1), instanceId(2)];
let dir: string;
let simulator: DcsSimulator | undefined;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dcs-keyless-'));
});
afterEach(async () => {
  await simulator?.stop();
  simulator = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A simulator with identity endpoints and no long-lived key at all. */
async function keylessSimulator(options: SimulatorOptions = {}) {
  simulator = await startSimulator({ credentials: [], identity: {}, ...options });
  seed(simulator, A, tasks(6, { ageDays: 10 }));
  seed(simulator, B, tasks(4, { ageDays: 10 }));
  return simulator;
}

function oidcSource(sim: DcsSimulator, idToken: unknown, provider = sim.identity.urns.provider) {
  return {
    source: 'oidc',
    providerUrn: provider,
    agencyUrn: sim.identity.urns.agency,
    stsEndpoint: sim.endpoint,
    idToken,
  };
}

/** Runs the CLI on a config whose `default` account takes `source`; no key in the environment. */
async function runWith(
  sim: DcsSimulator,
  source: unknown,
  env: Record<string, string> = {},
  extra: string[] = [],
) {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(configFor(sim.endpoint, [A, B], { accounts: { default: source } })));
  const result = await runMain(['run', '--config', path, '--json', '--log-format', 'json', ...extra], env);
  return { ...result, summary: JSON.parse(result.stdout || '{}') };
}

/** Every secret the simulator issued or signed, as no output may show it. */
function secretsIssued(sim: DcsSimulator): string[] {
  return sim.identity.issued.flatMap((credentials) => [credentials.sk, credentials.securityToken]);
}

function expectNoSecret(outputs: string[], secrets: string[]) {
  expect(secrets.length).toBeGreaterThan(0);
  for (const secret of secrets) for (const output of outputs) expect(output).not.toContain(secret);
}

describe('a keyless run, for each source (CLI)', () => {
  it('oidc from a token file: everything deleted, signed with temporary credentials and their token', async () => {
    const sim = await keylessSimulator();
    const tokenFile = join(dir, 'token');
    await sim.identity.writeTokenFile(tokenFile, { sub: 'system:serviceaccount:ops:dcs-task-cleanup' });
    const { code, stdout, stderr, summary } = await runWith(sim, oidcSource(sim, { file: tokenFile }));
    expect(code).toBe(0);
    expect(summary).toMatchObject({ status: 'ok', totals: { deleted: 10, failed: 0 } });
    expect(sim.identity.counts.assumeWithOidc).toBe(1);
    const idToken = (await import('node:fs')).readFileSync(tokenFile, 'utf8');
    expectNoSecret([stdout, stderr], [...secretsIssued(sim), idToken]);
  });

  it.each([
    ['with a session token', 'required'],
    ['without one (an older metadata service: 404)', 'none'],
  ] as const)('ecs-agency, the metadata service %s', async (_, metadataTokens) => {
    const sim = await keylessSimulator({ identity: { metadataTokens } });
    const { code, stdout, stderr, summary } = await runWith(
      sim,
      { source: 'ecs-agency' },
      { DCS_TASK_CLEANUP_METADATA_URL: sim.endpoint },
    );
    expect(code).toBe(0);
    expect(summary).toMatchObject({ status: 'ok', totals: { deleted: 10 } });
    expect(sim.requests.filter((r) => r.path === IDENTITY_PATHS.securityKey)).toHaveLength(1);
    expectNoSecret([stdout, stderr], secretsIssued(sim));
  });

  it('cce-pod-identity: the token file’s contents as Authorization', async () => {
    const sim = await keylessSimulator();
    const tokenFile = join(dir, 'pod-token');
    writeFileSync(tokenFile, sim.identity.podToken);
    const { code, stdout, stderr, summary } = await runWith(
      sim,
      { source: 'cce-pod-identity' },
      {
        HC_CONTAINER_CREDENTIALS_FULL_URI: `${sim.endpoint}${IDENTITY_PATHS.podIdentity}`,
        HC_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile,
      },
    );
    expect(code).toBe(0);
    expect(summary).toMatchObject({ status: 'ok', totals: { deleted: 10 } });
    expectNoSecret([stdout, stderr], [...secretsIssued(sim), sim.identity.podToken]);
  });

  it('oidc from AWS GetWebIdentityToken, through the real @aws-sdk/client-sts pointed at the simulator', async () => {
    const sim = await keylessSimulator();
    const source = oidcSource(
      sim,
      { awsWebIdentity: { audience: sim.identity.audience } },
      sim.identity.urns.awsProvider,
    );
    for (const [name, value] of Object.entries(awsEnv(sim))) vi.stubEnv(name, value);
    const { code, stdout, stderr, summary } = await runWith(sim, source, awsEnv(sim)).finally(() =>
      vi.unstubAllEnvs(),
    );
    expect(code).toBe(0);
    expect(summary).toMatchObject({ status: 'ok', totals: { deleted: 10 } });
    expect(sim.identity.counts.awsSts).toBe(1);
    expect(sim.identity.subjects).toEqual([SIMULATED_AWS_ROLE]);
    expectNoSecret([stdout, stderr], secretsIssued(sim));
  });
});

/** What a Lambda's environment gives the AWS SDK, pointed at the simulator's AWS STS. */
function awsEnv(sim: DcsSimulator): Record<string, string> {
  return {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'ASIATESTTESTTESTTEST',
    AWS_SECRET_ACCESS_KEY: 'aws-secret-for-the-test-only',
    AWS_SESSION_TOKEN: 'aws-session-token-for-the-test',
    AWS_ENDPOINT_URL_STS: `${sim.endpoint}${IDENTITY_PATHS.awsSts}`,
  };
}
