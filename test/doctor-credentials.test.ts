// doctor's `credentials` check per account (§16): the source, the expiry, agency and subject of temporary
// credentials, and each diagnosis a source can need, against the simulator's identity endpoints.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Check } from '../src/doctor/doctor.js';
import type { DcsSimulator, SimulatorOptions } from '../src/simulator/server.js';
import { configFor, freePort, instanceId, runMain, seed, startSimulator, tasks } from './helpers.js';

const A = instanceId(1);
let dir: string;
let simulator: DcsSimulator | undefined;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dcs-doctor-credentials-'));
});
afterEach(async () => {
  await simulator?.stop();
  simulator = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function doctorWith(
  source: (sim: DcsSimulator) => unknown | Promise<unknown>,
  env: (sim: DcsSimulator) => Record<string, string> | Promise<Record<string, string>> = () => ({}),
  options: SimulatorOptions['identity'] = {},
) {
  const sim = await startSimulator({ credentials: [], identity: options });
  simulator = sim;
  seed(sim, A, tasks(3, { ageDays: 10 }));
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(
    path,
    JSON.stringify(configFor(sim.endpoint, [A], { accounts: { default: await source(sim) } })),
  );
  const { code, stdout } = await runMain(['doctor', '--config', path, '--json'], await env(sim));
  const report = JSON.parse(stdout) as { ok: boolean; checks: Check[] };
  const credentials = report.checks.find((check) => check.check === 'credentials') as Check;
  return { code, stdout, report, credentials, sim };
}

const oidc = (sim: DcsSimulator, file: string) => ({
  source: 'oidc',
  providerUrn: sim.identity.urns.provider,
  agencyUrn: sim.identity.urns.agency,
  stsEndpoint: sim.endpoint,
  idToken: { file },
});

describe('doctor: credentials', () => {
  it('temporary credentials: the source, when they expire, the assumed agency and the token’s subject', async () => {
    const file = join(dir, 'token-ok');
    const { code, credentials, stdout, sim } = await doctorWith(async (sim) => {
      await sim.identity.writeTokenFile(file, { sub: 'system:serviceaccount:ops:cleanup' });
      return oidc(sim, file);
    });
    expect(code).toBe(0);
    expect(credentials).toMatchObject({ status: 'ok', target: 'account default' });
    expect(credentials.detail).toMatch(
      /^temporary, from oidc: expire at \d{4}-\d\d-\d\dT.*Z; agency iam::\w+:agency:dcs-task-cleanup\/dcs-task-cleanup; token subject system:serviceaccount:ops:cleanup$/,
    );
    for (const issued of sim.identity.issued) {
      expect(stdout).not.toContain(issued.sk);
      expect(stdout).not.toContain(issued.securityToken);
    }
  });

  it.each([
    [
      'no metadata service (not an ECS instance)',
      () => ({ source: 'ecs-agency' }),
      async () => ({ DCS_TASK_CLEANUP_METADATA_URL: `http://127.0.0.1:${await freePort()}` }),
      {},
      /the ECS metadata service \(http:\/\/127\.0\.0\.1:\d+\).*: network error/,
      /Run on an ECS instance with an agency/,
    ],
    [
      'an ECS instance without an agency',
      () => ({ source: 'ecs-agency' }),
      (sim: DcsSimulator) => ({ DCS_TASK_CLEANUP_METADATA_URL: sim.endpoint }),
      { noAgency: true },
      /this ECS instance has no agency \("Please configure Cloud Service Agency first"\)/,
      /agency that holds the DCS policy/,
    ],
    [
      'a token file that is missing',
      (sim: DcsSimulator) => oidc(sim, join(dir, 'no-such-token')),
      () => ({}),
      {},
      /idToken\.file: cannot read .*no-such-token: ENOENT/,
      /Check the id token/,
    ],
    [
      'a token file that is a FIFO (never waited on)',
      (sim: DcsSimulator) => {
        const file = join(dir, 'token-fifo');
        execFileSync('mkfifo', [file]);
        return oidc(sim, file);
      },
      () => ({}),
      {},
      /idToken\.file: .*token-fifo is not a regular file/,
      /Check the id token/,
    ],
    [
      'a token file larger than any token (never read into memory)',
      (sim: DcsSimulator) => {
        const file = join(dir, 'token-huge');
        writeFileSync(file, 'x'.repeat(1024 * 1024));
        return oidc(sim, file);
      },
      () => ({}),
      {},
      /idToken\.file: .*token-huge is larger than 65536 bytes/,
      /Check the id token/,
    ],
    [
      'an id token already expired',
      async (sim: DcsSimulator) => {
        const file = join(dir, 'token-expired');
        writeFileSync(
          file,
          await sim.identity.idToken({ sub: 'ci', exp: Math.floor(Date.now() / 1000) - 60 }),
        );
        return oidc(sim, file);
      },
      () => ({}),
      {},
      /the id token expired at \d{4}-.*Z \(its exp\)/,
      /Check the id token/,
    ],
    [
      'a trust policy that does not allow this subject',
      async (sim: DcsSimulator) => {
        const file = join(dir, 'token-untrusted');
        await sim.identity.writeTokenFile(file, { sub: 'someone-else' });
        return oidc(sim, file);
      },
      () => ({}),
      { allowedSubjects: ['ci-job'] },
      /IAM STS \(http:.*\) answered HTTP 403 STS5\.0403: access denied: .* \(the agency's trust policy must allow sts:agencies:assumeWithOIDC/,
      /trust policy/,
    ],
    [
      'pod identity variables missing',
      () => ({ source: 'cce-pod-identity' }),
      () => ({}),
      {},
      /pod identity is not set up: HC_CONTAINER_CREDENTIALS_FULL_URI and HC_CONTAINER_AUTHORIZATION_TOKEN_FILE not set/,
      /Bind the pod's service account to an agency/,
    ],
  ] as const)(
    '%s: FAIL with the cause and the fix; no signed request',
    async (_, source, env, options, detail, fix) => {
      const { code, credentials, report, sim } = await doctorWith(
        source as (sim: DcsSimulator) => unknown,
        env as (sim: DcsSimulator) => Record<string, string>,
        options,
      );
      expect(code).toBe(1);
      expect(credentials.status).toBe('fail');
      expect(credentials.detail).toMatch(/^credentials unavailable: (ecs-agency|oidc|cce-pod-identity): /);
      expect(credentials.detail).toMatch(detail);
      expect(credentials.fix).toMatch(fix);
      // The account's signed checks are skipped: no request goes out without credentials.
      expect(report.checks.find((check) => check.check === 'account')).toMatchObject({ status: 'skipped' });
      expect(sim.requests.filter((request) => request.ak !== null)).toEqual([]);
    },
  );
});
