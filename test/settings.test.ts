import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alertBus, loadConfig, loadCredentials } from '../src/lambda/settings.js';
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
    expect(await loadCredentials({ CLOUD_SDK_AK: 'AK', CLOUD_SDK_SK: 'SK' })).toEqual({
      ak: 'AK',
      sk: 'SK',
      securityToken: undefined,
    });
    await expect(loadCredentials({ CLOUD_SDK_AK: 'AK' })).rejects.toThrow(/CLOUD_SDK_SK: is not set/);
  });

  it('publishes to the default bus unless ALERT_EVENT_BUS names one', () => {
    expect(alertBus({})).toBe('default');
    expect(alertBus({ ALERT_EVENT_BUS: 'arn:aws:events:eu-west-1:123456789012:event-bus/ops' })).toContain(
      'event-bus/ops',
    );
  });
});
