// The CLI's credentials (docs/config.md): `default` from the environment, named accounts from --credentials.
import { readFile, stat } from 'node:fs/promises';
import {
  credentialsFromEnv,
  missingEnvIssues,
  parseAccounts,
  requireAccounts,
} from '../config/credentials.js';
import { InputError, type InputIssue } from '../config/errors.js';
import { type Config, DEFAULT_ACCOUNT } from '../model/config.js';
import type { Accounts, Credentials } from '../model/credentials.js';

/** Something the operator should see before the run starts (e.g. a credentials file others can read). */
export interface Warning {
  message: string;
  fields: Record<string, unknown>;
}

/**
 * The `default` account from the environment, every account of the --credentials file (which wins for
 * `default`: a flag is more explicit than the environment). Each account the config uses must be there.
 */
export async function loadAccounts(
  config: Config,
  path: string | undefined,
  env: Record<string, string | undefined>,
): Promise<{ accounts: Accounts; warnings: Warning[] }> {
  const accounts = new Map<string, Credentials>();
  const fromEnv = credentialsFromEnv(env);
  if (fromEnv) accounts.set(DEFAULT_ACCOUNT, fromEnv);
  const warnings: Warning[] = [];
  if (path !== undefined) {
    let text: string;
    let mode: number;
    try {
      [text, { mode }] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    } catch (error) {
      throw InputError.of(
        '--credentials',
        `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
        { cause: error },
      );
    }
    const fromFile = parseAccounts(text, { field: '--credentials', source: path, singleAllowed: false });
    for (const [name, credentials] of fromFile) accounts.set(name, credentials);
    if ((mode & 0o044) !== 0) {
      warnings.push({
        message: 'the credentials file is readable by group or others: chmod 600 it',
        fields: { path, mode: `0${(mode & 0o777).toString(8)}` },
      });
    }
  }
  requireAccounts(config, accounts, (account): InputIssue[] =>
    account === DEFAULT_ACCOUNT
      ? missingEnvIssues().map((issue) => ({
          ...issue,
          message: `${issue.message} (or give a "default" account in --credentials)`,
        }))
      : [
          {
            path: '--credentials',
            message:
              path === undefined
                ? `is needed: the config uses account "${account}"; pass a file with {"accounts": {"${account}": {"ak","sk"}}}`
                : `has no account "${account}", which the config uses`,
          },
        ],
  );
  return { accounts, warnings };
}
