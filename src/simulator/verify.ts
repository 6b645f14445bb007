// Signature verification as strict as the API gateway's: the simulator rejects what Huawei would.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ALGORITHM, canonicalRequest, hmacHex, type QueryPairs, stringToSign } from '../dcs/signer.js';
import { headerValue } from '../http/header.js';
import type { Credentials } from '../model/credentials.js';
import { parseCompactUtc } from './compact-time.js';

export const MAX_CLOCK_SKEW_MS = 15 * 60_000;

export interface ReceivedRequest {
  method: string;
  pathSegments: string[];
  query: QueryPairs;
  headers: IncomingHttpHeaders;
  payloadHash: string;
}

export interface AuthFailure {
  errorCode: 'APIGW.0301' | 'APIGW.0303';
  message: string;
}

const AUTHORIZATION = new RegExp(
  `^${ALGORITHM} Access=([^,\\s]+), SignedHeaders=([^,\\s]+), Signature=([0-9a-f]{64})$`,
);
const SDK_DATE = /^\d{8}T\d{6}Z$/;

/** Undefined when the request is properly signed by a known credential; the reason otherwise. */
export function verifySignature(
  request: ReceivedRequest,
  lookup: (ak: string) => (Credentials & { expiresAtMs?: number | undefined }) | undefined,
  nowMs: number,
): AuthFailure | undefined {
  const header = headerValue(request.headers.authorization);
  const match = header ? AUTHORIZATION.exec(header) : null;
  if (!match) return reject('missing or malformed Authorization header');
  const [, ak = '', signedList = '', signature = ''] = match;
  const credentials = lookup(ak);
  if (!credentials) return reject('unknown access key');

  const signedNames = signedList.split(';');
  if (signedNames.join(';') !== [...signedNames].sort().join(';'))
    return reject('SignedHeaders is not sorted');
  for (const required of ['host', 'x-sdk-date']) {
    if (!signedNames.includes(required)) return reject(`${required} is not signed`);
  }
  const sdkDate = headerValue(request.headers['x-sdk-date']) ?? '';
  const signedAt = SDK_DATE.test(sdkDate) ? parseCompactUtc(sdkDate) : undefined;
  if (signedAt === undefined) return reject('X-Sdk-Date is not in YYYYMMDDTHHMMSSZ form');
  if (Math.abs(nowMs - signedAt) > MAX_CLOCK_SKEW_MS) {
    return {
      errorCode: 'APIGW.0303',
      message: 'Incorrect IAM authentication information: the request time is skewed',
    };
  }
  if (credentials.securityToken !== undefined) {
    if (!signedNames.includes('x-security-token')) return reject('x-security-token is not signed');
    if (headerValue(request.headers['x-security-token']) !== credentials.securityToken)
      return reject('bad security token');
    // Temporary credentials: refused once expired, as IAM refuses them.
    if (credentials.expiresAtMs !== undefined && nowMs >= credentials.expiresAtMs)
      return reject('the security token has expired');
  }

  const headers = new Map<string, string>();
  for (const name of signedNames) {
    const value = request.headers[name];
    if (value === undefined) return reject(`signed header ${name} is missing`);
    headers.set(name, Array.isArray(value) ? value.join(',') : value);
  }
  const canonical = canonicalRequest({ ...request, headers });
  const expected = hmacHex(credentials.sk, stringToSign(sdkDate, canonical.canonicalRequest));
  if (!timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) return reject('signature mismatch');
  return undefined;
}

function reject(detail: string): AuthFailure {
  return { errorCode: 'APIGW.0301', message: `Incorrect IAM authentication information: ${detail}` };
}
