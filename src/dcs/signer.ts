// SDK-HMAC-SHA256, Huawei Cloud's AK/SK request signature (docs/dcs-api.md, "Signing").
// Pure: the caller supplies the date, so the same inputs always give the same signature.
import { createHash, createHmac } from 'node:crypto';
import type { Credentials } from '../model/credentials.js';

export const ALGORITHM = 'SDK-HMAC-SHA256';

export type QueryPairs = ReadonlyArray<readonly [name: string, value: string]>;

export interface RequestToSign {
  method: string;
  /** host[:port] exactly as the HTTP Host header carries it. */
  host: string;
  /** Decoded path segments, e.g. ['v2', projectId, 'instances', instanceId, 'tasks']. */
  pathSegments: readonly string[];
  query: QueryPairs;
  /** Headers to sign besides host and x-sdk-date (names in any case). */
  headers: Readonly<Record<string, string>>;
  body: string;
}

export interface Signature {
  /** Every header to send, signed ones included: host is left to the HTTP client. */
  headers: Record<string, string>;
  canonicalRequest: string;
  stringToSign: string;
  signedHeaders: string;
  signature: string;
}

/** `YYYYMMDD'T'HHMMSS'Z'` in UTC, the X-Sdk-Date format. */
export function formatSdkDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** RFC 3986 unreserved characters stay; every other UTF-8 byte becomes %XX (upper case). */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The path as it is sent on the wire (no trailing slash added). */
export function encodePath(segments: readonly string[]): string {
  return `/${segments.map(percentEncode).join('/')}`;
}

/** The canonical query string; the client sends exactly this, so what is signed is what is sent. */
export function canonicalQuery(query: QueryPairs): string {
  return [...query]
    .sort(([an, av], [bn, bv]) => compareCodeUnits(an, bn) || compareCodeUnits(av, bv))
    .map(([name, value]) => `${percentEncode(name)}=${percentEncode(value)}`)
    .join('&');
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface CanonicalParts {
  method: string;
  pathSegments: readonly string[];
  query: QueryPairs;
  /** Lower-case header name → value, for exactly the headers to sign (host included). */
  headers: ReadonlyMap<string, string>;
  payloadHash: string;
}

/** The canonical request and the SignedHeaders list it commits to. */
export function canonicalRequest(parts: CanonicalParts): { canonicalRequest: string; signedHeaders: string } {
  const names = [...parts.headers.keys()].sort(compareCodeUnits);
  const signedHeaders = names.join(';');
  const text = [
    parts.method.toUpperCase(),
    canonicalUri(parts.pathSegments),
    canonicalQuery(parts.query),
    names.map((name) => `${name}:${parts.headers.get(name)?.trim()}\n`).join(''),
    signedHeaders,
    parts.payloadHash,
  ].join('\n');
  return { canonicalRequest: text, signedHeaders };
}

export function stringToSign(sdkDate: string, canonical: string): string {
  return `${ALGORITHM}\n${sdkDate}\n${sha256Hex(canonical)}`;
}

export function sign(request: RequestToSign, credentials: Credentials, sdkDate: string): Signature {
  const headers: Record<string, string> = { ...request.headers, 'X-Sdk-Date': sdkDate };
  if (credentials.securityToken) headers['X-Security-Token'] = credentials.securityToken;
  const toSign = new Map<string, string>([['host', request.host]]);
  for (const [name, value] of Object.entries(headers)) toSign.set(name.toLowerCase(), value);

  const canonical = canonicalRequest({ ...request, headers: toSign, payloadHash: sha256Hex(request.body) });
  const text = stringToSign(sdkDate, canonical.canonicalRequest);
  const signature = hmacHex(credentials.sk, text);
  headers.Authorization = `${ALGORITHM} Access=${credentials.ak}, SignedHeaders=${canonical.signedHeaders}, Signature=${signature}`;
  return { headers, ...canonical, stringToSign: text, signature };
}

export function hmacHex(key: string, message: string): string {
  return createHmac('sha256', key).update(message).digest('hex');
}

function canonicalUri(segments: readonly string[]): string {
  const path = encodePath(segments);
  return path.endsWith('/') ? path : `${path}/`;
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
