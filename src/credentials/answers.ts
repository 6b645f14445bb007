// The identity answers, validated (docs/credentials.md): credentials with every part a non-empty string and
// an expiry that parses, lies ahead and no more than 7 days ahead. Errors name the field, never a value.
import { parseJsonQuietly } from '../text/json.js';
import { CredentialsError } from './errors.js';
import type { IssuedCredentials } from './refresh.js';

/** ISO 8601 date and time with seconds, optional fraction, and a zone: what each source sends. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
/** Printable ASCII without spaces: what an AK, SK or security token is, and what a header can carry. */
const HEADER_SAFE = /^[\x21-\x7e]+$/;
/** Expiries further ahead are refused: no source issues credentials for longer (OIDC: 12 h; FunctionGraph: 24 h). */
export const MAX_CREDENTIAL_LIFETIME_MS = 7 * 86_400_000;

/** An expiry as ms since the epoch; an error unless it parses and lies between now and 7 days ahead. */
export function parseExpiry(value: unknown, nowMs: number, what: string): number {
  const text = typeof value === 'string' ? value : '';
  // JavaScript's Date reads milliseconds only: a longer fraction is cut, not refused.
  const ms = ISO_INSTANT.test(text) ? Date.parse(text.replace(/(\.\d{3})\d+/, '$1')) : Number.NaN;
  if (Number.isNaN(ms)) throw new CredentialsError(`${what}: the expiry is not an ISO 8601 time`, false);
  if (ms <= nowMs) throw new CredentialsError(`${what}: the credentials expire in the past (${text})`, false);
  if (ms - nowMs > MAX_CREDENTIAL_LIFETIME_MS)
    throw new CredentialsError(`${what}: the credentials expire more than 7 days ahead (${text})`, false);
  return ms;
}

/** Where each part of the credentials is in an answer: the object's path, then the names of its fields. */
export interface AnswerShape {
  object: string;
  ak: string;
  sk: string;
  securityToken: string;
  expiry: string;
}

export const ANSWER_SHAPES = {
  metadata: {
    object: 'credential',
    ak: 'access',
    sk: 'secret',
    securityToken: 'securitytoken',
    expiry: 'expires_at',
  },
  oidc: {
    object: 'credentials',
    ak: 'access_key_id',
    sk: 'secret_access_key',
    securityToken: 'security_token',
    expiry: 'expiration',
  },
  podIdentity: {
    object: 'credentials',
    ak: 'accessKeyId',
    sk: 'secretAccessKey',
    securityToken: 'securityToken',
    expiry: 'expiration',
  },
} as const satisfies Record<string, AnswerShape>;

/**
 * The credentials of an answer shaped as `shape` says. Each secret part goes to `noteSecret` as soon as it is
 * read, before anything could echo it.
 */
export function parseCredentials(
  text: string,
  shape: AnswerShape,
  nowMs: number,
  what: string,
  noteSecret: (secret: string) => void,
): { issued: Omit<IssuedCredentials, 'facts'>; body: Record<string, unknown> } {
  const body = parseJsonQuietly(text);
  const object = isRecord(body) ? body[shape.object] : undefined;
  if (!isRecord(body) || !isRecord(object))
    throw new CredentialsError(`${what}: the answer is not JSON with a "${shape.object}" object`, false);
  const part = (name: string) => {
    const value = object[name];
    if (typeof value !== 'string' || value.length === 0)
      throw new CredentialsError(`${what}: ${shape.object}.${name} is missing or not a string`, false);
    // Each part goes into a request header (Authorization, X-Security-Token): nothing that could split one.
    if (!HEADER_SAFE.test(value))
      throw new CredentialsError(
        `${what}: ${shape.object}.${name} holds characters a header cannot carry`,
        false,
      );
    return value;
  };
  const [sk, securityToken] = [part(shape.sk), part(shape.securityToken)];
  noteSecret(sk);
  noteSecret(securityToken);
  const ak = part(shape.ak);
  const expiresAtMs = parseExpiry(object[shape.expiry], nowMs, `${what}: ${shape.object}.${shape.expiry}`);
  return { issued: { credentials: { ak, sk, securityToken }, expiresAtMs }, body };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
