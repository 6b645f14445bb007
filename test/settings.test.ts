import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/resolve.js';
import { alertBus, loadAccounts, loadConfig } from '../src/lambda/settings.js';
import { configFor, instanceId } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'dcs-settings-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const CONFIG = JSON.stringify(configFor('https://dcs.cn-north-4.myhuaweicloud.com', [instanceId(1)]));
writeFileSync(join(root, 'cleanup.json'), CONFIG);

describe('Lambda settings', () => {
  it('reads the config inline or from a file relative to the task root', async () => {
    expect((await loadConfig({ CLEANUP_CONFIG: CONFIG })).targets).toHaveLength(1);
    expect(
      (await loadConfig({ CLEANUP_CONFIG_PATH: 'cleanup.json', LAMBDA_TASK_ROOT: root })).targets,
    ).toHaveLength(1);
    expect((await loadConfig({ CLEANUP_CONFIG_PATH: join(root, 'cleanup.json') })).targets).toHaveLength(1);
  });

  it.each([
    [{}, /CLEANUP_CONFIG: is not set/],
    [
      { CLEANUP_CONFIG: CONFIG, CLEANUP_CONFIG_PATH: 'x.json' },
      /set either CLEANUP_CONFIG or CLEANUP_CONFIG_PATH/,
    ],
    [
      { CLEANUP_CONFIG_PATH: 'missing.json', LAMBDA_TASK_ROOT: root },
      /CLEANUP_CONFIG_PATH: cannot read .*missing.json: ENOENT/,
    ],
    [{ CLEANUP_CONFIG: '{"dryRun": true' }, /CLEANUP_CONFIG is not valid JSON/],
  ])('rejects %j', async (env, message) => {
    await expect(loadConfig(env)).rejects.toThrow(message);
  });

  it('falls back to CLOUD_SDK_AK/SK without a secret id, naming what is missing', async () => {
    const config = parseConfig(JSON.parse(CONFIG));
    expect(await loadAccounts({ CLOUD_SDK_AK: 'AK', CLOUD_SDK_SK: 'SK' }, config)).toEqual(
      new Map([['default', { ak: 'AK', sk: 'SK', securityToken: undefined }]]),
    );
    await expect(loadAccounts({ CLOUD_SDK_AK: 'AK' }, config)).rejects.toThrow(/CLOUD_SDK_SK: is not set/);
    await expect(loadAccounts({}, config)).rejects.toThrow(/CLOUD_SDK_AK: is not set/);
  });

  it('a named account needs a secret', async () => {
    const config = parseConfig({
      ...JSON.parse(CONFIG),
      fleets: [
        { region: 'cn-north-4', projectId: '0123456789abcdef0123456789abcdef', account: 'prod', tags: {} },
      ],
    });
    await expect(loadAccounts({ CLOUD_SDK_AK: 'AK', CLOUD_SDK_SK: 'SK' }, config)).rejects.toThrow(
      /DCS_CREDENTIALS_SECRET_ID: is not set: the config uses account "prod"/,
    );
  });

  it('publishes to the default bus unless ALERT_EVENT_BUS names one', () => {
    expect(alertBus({})).toBe('default');
    expect(alertBus({ ALERT_EVENT_BUS: 'arn:aws:events:eu-west-1:123456789012:event-bus/ops' })).toContain(
      'event-bus/ops',
    );
  });
});
