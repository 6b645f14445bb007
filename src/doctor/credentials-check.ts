// doctor's `credentials` check, one per account (docs/doctor.md): where its credentials come from and, for
// temporary ones, whether the source gives them now, when they expire, the agency and the token's subject.
import type { CredentialSet } from '../credentials/accounts.js';
import type { SourceName } from '../model/credentials.js';
import type { Check } from './diagnose.js';

/** What to do when a source gives nothing, per source. */
const FIXES: Record<Exclude<SourceName, 'keys'>, string> = {
  'ecs-agency':
    'Run on an ECS instance with an agency that holds the DCS policy (ECS console: Management Information → Agency), or name another source.',
  oidc: "Check the id token (its file, or the function's sts:GetWebIdentityToken right), the provider's issuer URL and client ids, and the agency's trust policy (sts:agencies:assumeWithOIDC with oidc:aud and oidc:sub conditions).",
  'cce-pod-identity':
    "Bind the pod's service account to an agency (CCE pod identity association) so that HC_CONTAINER_CREDENTIALS_FULL_URI and HC_CONTAINER_AUTHORIZATION_TOKEN_FILE are set.",
};

export async function credentialsChecks(
  accounts: CredentialSet,
  used: readonly string[],
  timed: (
    target: string,
    work: () => Promise<Omit<Check, 'check' | 'target' | 'durationMs'>>,
  ) => Promise<unknown>,
): Promise<string[]> {
  const failed: string[] = [];
  for (const name of used) {
    const account = accounts.get(name);
    if (!account) continue;
    await timed(`account ${name}`, async () => {
      if (account.source === 'keys') {
        return {
          status: 'warn',
          detail: 'long-lived key: a temporary source is safer',
          fix: 'Name a source for this account in the config\'s "accounts" (ecs-agency, oidc, cce-pod-identity): docs/credentials.md.',
        };
      }
      try {
        await account.current();
      } catch (error) {
        failed.push(name);
        return { status: 'fail', detail: (error as Error).message, fix: FIXES[account.source] };
      }
      const facts = account.facts();
      const shown = [
        `expire at ${facts.expiresAt}`,
        ...(facts.agency ? [`agency ${facts.agency}`] : []),
        ...(facts.subject ? [`token subject ${facts.subject}`] : []),
      ];
      return { status: 'ok', detail: `temporary, from ${account.source}: ${shown.join('; ')}` };
    });
  }
  return failed;
}
