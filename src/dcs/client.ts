// The DCS API (docs/dcs-api.md): its three operations and their paging, over a transport stacked from small
// pieces (src/http/): retries around the account's auth guard, the endpoint's pacer, signing and one HTTP
// exchange. Every response is untrusted input (docs/safety.md): validated paths, capped and scanned bodies.
import type { Dispatcher } from 'undici';
import { BODY_CAPS, LISTING_BYTES_HELD } from '../bounds/limits.js';
import {
  type AccountsIn,
  asCredentialSet,
  type CredentialSet,
  secretsOfSet,
} from '../credentials/accounts.js';
import { Breaker, breaking, downError, tripping } from '../http/breaker.js';
import { ByteBudget } from '../http/budget.js';
import { exchange } from '../http/exchange.js';
import { Pacer, paced } from '../http/pacer.js';
import {
  type Delivered,
  type HttpRequest,
  type HttpResponse,
  NotSentError,
  type Send,
  stack,
  TransportError,
} from '../http/request.js';
import { DEFAULT_RETRY, retrying } from '../http/retry.js';
import { Agent } from '../http/undici.js';
import type { Scope, Target } from '../model/config.js';
import type { UnavailableAccount, UnavailableEndpoint } from '../model/endpoint.js';
import type { TaskRecord } from '../policy/policy.js';
import { cut, TEXT_LIMITS } from '../text/cut.js';
import { redactor } from '../text/redact.js';
import type { DcsApi, DcsConnector, DcsSession, DeleteResult, TransportTuning } from './api.js';
import { AuthGuard, guarded } from './auth-guard.js';
import { errorFromResponse, errorFromTransport, malformedError, notSentError } from './errors.js';
import { type InstanceRecord, parseInstancePage } from './instances.js';
import { type Listed, type PageRead, type RecordConsumer, streamRecords } from './listing.js';
import { type PagedListing, readPages } from './page-reader.js';
import { instanceListingEnded, taskListingEnded } from './paging.js';
import { deleteTaskPath, listInstancesPath, listTasksPath, type RequestPath } from './paths.js';
import { type DcsRequest, signing } from './request.js';
import { canonicalQuery, type QueryPairs } from './signer.js';
import { parseTaskPage } from './tasks.js';

/** A listing page (tasks or instances) is read up to 8 MiB; anything else (deletes, errors) up to 1 MiB. */
const { listingPage: LISTING_BODY_CAP, other: OTHER_BODY_CAP } = BODY_CAPS;

export type {
  DcsApi,
  DcsConnector,
  DcsSession,
  DeleteResult,
  TransportTuning,
  UnavailableEndpoint,
} from './api.js';

/** The connector the CLI and the Lambda use: these accounts' credentials, the transport tuned by `tuning`. */
export function connectDcs(accounts: AccountsIn, tuning: TransportTuning = {}): DcsConnector {
  return (session) => new DcsClient(accounts, session, tuning);
}

interface Answer {
  status: number;
  text: string;
  attempts: number;
}

export class DcsClient implements DcsApi {
  /** Keep-alive connection pools, one per endpoint. */
  readonly #dispatcher: Dispatcher = new Agent({ keepAliveTimeout: 30_000 });
  readonly #pacers = new Map<string, Pacer>();
  readonly #guards = new Map<string, AuthGuard>();
  readonly #breakers = new Map<string, Breaker>();
  /** API error messages are the server's text: a credential echoed there must not reach any output. */
  readonly #redact: (text: string) => string;
  readonly #send: Send<DcsRequest, Delivered>;
  readonly #exchange: Send<HttpRequest>;
  readonly #pageSize: number;
  readonly #instancePageSize: number;
  readonly #pageBytes = new ByteBudget(LISTING_BYTES_HELD);
  readonly #accounts: CredentialSet;

  constructor(accounts: AccountsIn, session: DcsSession, tuning: TransportTuning = {}) {
    const { limits, clock, deadline, stop, onAttempt } = session;
    this.#pageSize = tuning.pageSize ?? 100;
    this.#instancePageSize = tuning.instancePageSize ?? 1000;
    this.#accounts = asCredentialSet(accounts);
    // Temporary credentials arrive during the run: the redactor asks for the secrets at each text.
    this.#redact = redactor(() => secretsOfSet(this.#accounts));
    const pacerFor = (origin: string) => memo(this.#pacers, origin, () => new Pacer(limits, clock, stop));
    // A dead endpoint's queue is emptied when its breaker opens: what waited there is deferred at once.
    const breakerFor = (origin: string) =>
      memo(this.#breakers, origin, () => new Breaker(() => pacerFor(origin).turnAwayWaiting()));
    this.#exchange = exchange(this.#dispatcher, tuning.requestTimeoutMs ?? 10_000);
    const attempt = stack<DcsRequest>(
      this.#exchange,
      // One 401 breaker per account (a locked-out account stops, the others go on); one pacer per endpoint
      // origin (each region has its own gateway, limits and 429s); one breaker per endpoint origin, asked
      // last, after every wait (a dead endpoint gets no attempt, however long it queued).
      guarded((account) => memo(this.#guards, account, () => new AuthGuard(account))),
      paced(pacerFor, deadline, stop, (origin) => downError(origin, breakerFor(origin))),
      signing(this.#accounts, clock),
      breaking(breakerFor),
    );
    this.#send = tripping(
      retrying(attempt, {
        policy: { ...DEFAULT_RETRY, ...tuning.retry, maxAttempts: limits.maxAttempts },
        clock,
        deadline,
        stop,
        onAttempt,
      }),
      breakerFor,
    );
  }

  get authFailures(): number {
    return [...this.#guards.values()].reduce((sum, guard) => sum + guard.failures, 0);
  }

  unavailableAccounts(): UnavailableAccount[] {
    return [...this.#accounts].flatMap(([account, credentials]) => {
      const error = credentials.unavailable;
      return error === undefined
        ? []
        : [{ account, source: credentials.source, error: cut(this.#redact(error), TEXT_LIMITS.message) }];
    });
  }

  get identity(): { requests: number; refreshes: number } {
    const counts = [...this.#accounts.values()].map((credentials) => credentials.counts);
    return {
      requests: counts.reduce((sum, count) => sum + count.requests, 0),
      refreshes: counts.reduce((sum, count) => sum + count.refreshes, 0),
    };
  }

  unavailableEndpoints(): UnavailableEndpoint[] {
    return [...this.#breakers].flatMap(([endpoint, breaker]) => {
      const lastError = breaker.unavailable;
      return lastError === undefined
        ? []
        : [{ endpoint, lastError: cut(this.#redact(lastError), TEXT_LIMITS.message) }];
    });
  }

  /**
   * A project's instances (ListInstances) as validated records, page by page (see streamRecords). It stops
   * at an empty page or once `instance_num` records were read; a server that caps `limit` lower just sends
   * more, shorter pages.
   */
  listInstances<A extends string>(
    scope: Scope,
    consumer: RecordConsumer<InstanceRecord, A>,
  ): AsyncGenerator<Listed<InstanceRecord, A>> {
    const limit = this.#instancePageSize;
    return streamRecords(this.#instancePages(scope, limit), consumer, { what: 'instance listing', limit });
  }

  /**
   * An instance's tasks as validated records, page by page (see streamRecords). It stops at an empty page,
   * or at a short one unless task_count promises more (a server that caps `limit` below ours sends short
   * pages).
   */
  listTasks<A extends string>(
    target: Target,
    consumer: RecordConsumer<TaskRecord, A>,
  ): AsyncGenerator<Listed<TaskRecord, A>> {
    return streamRecords(this.#taskPages(target), consumer, { what: 'listing', limit: this.#pageSize });
  }

  /** The first page of an instance's tasks: one signed GET (doctor). */
  firstTaskPage(target: Target): Promise<PageRead<TaskRecord>> {
    return firstOf(this.#taskPages(target));
  }

  /** The first page of a project's instances, `limit` of them: one signed GET (doctor). */
  firstInstancePage(scope: Scope, limit: number): Promise<PageRead<InstanceRecord>> {
    return firstOf(this.#instancePages(scope, limit));
  }

  /**
   * An unsigned GET of the project's instance list, once (doctor): any answer shows the endpoint reachable,
   * and its Date header gives the server's clock. It names no access key, so it can never count toward a
   * key's lockout.
   */
  async reach(scope: Scope): Promise<HttpResponse> {
    try {
      return await this.#exchange({
        origin: scope.endpoint,
        method: 'GET',
        target: `${listInstancesPath(scope.projectId).path}?limit=1`,
        headers: { Accept: 'application/json', 'User-Agent': 'dcs-task-cleanup' },
        bodyCaps: { success: OTHER_BODY_CAP, error: OTHER_BODY_CAP },
      });
    } catch (error) {
      if (error instanceof TransportError) throw errorFromTransport(error, this.#redact);
      throw error;
    }
  }

  #instancePages(scope: Scope, limit: number) {
    return this.#pages(scope, listInstancesPath(scope.projectId), limit, {
      parse: parseInstancePage,
      what: 'instance list',
      done: instanceListingEnded,
    });
  }

  #taskPages(target: Target) {
    const limit = this.#pageSize;
    return this.#pages(target, listTasksPath(target.projectId, target.instanceId), limit, {
      parse: parseTaskPage,
      what: 'task list',
      done: taskListingEnded(limit),
    });
  }

  /** Deletes a task; any 2xx (200 with a body or 204) is success, anything else throws DcsError. */
  async deleteTask(target: Target, taskId: string): Promise<DeleteResult> {
    const response = await this.#request(
      target,
      deleteTaskPath(target.projectId, target.instanceId, taskId),
      [],
    );
    return { httpStatus: response.status, attempts: response.attempts };
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }

  /** Record-offset paging with an explicit limit, each page within the run's page budget (see readPages). */
  #pages<T>(
    scope: Scope,
    path: RequestPath,
    limit: number,
    listing: PagedListing<T>,
  ): AsyncGenerator<PageRead<T>> {
    const fetchPage = (query: QueryPairs) => this.#request(scope, path, query, LISTING_BODY_CAP);
    return readPages(fetchPage, this.#pageBytes, limit, listing);
  }

  /** One request with its retries; a 2xx answer's text, or a DcsError. */
  async #request(
    scope: Scope,
    path: RequestPath,
    query: QueryPairs,
    successCap = OTHER_BODY_CAP,
  ): Promise<Answer> {
    const queryString = canonicalQuery(query);
    let delivered: Delivered;
    try {
      delivered = await this.#send({
        origin: scope.endpoint,
        method: path.method,
        // What is signed is what is sent: the same segments, the same canonical query.
        target: queryString ? `${path.path}?${queryString}` : path.path,
        headers: { Accept: 'application/json', 'User-Agent': 'dcs-task-cleanup' },
        bodyCaps: { success: successCap, error: OTHER_BODY_CAP },
        account: scope.account,
        projectId: scope.projectId,
        segments: path.segments,
        query,
      });
    } catch (error) {
      if (error instanceof NotSentError) throw notSentError(error.message, error.reason, { cause: error });
      if (error instanceof TransportError) throw errorFromTransport(error, this.#redact);
      throw error;
    }
    const { response, attempts } = delivered;
    if ('tooLarge' in response.body) throw malformedError(response.body.tooLarge, response.status, attempts);
    const answer = { status: response.status, text: response.body.text, attempts };
    if (response.status >= 200 && response.status < 300) return answer;
    throw errorFromResponse({ ...answer, requestId: response.requestId }, attempts, this.#redact);
  }
}

/** The first page a listing reads; the listing goes no further. */
async function firstOf<T>(pages: AsyncGenerator<T>): Promise<T> {
  const first = await pages.next();
  await pages.return(undefined);
  if (first.done) throw new Error('a listing yields at least one page');
  return first.value;
}

/** The value under `key`, made by `make` the first time. */
function memo<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  const value = map.get(key) ?? make();
  map.set(key, value);
  return value;
}
