// The DCS background-task API over undici: signed, paced and retried requests.
import type { Dispatcher } from 'undici';
import type { Target } from '../config/schema.js';
import type { Clock } from '../http/clock.js';
import type { Pacer } from '../http/pacer.js';
import { isRetryableStatus, parseRetryAfter, type RetryPolicy, retryDelayMs } from '../http/retry.js';
import { Agent, request } from '../http/undici.js';
import type { AuthGuard } from './auth-guard.js';
import { DcsError, errorFromException, errorFromResponse, malformedError, notSentError } from './errors.js';
import { parseJsonOrNull } from './json.js';
import { redactor } from './redact.js';
import {
  type Credentials,
  canonicalQuery,
  encodePath,
  formatSdkDate,
  type QueryPairs,
  sign,
} from './signer.js';
import { parseTaskPage, type TaskPage } from './tasks.js';

export interface DcsClientOptions {
  credentials: Credentials;
  pacer: Pacer;
  retry: RetryPolicy;
  clock: Clock;
  authGuard: AuthGuard;
  /** Epoch ms after which no request or retry starts (the time budget). */
  deadline?: number | undefined;
  requestTimeoutMs?: number;
  pageSize?: number;
  /** Called after every attempt: for retry and throttle counters. */
  onAttempt?: (attempt: AttemptReport) => void;
}

export interface AttemptReport {
  method: string;
  attempt: number;
  httpStatus: number | null;
  willRetry: boolean;
}

export interface ListWindow {
  /** `yyyyMMddHHmmss`, UTC. */
  startTime?: string;
  endTime?: string;
}

export interface DeleteResult {
  httpStatus: number;
  attempts: number;
}

interface Response {
  status: number;
  body: string;
  attempts: number;
}

export class DcsClient {
  readonly #options: DcsClientOptions;
  /** Keep-alive connection pools, one per endpoint. */
  readonly #dispatcher: Dispatcher = new Agent({ keepAliveTimeout: 30_000 });
  /** API error messages are the server's text: a credential echoed there must not reach any output. */
  readonly #redact: (text: string) => string;
  readonly pageSize: number;

  constructor(options: DcsClientOptions) {
    this.#options = options;
    this.pageSize = options.pageSize ?? 100;
    this.#redact = redactor([options.credentials.sk, options.credentials.securityToken]);
  }

  /**
   * Lists an instance's tasks page by page (record offset, explicit limit). It stops at an empty page, or at
   * a short one unless task_count promises more (a server that caps `limit` below ours sends short pages).
   */
  async *listTasks(target: Target, window: ListWindow = {}): AsyncGenerator<TaskPage> {
    const limit = this.pageSize;
    for (let offset = 0; ; ) {
      const query: [string, string][] = [
        ['offset', String(offset)],
        ['limit', String(limit)],
      ];
      if (window.startTime) query.push(['start_time', window.startTime]);
      if (window.endTime) query.push(['end_time', window.endTime]);
      const response = await this.#send(target, 'GET', ['tasks'], query);
      const page = parseTaskPage(parseJsonOrNull(response.body));
      if (typeof page === 'string') {
        throw malformedError(
          `malformed task list at offset ${offset}: ${page}`,
          response.status,
          response.attempts,
        );
      }
      yield page;
      offset += page.records;
      const moreExpected = page.total !== undefined && offset < page.total;
      if (page.records === 0 || (page.records < limit && !moreExpected)) return;
    }
  }

  /** Deletes a task; any 2xx (200 with a body or 204) is success, anything else throws DcsError. */
  async deleteTask(target: Target, taskId: string): Promise<DeleteResult> {
    const response = await this.#send(target, 'DELETE', ['tasks', taskId], []);
    return { httpStatus: response.status, attempts: response.attempts };
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }

  /** One request with its retries; every attempt is paced and signed afresh. */
  async #send(target: Target, method: string, subPath: string[], query: QueryPairs): Promise<Response> {
    const { pacer, retry, clock, authGuard, deadline, onAttempt } = this.#options;
    const segments = ['v2', target.projectId, 'instances', target.instanceId, ...subPath];
    let lastError: DcsError | undefined;
    for (let attempt = 1; ; attempt++) {
      // A retry that can no longer be sent ends with the error that called for it.
      const settle = await authGuard.admit();
      const release = authGuard.haltReason() ? undefined : await pacer.acquire(deadline);
      const halted = authGuard.haltReason();
      if (!release || halted) {
        release?.();
        settle(null);
        throw lastError ?? notSentError(halted ?? 'the time budget ran out');
      }
      let outcome: Response | DcsError;
      let retryAfter: string | undefined;
      try {
        const response = await this.#attempt(target, method, segments, query);
        retryAfter = response.retryAfter;
        outcome =
          response.status >= 200 && response.status < 300
            ? { status: response.status, body: response.body, attempts: attempt }
            : errorFromResponse(response, attempt, this.#redact);
      } catch (error) {
        outcome = errorFromException(error, attempt, this.#redact);
      } finally {
        release();
      }
      settle(outcome instanceof DcsError ? outcome.httpStatus : outcome.status);
      if (!(outcome instanceof DcsError)) {
        onAttempt?.({ method, attempt, httpStatus: outcome.status, willRetry: false });
        return outcome;
      }
      if (outcome.httpStatus === 429) pacer.throttled();
      const transient =
        outcome.kind === 'network' || (outcome.httpStatus !== null && isRetryableStatus(outcome.httpStatus));
      const delay = retryDelayMs(retry, attempt, clock.random(), parseRetryAfter(retryAfter, clock.now()));
      const willRetry =
        transient &&
        attempt < retry.maxAttempts &&
        (deadline === undefined || clock.now() + delay < deadline);
      onAttempt?.({ method, attempt, httpStatus: outcome.httpStatus, willRetry });
      if (!willRetry) throw outcome;
      lastError = outcome;
      await clock.sleep(delay);
    }
  }

  async #attempt(target: Target, method: string, segments: string[], query: QueryPairs) {
    const { credentials, clock, requestTimeoutMs = 10_000 } = this.#options;
    const url = new URL(target.endpoint);
    const signed = sign(
      {
        method,
        host: url.host,
        pathSegments: segments,
        query,
        headers: { 'Content-Type': 'application/json', 'X-Project-Id': target.projectId },
        body: '',
      },
      credentials,
      formatSdkDate(new Date(clock.now())),
    );
    const queryString = canonicalQuery(query);
    const response = await request(this.#dispatcher, {
      origin: url.origin,
      path: queryString ? `${encodePath(segments)}?${queryString}` : encodePath(segments),
      method: method as Dispatcher.HttpMethod,
      headers: { ...signed.headers, Accept: 'application/json', 'User-Agent': 'dcs-task-cleanup' },
      headersTimeout: requestTimeoutMs,
      bodyTimeout: requestTimeoutMs,
      signal: AbortSignal.timeout(requestTimeoutMs + 1_000),
    });
    const body = await response.body.text();
    return {
      status: response.statusCode,
      body,
      requestId: headerValue(response.headers['x-request-id']),
      retryAfter: headerValue(response.headers['retry-after']),
    };
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
