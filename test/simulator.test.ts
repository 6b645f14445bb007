// The simulator must be as strict as the gateway, or the client tests prove nothing.
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { formatSdkDate, sign } from '../src/dcs/signer.js';
import type { Credentials } from '../src/model/credentials.js';
import type { DcsSimulator } from '../src/simulator/server.js';
import { CREDENTIALS, instanceId, PROJECT, seed, startSimulator, taskId, tasks } from './helpers.js';

let simulator: DcsSimulator;
afterEach(async () => simulator?.stop());

interface Call {
  method?: string;
  segments?: string[];
  query?: [string, string][];
  credentials?: Credentials;
  date?: Date;
  tamper?: (headers: Record<string, string>) => void;
  wirePath?: string;
}

async function call(options: Call = {}) {
  const method = options.method ?? 'GET';
  const segments = options.segments ?? ['v2', PROJECT, 'instances', instanceId(1), 'tasks'];
  const query = options.query ?? [];
  const host = new URL(simulator.endpoint).host;
  const signed = sign(
    {
      method,
      host,
      pathSegments: segments,
      query,
      headers: { 'Content-Type': 'application/json', 'X-Project-Id': PROJECT },
      body: '',
    },
    options.credentials ?? CREDENTIALS,
    formatSdkDate(options.date ?? new Date()),
  );
  options.tamper?.(signed.headers);
  const qs = query.map(([k, v]) => `${k}=${v}`).join('&');
  const path = options.wirePath ?? `/${segments.join('/')}${qs ? `?${qs}` : ''}`;
  const response = await request(`${simulator.endpoint}${path}`, {
    method: method as 'GET',
    headers: signed.headers,
  });
  return {
    status: response.statusCode,
    body: (await response.body.json().catch(() => null)) as Record<string, unknown> | null,
    headers: response.headers,
  };
}

describe('simulator gateway', () => {
  it('serves a properly signed request', async () => {
    simulator = await startSimulator();
    seed(simulator, instanceId(1), tasks(3, { ageDays: 1 }));
    const { status, body, headers } = await call({
      query: [
        ['limit', '2'],
        ['offset', '0'],
      ],
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ task_count: '3' });
    expect(body?.tasks).toHaveLength(2);
    expect(headers['x-request-id']).toBeTruthy();
  });

  it.each<[string, Call]>([
    ['a wrong secret key', { credentials: { ak: CREDENTIALS.ak, sk: 'nope' } }],
    ['an unknown access key', { credentials: { ak: 'UNKNOWNAK', sk: CREDENTIALS.sk } }],
    [
      'no Authorization header',
      {
        tamper: (h) => {
          delete h.Authorization;
        },
      },
    ],
    [
      'a header changed after signing',
      {
        tamper: (h) => {
          h['X-Project-Id'] = 'f'.repeat(32);
        },
      },
    ],
    [
      'a query that differs from the signed one',
      { query: [['limit', '2']], wirePath: `/v2/${PROJECT}/instances/${instanceId(1)}/tasks?limit=3` },
    ],
    [
      'an unsigned X-Sdk-Date',
      {
        tamper: (h) => {
          h.Authorization = (h.Authorization ?? '').replace(';x-sdk-date', '');
        },
      },
    ],
  ])('rejects %s with 401 APIGW.0301', async (_name, options) => {
    simulator = await startSimulator();
    seed(simulator, instanceId(1), []);
    const { status, body } = await call(options);
    expect(status).toBe(401);
    expect(body?.error_code).toBe('APIGW.0301');
  });

  it('rejects a signature more than 15 minutes off the gateway clock', async () => {
    simulator = await startSimulator();
    seed(simulator, instanceId(1), []);
    expect((await call({ date: new Date(Date.now() - 16 * 60_000) })).status).toBe(401);
    expect((await call({ date: new Date(Date.now() + 16 * 60_000) })).body?.error_code).toBe('APIGW.0303');
    expect((await call({ date: new Date(Date.now() - 14 * 60_000) })).status).toBe(200);
  });

  it('requires the signed security token of temporary credentials', async () => {
    const temporary = { ak: 'AKTEMPORARY000000001', sk: 'temp-secret', securityToken: 'token+/=abc' };
    simulator = await startSimulator({ credentials: [temporary] });
    seed(simulator, instanceId(1), []);
    expect((await call({ credentials: temporary })).status).toBe(200);
    expect((await call({ credentials: { ak: temporary.ak, sk: temporary.sk } })).status).toBe(401);
  });

  it('throttles above its rate with 429 APIGW.0308', async () => {
    simulator = await startSimulator({ rateLimit: { requestsPerSecond: 5, burst: 2, retryAfterSeconds: 3 } });
    seed(simulator, instanceId(1), []);
    const results = await Promise.all(Array.from({ length: 5 }, () => call()));
    const throttled = results.filter((r) => r.status === 429);
    expect(throttled.length).toBeGreaterThanOrEqual(3);
    expect(throttled[0]?.body?.error_code).toBe('APIGW.0308');
    expect(throttled[0]?.headers['retry-after']).toBe('3');
  });

  it('answers 404 DCS.3022 for an unknown instance and 404 for an unknown task', async () => {
    simulator = await startSimulator();
    seed(simulator, instanceId(1), tasks(1, { ageDays: 1 }));
    expect(
      (await call({ segments: ['v2', PROJECT, 'instances', instanceId(9), 'tasks'] })).body?.error_code,
    ).toBe('DCS.3022');
    const missing = await call({
      method: 'DELETE',
      segments: ['v2', PROJECT, 'instances', instanceId(1), 'tasks', 'nope'],
    });
    expect(missing.status).toBe(404);
  });

  it('deletes a terminal task once, refuses a running one with DCS.4957', async () => {
    simulator = await startSimulator();
    seed(simulator, instanceId(1), [
      ...tasks(1, { ageDays: 1 }),
      ...tasks(1, { ageDays: 1, status: 'EXECUTING', first: 5 }),
    ]);
    const path = (id: string) => ['v2', PROJECT, 'instances', instanceId(1), 'tasks', id];
    expect([200, 204]).toContain((await call({ method: 'DELETE', segments: path(taskId(0)) })).status);
    expect((await call({ method: 'DELETE', segments: path(taskId(0)) })).status).toBe(404);
    const running = await call({ method: 'DELETE', segments: path(taskId(5)) });
    expect(running).toMatchObject({ status: 400, body: { error_code: 'DCS.4957' } });
  });
});

describe('simulator identity: temporary credentials on the DCS side', () => {
  it('accepts them only with their security token, and only before they expire (401 after)', async () => {
    let nowMs = Date.now();
    simulator = await startSimulator({
      credentials: [],
      identity: { credentialLifetimeMs: 60_000 },
      now: () => nowMs,
    });
    seed(simulator, instanceId(1), tasks(2, { ageDays: 1 }));
    const answer = await request(`${simulator.endpoint}/openstack/latest/securitykey`);
    const { credential } = (await answer.body.json()) as {
      credential: { access: string; secret: string; securitytoken: string; expires_at: string };
    };
    expect(credential.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const temporary = {
      ak: credential.access,
      sk: credential.secret,
      securityToken: credential.securitytoken,
    };
    expect((await call({ credentials: temporary, date: new Date(nowMs) })).status).toBe(200);
    const withoutToken = await call({
      credentials: { ak: temporary.ak, sk: temporary.sk },
      date: new Date(nowMs),
    });
    expect(withoutToken.status).toBe(401);
    expect(withoutToken.body?.error_msg).toMatch(/x-security-token is not signed/);
    const otherToken = await call({
      credentials: { ...temporary, securityToken: 'forged' },
      date: new Date(nowMs),
    });
    expect(otherToken.body?.error_msg).toMatch(/bad security token/);
    nowMs += 60_000;
    const expired = await call({ credentials: temporary, date: new Date(nowMs) });
    expect(expired.status).toBe(401);
    expect(expired.body?.error_msg).toMatch(/the security token has expired/);
  });
});
