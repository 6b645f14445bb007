import type { Credentials } from '../dcs/signer.js';
import { InputError } from './errors.js';

/** CLOUD_SDK_AK, CLOUD_SDK_SK and optional CLOUD_SDK_SECURITY_TOKEN (temporary credentials). */
export function credentialsFromEnv(env: Record<string, string | undefined>): Credentials {
  const ak = env.CLOUD_SDK_AK?.trim();
  const sk = env.CLOUD_SDK_SK?.trim();
  const issues = [
    ...(ak ? [] : [{ path: 'CLOUD_SDK_AK', message: 'is not set: export the access key id' }]),
    ...(sk ? [] : [{ path: 'CLOUD_SDK_SK', message: 'is not set: export the secret access key' }]),
  ];
  if (!ak || !sk) throw new InputError(issues);
  const securityToken = env.CLOUD_SDK_SECURITY_TOKEN?.trim() || undefined;
  return { ak, sk, securityToken };
}
