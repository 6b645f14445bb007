// The DCS API (docs/dcs-api.md): its three operations and their paging, over a transport stacked from small
// pieces (src/http/): retries around the account's auth guard, the endpoint's pacer, signing and one HTTP
// exchange. Every response is untrusted input (docs/safety.md): validated paths, capped and scanned bodies.
import type { Dispatcher } from 'undici';
import { BODY_CAPS, LISTING_BYTES_HELD } from '../bounds/limits.js';
import { Breaker, breaking, tripping } from '../http/breaker.js';
import { ByteBudget, type Reservation } from '../http/budget.js';
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
import { type AttemptReport, DEFAULT_RETRY, type RetryPolicy, retrying } from '../http/retry.js';
import { Agent } from '../http/undici.js';
import type { Limits, Scope, Target } from '../model/config.js';
import { type Accounts, secretsOf } from '../model/credentials.js';
import type { UnavailableEndpoint } from '../model/endpoint.js';
import type { TaskRecord } from '../policy/policy.js';
import { cut, TEXT_LIMITS } from '../text/cut.js';
import { parseJsonQuietly } from '../text/json.js';
import { redactor } from '../text/redact.js';
import type { Clock } from '../time/clock.js';
import { AuthGuard, guarded } from './auth-guard.js';
import { errorFromResponse, errorFromTransport, malformedError, notSentError } from './errors.js';
import { type InstanceRecord, parseInstancePage } from './instances.js';
import { type Listed, type PageRead, type RecordConsumer, streamRecords } from './listing.js';
import { type Page, tooManyContainers } from './pages.js';
import { instanceListingEnded, taskListingEnded } from './paging.js';
import { deleteTaskPath, listInstancesPath, listTasksPath, type RequestPath } from './paths.js';
import { type DcsRequest, signing } from './request.js';
import { canonicalQuery, type QueryPairs } from './signer.js';
import { parseTaskPage } from './tasks.js';

/** A listing page (tasks or instances) is read up to 8 MiB; anything else (deletes, errors) up to 1 MiB. */
const { listingPage: LISTING_BODY_CAP, other: OTHER_BODY_CAP } = BODY_CAPS;

/** What the engine and discovery need of the DCS API: a fake can stand in for it in a unit test. */
export interface DcsApi {
  /** A project's instances; `consumer` takes each record as it comes (see streamRecords). */
  listInstances<A extends string>(
    scope: Scope,
    consumer: RecordConsumer<InstanceRecord, A>,
  ): AsyncGenerator<Listed<InstanceRecord, A>>;
  /** An instance's tasks; `consumer` takes each record as it comes (see streamRecords). */
  listTasks<A extends string>(
    target: Target,
    consumer: RecordConsumer<TaskRecord, A>,
  ): AsyncGenerator<Listed<TaskRecord, A>>;
  deleteTask(target: Target, taskId: string): Promise<DeleteResult>;
  /** 401s received, over every account. */
  readonly authFailures: number;
  /** Endpoints found down during the run (docs/safety.md), with the last error each gave. */
  unavailableEndpoints(): UnavailableEndpoint[];
  close(): Promise<void>;
}

/** What one run gives the client it connects: its limits, time budget, stop signal and attempt counter. */
export interface DcsSession {
  /** Concurrency and rate apply per endpoint origin: each region has its own gateway and throttling. */
  limits: Limits;
  clock: Clock;
  /** Epoch ms after which no request or retry starts (the time budget). */
  deadline?: number | undefined;
  /** Once aborted, no request or retry starts; requests in flight finish. */
  stop?: AbortSignal | undefined;
  onAttempt?: (attempt: AttemptReport) => void;
}

/** How the transport is tuned; tests shorten it, the shells take the defaults. */
export interface TransportTuning {
  /** Backoff timing; maxAttempts always comes from the config. */
  retry?: Partial<Omit<RetryPolicy, 'maxAttempts'>>;
  /** Headers and the whole body must arrive within this (default 10 s). */
  requestTimeoutMs?: number;
  /** Tasks per listing page (default 100). */
  pageSize?: number;
  /** Instances per discovery page (default 1000, the API's maximum; a server may cap it lower). */
  instancePageSize?: number;
}

export type { UnavailableEndpoint };

/** Connects a run to the DCS API. */
export type DcsConnector = (session: DcsSession) => DcsApi;

/** The connector the CLI and the Lambda use: these accounts' credentials, the transport tuned by `tuning`. */
export function connectDcs(accounts: Accounts, tuning: TransportTuning = {}): DcsConnector {
  return (session) => new DcsClient(accounts, session, tuning);
}

export interface DeleteResult {
  httpStatus: number;
  attempts: number;
}

/** How one listing's pages are read and when it ends. */
interface PagedListing<T> {
  parse: (body: unknown) => Page<T> | string;
  what: string;
  done: (page: Page<T>, offset: number) => boolean;
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

  constructor(accounts: Accounts, session: DcsSession, tuning: TransportTuning = {}) {
    const { limits, clock, deadline, stop, onAttempt } = session;
    this.#pageSize = tuning.pageSize ?? 100;
    this.#instancePageSize = tuning.instancePageSize ?? 1000;
    this.#redact = redactor(secretsOf(accounts));
    const breakerFor = (origin: string) => memo(this.#breakers, origin, () => new Breaker());
    this.#exchange = exchange(this.#dispatcher, tuning.requestTimeoutMs ?? 10_000);
    const attempt = stack<DcsRequest>(
      this.#exchange,
      // One 401 breaker per account (a locked-out account stops, the others go on); one pacer per endpoint
      // origin (each region has its own gateway, limits and 429s); one breaker per endpoint origin, asked
      // last, after every wait (a dead endpoint gets no attempt, however long it queued).
      guarded((account) => memo(this.#guards, account, () => new AuthGuard(account))),
      paced((origin) => memo(this.#pacers, origin, () => new Pacer(limits, clock, stop)), deadline, stop),
      signing(accounts, clock),
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

  /**
   * Record-offset paging with an explicit limit. Each page waits for room in the run's page budget before it
   * is requested, and holds what it took until the consumer asks for the next one (docs/bounds.md).
   */
  async *#pages<T>(
    scope: Scope,
    path: RequestPath,
    limit: number,
    listing: PagedListing<T>,
  ): AsyncGenerator<PageRead<T>> {
    for (let offset = 0, done = false; !done; ) {
      const reservation = await this.#pageBytes.reserve(LISTING_BODY_CAP);
      try {
        const read = await this.#page(scope, path, offset, limit, listing, reservation);
        yield read;
        offset += read.page.records;
        done = listing.done(read.page, offset);
      } finally {
        reservation.release();
      }
    }
  }

  /** One page: requested, its body checked before it is parsed; the reservation shrunk to what it took. */
  async #page<T>(
    scope: Scope,
    path: RequestPath,
    offset: number,
    limit: number,
    listing: PagedListing<T>,
    reservation: Reservation,
  ): Promise<PageRead<T>> {
    const query: QueryPairs = [
      ['offset', String(offset)],
      ['limit', String(limit)],
    ];
    const response = await this.#request(scope, path, query, LISTING_BODY_CAP);
    reservation.shrink(response.text.length);
    const overloaded = tooManyContainers(response.text);
    if (overloaded) throw malformedError(overloaded, response.status, response.attempts);
    const page = listing.parse(parseJsonQuietly(response.text));
    if (typeof page === 'string') {
      throw malformedError(
        `malformed ${listing.what} at offset ${offset}: ${page}`,
        response.status,
        response.attempts,
      );
    }
    return { page, httpStatus: response.status, attempts: response.attempts };
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
