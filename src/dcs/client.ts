// The DCS API over undici: signed, paced and retried requests, with every response treated as untrusted
// input (contract §7): validated paths, size-capped bodies, and a timeout over the whole exchange.
import type { Dispatcher } from 'undici';
import type { Accounts } from '../config/credentials.js';
import { secretsOf } from '../config/credentials.js';
import type { Limits, Scope, Target } from '../config/schema.js';
import type { Clock } from '../http/clock.js';
import { Pacer } from '../http/pacer.js';
import { isRetryableStatus, parseRetryAfter, type RetryPolicy, retryDelayMs } from '../http/retry.js';
import { Agent, request } from '../http/undici.js';
import type { TaskRecord } from '../policy/select.js';
import { AuthGuard } from './auth-guard.js';
import { LISTING_BODY_CAP, OTHER_BODY_CAP, readCappedBody, tooManyContainers } from './body.js';
import { DcsError, errorFromException, errorFromResponse, malformedError, notSentError } from './errors.js';
import { type InstanceRecord, parseInstancePage } from './instances.js';
import { parseJsonOrNull } from './json.js';
import { type Listed, type RecordIdentity, streamRecords } from './listing.js';
import type { Page } from './pages.js';
import { deleteTaskPath, listInstancesPath, listTasksPath, type RequestPath } from './paths.js';
import { redactor } from './redact.js';
import { canonicalQuery, formatSdkDate, type QueryPairs, sign } from './signer.js';
import { parseTaskPage } from './tasks.js';

export interface DcsClientOptions {
  accounts: Accounts;
  /** Concurrency and rate apply per endpoint origin: each region has its own gateway and throttling. */
  limits: Pick<Limits, 'concurrency' | 'requestsPerSecond'>;
  retry: RetryPolicy;
  clock: Clock;
  /** Epoch ms after which no request or retry starts (the time budget). */
  deadline?: number | undefined;
  /** Once aborted, no request or retry starts; requests in flight finish. */
  stop?: AbortSignal | undefined;
  /** Headers and the whole body must arrive within this. */
  requestTimeoutMs?: number | undefined;
  /** Tasks per listing page. */
  pageSize?: number | undefined;
  /** Instances per discovery page (the API allows up to 1000; a server may cap it lower). */
  instancePageSize?: number | undefined;
  /** Called after every attempt: for retry and throttle counters. */
  onAttempt?: (attempt: AttemptReport) => void;
}

export interface AttemptReport {
  method: string;
  endpoint: string;
  attempt: number;
  httpStatus: number | null;
  willRetry: boolean;
}

export interface DeleteResult {
  httpStatus: number;
  attempts: number;
}

/** Tasks are the same record when their ids are; a repeat must agree on what the policy judges. */
const TASK_IDENTITY: RecordIdentity<TaskRecord> = {
  keyOf: (task) => task.id,
  agrees: (first, later) => first.status === later.status && first.createdAtMs === later.createdAtMs,
};
/** Instance ids are UUIDs: compared without case. A repeat keeps the first record (selection re-checks). */
const INSTANCE_IDENTITY: RecordIdentity<InstanceRecord> = {
  keyOf: (instance) => instance.instanceId.toLowerCase(),
  agrees: () => true,
};

interface Response {
  status: number;
  body: string;
  attempts: number;
}

export class DcsClient {
  readonly #options: DcsClientOptions;
  /** Keep-alive connection pools, one per endpoint. */
  readonly #dispatcher: Dispatcher = new Agent({ keepAliveTimeout: 30_000 });
  readonly #pacers = new Map<string, Pacer>();
  readonly #guards = new Map<string, AuthGuard>();
  /** API error messages are the server's text: a credential echoed there must not reach any output. */
  readonly #redact: (text: string) => string;
  readonly #pageSize: number;
  readonly #instancePageSize: number;

  constructor(options: DcsClientOptions) {
    this.#options = options;
    this.#pageSize = options.pageSize ?? 100;
    this.#instancePageSize = options.instancePageSize ?? 1000;
    this.#redact = redactor(secretsOf(options.accounts));
  }

  /** 401s received, over every account. */
  get authFailures(): number {
    return [...this.#guards.values()].reduce((sum, guard) => sum + guard.failures, 0);
  }

  /**
   * A project's instances (ListInstances) as validated records, page by page (see streamRecords). It stops
   * at an empty page or once `instance_num` records were read; a server that caps `limit` lower just sends
   * more, shorter pages.
   */
  listInstances(scope: Scope): AsyncGenerator<Listed<InstanceRecord>> {
    const pages = this.#pages(scope, listInstancesPath(scope.projectId), this.#instancePageSize, {
      parse: parseInstancePage,
      what: 'instance list',
      done: (page, offset) => page.records === 0 || (page.total !== undefined && offset >= page.total),
    });
    return streamRecords(pages, INSTANCE_IDENTITY, 'instance listing');
  }

  /**
   * An instance's tasks as validated records, page by page (see streamRecords). It stops at an empty page,
   * or at a short one unless task_count promises more (a server that caps `limit` below ours sends short
   * pages).
   */
  listTasks(target: Target): AsyncGenerator<Listed<TaskRecord>> {
    const limit = this.#pageSize;
    const pages = this.#pages(target, listTasksPath(target.projectId, target.instanceId), limit, {
      parse: (body) => parseTaskPage(body, this.#options.clock.now()),
      what: 'task list',
      done: (page, offset) =>
        page.records === 0 || (page.records < limit && !(page.total !== undefined && offset < page.total)),
    });
    return streamRecords(pages, TASK_IDENTITY, 'listing');
  }

  /** Deletes a task; any 2xx (200 with a body or 204) is success, anything else throws DcsError. */
  async deleteTask(target: Target, taskId: string): Promise<DeleteResult> {
    const response = await this.#send(
      target,
      deleteTaskPath(target.projectId, target.instanceId, taskId),
      [],
    );
    return { httpStatus: response.status, attempts: response.attempts };
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }

  /** Record-offset paging with an explicit limit; each page's body is checked before it is parsed. */
  async *#pages<P extends Page<unknown>>(
    scope: Scope,
    path: RequestPath,
    limit: number,
    listing: {
      parse: (body: unknown) => P | string;
      what: string;
      done: (page: P, offset: number) => boolean;
    },
  ): AsyncGenerator<{ page: P; httpStatus: number; attempts: number }> {
    for (let offset = 0; ; ) {
      const query: QueryPairs = [
        ['offset', String(offset)],
        ['limit', String(limit)],
      ];
      const response = await this.#send(scope, path, query, LISTING_BODY_CAP);
      const overloaded = tooManyContainers(response.body);
      if (overloaded) throw malformedError(overloaded, response.status, response.attempts);
      const page = listing.parse(parseJsonOrNull(response.body));
      if (typeof page === 'string') {
        throw malformedError(
          `malformed ${listing.what} at offset ${offset}: ${page}`,
          response.status,
          response.attempts,
        );
      }
      yield { page, httpStatus: response.status, attempts: response.attempts };
      offset += page.records;
      if (listing.done(page, offset)) return;
    }
  }

  /** One request with its retries; every attempt is paced and signed afresh. */
  async #send(
    scope: Scope,
    path: RequestPath,
    query: QueryPairs,
    successCap = OTHER_BODY_CAP,
  ): Promise<Response> {
    const { retry, clock, deadline, stop, onAttempt } = this.#options;
    const guard = this.#guard(scope.account);
    const pacer = this.#pacer(scope.endpoint);
    let lastError: DcsError | undefined;
    for (let attempt = 1; ; attempt++) {
      // A retry that can no longer be sent ends with the error that called for it.
      const settle = await guard.admit();
      const release = guard.haltReason() || stop?.aborted ? undefined : await pacer.acquire(deadline);
      const halted =
        guard.haltReason() ?? (stop?.aborted ? `the run was stopped (${stop.reason})` : undefined);
      if (!release || halted) {
        release?.();
        settle(null);
        throw (
          lastError ??
          (halted ? notSentError(halted, 'interrupted') : notSentError('the time budget ran out', 'budget'))
        );
      }
      let outcome: Response | DcsError;
      let retryAfter: string | undefined;
      try {
        const response = await this.#attempt(scope, path, query, successCap);
        retryAfter = response.retryAfter;
        const ok = response.status >= 200 && response.status < 300;
        outcome =
          'tooLarge' in response.body
            ? malformedError(response.body.tooLarge, response.status, attempt)
            : ok
              ? { status: response.status, body: response.body.text, attempts: attempt }
              : errorFromResponse({ ...response, body: response.body.text }, attempt, this.#redact);
      } catch (error) {
        outcome = errorFromException(error, attempt, this.#redact, this.#timeoutMs);
      } finally {
        release();
      }
      settle(outcome instanceof DcsError ? outcome.httpStatus : outcome.status);
      const report = { method: path.method, endpoint: scope.endpoint, attempt };
      if (!(outcome instanceof DcsError)) {
        onAttempt?.({ ...report, httpStatus: outcome.status, willRetry: false });
        return outcome;
      }
      if (outcome.httpStatus === 429) pacer.throttled();
      const transient =
        outcome.kind === 'network' ||
        (outcome.kind === 'http' && outcome.httpStatus !== null && isRetryableStatus(outcome.httpStatus));
      const delay = retryDelayMs(retry, attempt, clock.random(), parseRetryAfter(retryAfter, clock.now()));
      const willRetry =
        transient &&
        attempt < retry.maxAttempts &&
        (deadline === undefined || clock.now() + delay < deadline);
      onAttempt?.({ ...report, httpStatus: outcome.httpStatus, willRetry });
      if (!willRetry) throw outcome;
      lastError = outcome;
      await untilStopped(clock.sleep(delay), stop);
    }
  }

  /** One signed exchange. The path was checked against the templates; what is signed is what is sent. */
  async #attempt(scope: Scope, path: RequestPath, query: QueryPairs, successCap: number) {
    const { clock } = this.#options;
    const credentials = this.#options.accounts.get(scope.account);
    if (!credentials) throw new Error(`no credentials for account "${scope.account}"`);
    const timeoutMs = this.#timeoutMs;
    const url = new URL(scope.endpoint);
    const signed = sign(
      {
        method: path.method,
        host: url.host,
        pathSegments: path.segments,
        query,
        headers: { 'Content-Type': 'application/json', 'X-Project-Id': scope.projectId },
        body: '',
      },
      credentials,
      formatSdkDate(new Date(clock.now())),
    );
    const queryString = canonicalQuery(query);
    const response = await request(this.#dispatcher, {
      origin: url.origin,
      path: queryString ? `${path.path}?${queryString}` : path.path,
      method: path.method,
      headers: { ...signed.headers, Accept: 'application/json', 'User-Agent': 'dcs-task-cleanup' },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      // One deadline over connect, headers and the whole body.
      signal: AbortSignal.timeout(timeoutMs),
    });
    const ok = response.statusCode >= 200 && response.statusCode < 300;
    const body = await readCappedBody(
      response.body,
      headerValue(response.headers['content-length']),
      ok ? successCap : OTHER_BODY_CAP,
    );
    return {
      status: response.statusCode,
      body,
      requestId: headerValue(response.headers['x-request-id']),
      retryAfter: headerValue(response.headers['retry-after']),
    };
  }

  get #timeoutMs(): number {
    return this.#options.requestTimeoutMs ?? 10_000;
  }

  /** One 401 circuit breaker per account: a locked-out account stops sending, the others go on. */
  #guard(account: string): AuthGuard {
    const guard = this.#guards.get(account) ?? new AuthGuard(account);
    this.#guards.set(account, guard);
    return guard;
  }

  /** One pacer per endpoint origin: each region has its own gateway, limits and 429s. */
  #pacer(endpoint: string): Pacer {
    const pacer =
      this.#pacers.get(endpoint) ?? new Pacer(this.#options.limits, this.#options.clock, this.#options.stop);
    this.#pacers.set(endpoint, pacer);
    return pacer;
  }
}

/** `wait`, cut short when `stop` aborts. */
function untilStopped(wait: Promise<void>, stop: AbortSignal | undefined): Promise<void> {
  if (!stop) return wait;
  if (stop.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      stop.removeEventListener('abort', done);
      resolve();
    };
    stop.addEventListener('abort', done);
    void wait.then(done);
  });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
