// The simulator's OIDC issuers (keys, JWKS, signed tokens) and AWS STS GetWebIdentityToken, whose tokens an
// AWS account's issuer signs. Real signatures, made and checked with jose.
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JSONWebKeySet, type JWTPayload, SignJWT } from 'jose';
import type { Reply } from './reply.js';

/** An AWS account and role, as GetWebIdentityToken names the caller. */
export const SIMULATED_AWS_ROLE = 'arn:aws:iam::123456789012:role/dcs-task-cleanup';

export interface Issuer {
  url: string;
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  jwks: JSONWebKeySet;
}

export async function issuer(url: string): Promise<Issuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: randomUUID(), alg: 'RS256', use: 'sig' };
  return { url, privateKey, jwks: { keys: [jwk] } };
}

export async function sign(issuer: Issuer, claims: JWTPayload): Promise<string> {
  const kid = issuer.jwks.keys[0]?.kid;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(kid ? { kid } : {}) })
    .setIssuer(issuer.url)
    .sign(issuer.privateKey);
}

/** AWS STS's query protocol: a form body in, XML out; any SigV4 signature will do here. */
export async function awsStsAnswer(
  text: string,
  authorization: string | undefined,
  awsIssuer: Issuer,
  nowMs: number,
): Promise<Reply> {
  const form = new URLSearchParams(text);
  const xmlError = (status: number, code: string, message: string): Reply => ({
    status,
    rawBody: `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
    headers: { 'Content-Type': 'text/xml' },
  });
  if (!authorization?.startsWith('AWS4-HMAC-SHA256 '))
    return xmlError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
  if (form.get('Action') !== 'GetWebIdentityToken')
    return xmlError(400, 'InvalidAction', `${form.get('Action')} is not served here`);
  const audience = form.get('Audience.member.1');
  if (!audience) return xmlError(400, 'ValidationError', 'Audience is required');
  const seconds = Number(form.get('DurationSeconds') ?? 300);
  const now = Math.floor(nowMs / 1000);
  const token = await sign(awsIssuer, {
    sub: SIMULATED_AWS_ROLE,
    aud: audience,
    iat: now,
    exp: now + seconds,
    jti: randomUUID(),
  });
  const expiration = new Date((now + seconds) * 1000).toISOString();
  return {
    status: 200,
    headers: { 'Content-Type': 'text/xml' },
    rawBody: `<GetWebIdentityTokenResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetWebIdentityTokenResult><WebIdentityToken>${token}</WebIdentityToken><Expiration>${expiration}</Expiration></GetWebIdentityTokenResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></GetWebIdentityTokenResponse>`,
  };
}
