// A request to the DCS API: a transport request plus what signing and the auth guard need.
import type { HttpRequest, Interceptor } from '../http/request.js';
import type { Accounts } from '../model/credentials.js';
import type { Clock } from '../time/clock.js';
import { RequestPathError } from './paths.js';
import { formatSdkDate, type QueryPairs, sign } from './signer.js';

export interface DcsRequest extends HttpRequest {
  /** Whose credentials sign it (and whose auth guard it passes). */
  account: string;
  projectId: string;
  /** Decoded path segments: what the signer canonicalises. */
  segments: readonly string[];
  query: QueryPairs;
}

/** Signs every attempt afresh (a retry gets a new X-Sdk-Date) with its account's credentials. */
export function signing<R extends DcsRequest>(accounts: Accounts, clock: Clock): Interceptor<R> {
  return (next) => (request) => {
    const credentials = accounts.get(request.account);
    // Accounts are checked before any request (config/credentials.ts): this is a bug, not bad input.
    if (!credentials) throw new RequestPathError(`no credentials for account "${request.account}"`);
    const signed = sign(
      {
        method: request.method,
        host: new URL(request.origin).host,
        pathSegments: request.segments,
        query: request.query,
        headers: { 'Content-Type': 'application/json', 'X-Project-Id': request.projectId },
        body: '',
      },
      credentials,
      formatSdkDate(new Date(clock.now())),
    );
    return next({ ...request, headers: { ...request.headers, ...signed.headers } });
  };
}
