// Credentials per account: what the config's `account` names, the signer uses and every output redacts.

export interface Credentials {
  ak: string;
  sk: string;
  securityToken?: string | undefined;
}

/** Credentials by account name. */
export type Accounts = ReadonlyMap<string, Credentials>;

/** Every secret of every account, for redaction. */
export function secretsOf(accounts: Accounts): string[] {
  return [...accounts.values()].flatMap((credentials) =>
    credentials.securityToken ? [credentials.sk, credentials.securityToken] : [credentials.sk],
  );
}
