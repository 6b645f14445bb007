// A request to the DCS API: a transport request plus what signing and the auth guard need.

import { CredentialsUnavailableError } from '../credentials/errors.js';
import type { AccountCredentials } from '../credentials/refresh.js';
import { type HttpRequest, type Interceptor, NotSentError } from '../http/request.js';
import type { Credentials } from '../model/credentials.js';
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

/**
 * Signs every attempt afresh (a retry gets a new X-Sdk-Date) with its account's current credentials. A 401
 * on temporary credentials renews them once and sends the request once more (docs/credentials.md): only
 * that second answer counts for the auth guard. An account whose credentials are gone sends nothing.
 */
export function signing<R extends DcsRequest>(
  accounts: ReadonlyMap<string, AccountCredentials>,
  clock: Clock,
): Interceptor<R> {
  return (next) => async (request) => {
    const account = accounts.get(request.account);
    // Accounts are checked before any request (config/credentials.ts): this is a bug, not bad input.
    if (!account) throw new RequestPathError(`no credentials for account "${request.account}"`);
    const sendWith = (credentials: Credentials) => next(signed(request, credentials, clock));
    const used = await notSentWithout(() => account.current());
    const response = await sendWith(used);
    if (response.status !== 401 || !account.temporary) return response;
    return sendWith(await notSentWithout(() => account.renew(used)));
  };
}

function signed<R extends DcsRequest>(request: R, credentials: Credentials, clock: Clock): R {
  const { headers } = sign(
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
  return { ...request, headers: { ...request.headers, ...headers } };
}

/** Credentials, or a request that is not sent (reason `credentials`) when the account has none left. */
async function notSentWithout(get: () => Promise<Credentials>): Promise<Credentials> {
  try {
    return await get();
  } catch (error) {
    if (error instanceof CredentialsUnavailableError) throw new NotSentError('credentials', error.message);
    throw error;
  }
}
