// Credentials per account (docs/config.md): the environment gives `default`; a credentials file or secret
// gives named accounts. Errors name the field and never quote a value: these texts hold secrets.
import * as z from 'zod';
import { accountsUsed, type Config, DEFAULT_ACCOUNT } from '../model/config.js';
import type { Accounts, Credentials } from '../model/credentials.js';
import { ACCOUNT_NAME } from '../model/ids.js';
import { parseJsonQuietly } from '../text/json.js';
import { InputError, type InputIssue } from './errors.js';

const nonEmpty = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
  .min(1, { error: 'is empty' });
const credentialsSchema = z.strictObject({
  ak: nonEmpty,
  sk: nonEmpty,
  securityToken: nonEmpty.optional(),
});
const accountsSchema = z.strictObject({
  accounts: z.record(z.string().regex(ACCOUNT_NAME), credentialsSchema, {
    // zod reports a bad key as `invalid_key` on the record itself.
    error: (issue) =>
      issue.code === 'invalid_key'
        ? 'account names are a lower-case letter, then [a-z0-9-], at most 32'
        : issue.code === 'invalid_type'
          ? 'must be an object of account name → {"ak","sk","securityToken"?}'
          : undefined,
  }),
});

/** The environment's names for the `default` account's keys: ours, and the official SDKs'. */
const ENV_NAMES = {
  ak: ['CLOUD_SDK_AK', 'HUAWEICLOUD_SDK_AK'],
  sk: ['CLOUD_SDK_SK', 'HUAWEICLOUD_SDK_SK'],
  securityToken: ['CLOUD_SDK_SECURITY_TOKEN', 'HUAWEICLOUD_SDK_SECURITY_TOKEN'],
} as const;

/**
 * The `default` account from CLOUD_SDK_AK, CLOUD_SDK_SK and optional CLOUD_SDK_SECURITY_TOKEN, or the official
 * SDKs' HUAWEICLOUD_SDK_AK, _SK, _SECURITY_TOKEN; undefined when no key is set. One key without the other,
 * or both spellings with different values, is an error.
 */
export function credentialsFromEnv(env: Record<string, string | undefined>): Credentials | undefined {
  const conflicts: InputIssue[] = [];
  const read = (names: readonly [string, string]) => {
    const [ours, official] = names.map((name) => env[name]?.trim() || undefined);
    if (ours && official && ours !== official)
      conflicts.push({
        path: names[0],
        message: `and ${names[1]} are both set, to different values: set one`,
      });
    return ours ?? official;
  };
  const [ak, sk, securityToken] = [read(ENV_NAMES.ak), read(ENV_NAMES.sk), read(ENV_NAMES.securityToken)];
  if (conflicts.length > 0) throw new InputError(conflicts);
  if (!ak && !sk) return undefined;
  if (!ak || !sk) throw new InputError(missingEnvIssues(ak, sk));
  return { ak, sk, securityToken };
}

/** What is missing from the environment for the `default` account. */
export function missingEnvIssues(ak?: string, sk?: string): InputIssue[] {
  return [
    ...(ak ? [] : [{ path: 'CLOUD_SDK_AK', message: 'is not set: export the access key id' }]),
    ...(sk ? [] : [{ path: 'CLOUD_SDK_SK', message: 'is not set: export the secret access key' }]),
  ];
}

/** Where credentials JSON comes from: the field errors name, and the source their message names. */
export interface CredentialsSource {
  field: string;
  source: string;
  /** The Lambda secret's short form `{"ak","sk","securityToken"?}` for the `default` account. */
  singleAllowed: boolean;
}

/** Parses credentials JSON: `{"accounts": {NAME: {"ak","sk","securityToken"?}}}` (or the short form). */
export function parseAccounts(
  text: string,
  { field, source, singleAllowed }: CredentialsSource,
): Map<string, Credentials> {
  const value = parseJsonQuietly(text);
  const expected = singleAllowed
    ? 'JSON {"ak","sk","securityToken"?} or {"accounts": {NAME: {"ak","sk","securityToken"?}}}'
    : 'JSON {"accounts": {NAME: {"ak","sk","securityToken"?}}}';
  const fail = (details?: string) =>
    InputError.of(field, `${source} must be ${expected}${details ? `: ${details}` : ''}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail();
  if (!('accounts' in value) && singleAllowed) {
    const single = credentialsSchema.safeParse(value);
    if (!single.success) throw fail(describeIssues(single.error));
    return new Map([[DEFAULT_ACCOUNT, single.data]]);
  }
  const parsed = accountsSchema.safeParse(value);
  if (!parsed.success) throw fail(describeIssues(parsed.error));
  return new Map(Object.entries(parsed.data.accounts));
}

/**
 * Every account the config uses must have keys, unless the config names its source: checked before any
 * request is sent. `missing(name)` says, for the caller's setting, where that account's keys should come from.
 */
export function requireAccounts(
  config: Config,
  accounts: Accounts,
  missing: (account: string) => InputIssue[],
): void {
  const issues = accountsUsed(config)
    .filter((account) => !accounts.has(account) && !config.sources.has(account))
    .flatMap(missing);
  if (issues.length > 0) throw new InputError(issues);
}

/** zod issues as `path message`, without values (the texts hold secrets). */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join('.');
      const message =
        issue.code === 'unrecognized_keys' ? `unknown key ${issue.keys.join(', ')}` : issue.message;
      return path ? `${path} ${message}` : message;
    })
    .join('; ');
}
