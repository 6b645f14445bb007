// Everything the handler reads from its environment: config, credentials and the alert bus.
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import * as z from 'zod';
import { credentialsFromEnv } from '../config/credentials.js';
import { InputError } from '../config/errors.js';
import { parseConfigText } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { Credentials } from '../dcs/signer.js';

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

const secretSchema = z.object({
  ak: z.string({ error: 'is required' }).min(1, { error: 'is empty' }),
  sk: z.string({ error: 'is required' }).min(1, { error: 'is empty' }),
  securityToken: z.string({ error: 'must be a string' }).min(1, { error: 'is empty' }).optional(),
});

/** DCS credentials from Secrets Manager (cached across invocations), or CLOUD_SDK_AK/SK without a secret. */
export async function loadCredentials(env: Env): Promise<Credentials> {
  const secretId = env.DCS_CREDENTIALS_SECRET_ID;
  if (!secretId) return credentialsFromEnv(env);
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
    );
  }
  // Parsed here, not by a transform: JSON.parse's own error message would quote the secret.
  const value = typeof text === 'string' ? parseJsonQuietly(text) : undefined;
  const parsed = secretSchema.safeParse(value);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'value'} ${issue.message}`);
    throw InputError.of(
      'DCS_CREDENTIALS_SECRET_ID',
      `secret ${secretId} must be JSON {"ak","sk","securityToken"?}: ${fields.join('; ')}`,
    );
  }
  return parsed.data;
}

function parseJsonQuietly(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** ALERT_EVENT_BUS: a bus name or ARN; `default` when unset. */
export function alertBus(env: Env): string {
  return env.ALERT_EVENT_BUS || 'default';
}
