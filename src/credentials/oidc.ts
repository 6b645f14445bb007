// IAM's AssumeAgencyWithOIDC (docs/credentials.md, dcs-api.md §10.3): an id token (a file, or AWS STS's
// GetWebIdentityToken) traded for the agency's temporary credentials in one unsigned call.
import { decodeJwt } from 'jose';
import type { CredentialSource } from '../model/credentials.js';
import type { Clock } from '../time/clock.js';
import { ANSWER_SHAPES, isRecord, parseCredentials } from './answers.js';
import { awsWebIdentityToken } from './aws-web-identity.js';
import { readToken } from './cce-pod-identity.js';
import { CredentialsError } from './errors.js';
import { answerError, type IdentityCall } from './identity-http.js';
import type { Fetch } from './refresh.js';

type OidcSource = Extract<CredentialSource, { source: 'oidc' }>;

export const ASSUME_WITH_OIDC_PATH = '/v5/agencies/assume-with-oidc';
/** IAM's bounds on the id token's length. */
const ID_TOKEN_LENGTH = { min: 4, max: 20_000 };
const TRUST_FIX =
  "the agency's trust policy must allow sts:agencies:assumeWithOIDC for this provider, with conditions on oidc:aud and oidc:sub that match the token";

export function oidc(call: IdentityCall, source: OidcSource, clock: Clock): Fetch {
  return async (noteSecret) => {
    const idToken =
      'file' in source.idToken
        ? await readToken(source.idToken.file, 'idToken.file')
        : await awsWebIdentityToken(source.idToken.awsWebIdentity);
    noteSecret(idToken);
    const claims = readClaims(idToken, clock.now());
    const what = `IAM STS (${source.stsEndpoint})`;
    const answer = await call({
      what,
      url: `${source.stsEndpoint}${ASSUME_WITH_OIDC_PATH}`,
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        provider_urn: source.providerUrn,
        agency_urn: source.agencyUrn,
        agency_session_name: source.sessionName,
        id_token: idToken,
        duration_seconds: source.durationSeconds,
      }),
    });
    if (answer.status < 200 || answer.status >= 300)
      throw answerError(what, answer, answer.status === 403 ? TRUST_FIX : undefined);
    const { issued, body } = parseCredentials(answer.text, ANSWER_SHAPES.oidc, clock.now(), what, noteSecret);
    const agency = isRecord(body.assumed_agency) ? body.assumed_agency.urn : undefined;
    return {
      ...issued,
      facts: {
        ...(typeof agency === 'string' ? { agency } : {}),
        ...(claims.sub ? { subject: claims.sub } : {}),
      },
    };
  };
}

/** The id token's subject and expiry, read (not verified: IAM verifies) to diagnose before sending it. */
function readClaims(idToken: string, nowMs: number): { sub?: string | undefined } {
  if (idToken.length < ID_TOKEN_LENGTH.min || idToken.length > ID_TOKEN_LENGTH.max) {
    throw new CredentialsError(
      `the id token has ${idToken.length} characters; IAM takes ${ID_TOKEN_LENGTH.min} to ${ID_TOKEN_LENGTH.max}`,
      false,
    );
  }
  let claims: { sub?: unknown; exp?: unknown };
  try {
    claims = decodeJwt(idToken);
  } catch {
    throw new CredentialsError('the id token is not a JWT', false);
  }
  if (typeof claims.exp === 'number' && claims.exp * 1000 <= nowMs) {
    throw new CredentialsError(
      `the id token expired at ${new Date(claims.exp * 1000).toISOString()} (its exp): the issuer did not renew it`,
      false,
    );
  }
  return { sub: typeof claims.sub === 'string' ? claims.sub : undefined };
}
