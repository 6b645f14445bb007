// Credentials per account: what the config's `account` names, the signer uses and every output redacts.

export interface Credentials {
  ak: string;
  sk: string;
  securityToken?: string | undefined;
}

/** Long-lived keys by account name (the environment, a credentials file, the Lambda's secret). */
export type Accounts = ReadonlyMap<string, Credentials>;

/** Where an id token for IAM's AssumeAgencyWithOIDC comes from. */
export type IdTokenSource =
  | { file: string }
  | { awsWebIdentity: { audience: string; signingAlgorithm: 'RS256' | 'ES384' } };

/** Where an account's temporary credentials come from (the config's `accounts`, docs/credentials.md). */
export type CredentialSource =
  | { source: 'ecs-agency' }
  | { source: 'cce-pod-identity' }
  | {
      source: 'oidc';
      providerUrn: string;
      agencyUrn: string;
      sessionName: string;
      durationSeconds: number;
      /** Origin of IAM's STS: https://sts.{region}.myhuaweicloud.com unless the config names another. */
      stsEndpoint: string;
      idToken: IdTokenSource;
    };

export type SourceName = CredentialSource['source'] | 'keys';
