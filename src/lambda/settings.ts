// Everything the handler reads from its environment: config, credentials per account and the alert bus.
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import {
  credentialsFromEnv,
  missingEnvIssues,
  parseAccounts,
  requireAccounts,
} from '../config/credentials.js';
import { InputError } from '../config/errors.js';
import { parseConfigText } from '../config/load.js';
import { type Config, DEFAULT_ACCOUNT } from '../model/config.js';
import type { Accounts } from '../model/credentials.js';

type Env = Record<string, string | undefined>;

/** Secrets are re-read at most this often, so a rotated key is picked up without a cold start. */
const SECRET_MAX_AGE_SECONDS = 300;

/** CLEANUP_CONFIG (inline JSON) or CLEANUP_CONFIG_PATH (a file in the bundle). */
export async function loadConfig(env: Env): Promise<Config> {
  const inline = env.CLEANUP_CONFIG;
  const path = env.CLEANUP_CONFIG_PATH;
  if (inline && path)
    throw InputError.of('CLEANUP_CONFIG', 'set either CLEANUP_CONFIG or CLEANUP_CONFIG_PATH, not both');
  if (inline) return parseConfigText(inline, 'CLEANUP_CONFIG');
  if (!path)
    throw InputError.of('CLEANUP_CONFIG', 'is not set (nor CLEANUP_CONFIG_PATH): the function has no config');
  const file = isAbsolute(path) ? path : resolve(env.LAMBDA_TASK_ROOT ?? process.cwd(), path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw InputError.of(
      'CLEANUP_CONFIG_PATH',
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  return parseConfigText(text, file);
}

/**
 * DCS credentials by account: from Secrets Manager (cached across invocations) as `{"ak","sk",
 * "securityToken"?}` for `default` or `{"accounts": {NAME: …}}` for several; or, without a secret id,
 * CLOUD_SDK_AK/SK as `default`. Every account the config uses must be there, before any request.
 */
export async function loadAccounts(env: Env, config: Config): Promise<Accounts> {
  const secretId = env.DCS_CREDENTIALS_SECRET_ID;
  const accounts = secretId ? await accountsFromSecret(secretId) : accountsFromEnv(env);
  requireAccounts(config, accounts, (account) =>
    secretId
      ? [
          {
            path: 'DCS_CREDENTIALS_SECRET_ID',
            message: `secret ${secretId} has no credentials for account "${account}"`,
          },
        ]
      : account === DEFAULT_ACCOUNT
        ? missingEnvIssues()
        : [
            {
              path: 'DCS_CREDENTIALS_SECRET_ID',
              message: `is not set: the config uses account "${account}", which only a secret can hold`,
            },
          ],
  );
  return accounts;
}

function accountsFromEnv(env: Env): Accounts {
  const credentials = credentialsFromEnv(env);
  return new Map(credentials ? [[DEFAULT_ACCOUNT, credentials]] : []);
}

async function accountsFromSecret(secretId: string): Promise<Accounts> {
  let text: unknown;
  try {
    // Loaded on first use: without a secret id the Secrets Manager SDK is never loaded.
    const { getSecret } = await import('@aws-lambda-powertools/parameters/secrets');
    text = await getSecret(secretId, { maxAge: SECRET_MAX_AGE_SECONDS });
  } catch (error) {
    // The SDK's message names the secret and the cause, never its value.
    throw InputError.of(
      'DCS_CREDENTIALS_SECRET_ID',
      `cannot read secret ${secretId}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  // Parsed by us, not by a Powertools transform: JSON.parse's own error message would quote the secret.
  return parseAccounts(typeof text === 'string' ? text : '', {
    field: 'DCS_CREDENTIALS_SECRET_ID',
    source: `secret ${secretId}`,
    singleAllowed: true,
  });
}

/** ALERT_EVENT_BUS: a bus name or ARN; `default` when unset. */
export function alertBus(env: Env): string {
  return env.ALERT_EVENT_BUS || 'default';
}
