// Real endpoints are HTTPS: the client must work with a private CA trusted through NODE_EXTRA_CA_CERTS.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DcsSimulator } from '../src/simulator/server.js';
import { BUILT_CLI, CREDENTIALS, configFor, instanceId, seed, startSimulator, tasks } from './helpers.js';

const execute = promisify(execFile);
let dir: string;
let simulator: DcsSimulator;
let configPath: string;

function openssl(...args: string[]) {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dcs-tls-'));
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=Test CA',
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  );
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'san.ext',
  );
  simulator = await startSimulator({
    tls: { key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')) },
  });
  seed(simulator, instanceId(1), tasks(4, { ageDays: 10 }));
  configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(configFor(simulator.endpoint, [instanceId(1)])));
});

afterAll(async () => {
  await simulator?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) => ({
  ...process.env,
  CLOUD_SDK_AK: CREDENTIALS.ak,
  CLOUD_SDK_SK: CREDENTIALS.sk,
  NODE_EXTRA_CA_CERTS: '',
  ...extra,
});

describe('HTTPS endpoint with a private CA', () => {
  it('an untrusted certificate is an instance error, not retried', async () => {
    expect(simulator.endpoint).toMatch(/^https:/);
    const failure = await execute('node', [BUILT_CLI, 'run', '--config', configPath, '--json'], {
      env: env(),
    }).catch((e) => e);
    expect(failure.code).toBe(1);
    const summary = JSON.parse(failure.stdout);
    expect(summary.instances[0].error.message).toMatch(/^TLS error/);
    expect(simulator.requests).toHaveLength(0);
  });

  it('works once NODE_EXTRA_CA_CERTS trusts the CA', async () => {
    const { stdout } = await execute('node', [BUILT_CLI, 'run', '--config', configPath, '--json'], {
      env: env({ NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') }),
    });
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, totals: { deleted: 4 } });
  });
});
