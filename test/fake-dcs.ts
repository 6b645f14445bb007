// A DCS API in memory for fast engine tests (and mutation testing): the real record parsers and listing
// rules over pages it holds, and deletes answered as a test scripts them. No HTTP, no timers.
import type {
  DcsApi,
  DcsConnector,
  DcsSession,
  DeleteResult,
  UnavailableEndpoint,
} from '../src/dcs/client.js';
import { DcsError, type DcsErrorDetails } from '../src/dcs/errors.js';
import { type InstanceRecord, parseInstancePage } from '../src/dcs/instances.js';
import { type Listed, type PageRead, type RecordConsumer, streamRecords } from '../src/dcs/listing.js';
import type { Page } from '../src/dcs/pages.js';
import { parseTaskPage } from '../src/dcs/tasks.js';
import type { Scope, Target } from '../src/model/config.js';
import type { UnavailableAccount } from '../src/model/endpoint.js';
import type { TaskRecord } from '../src/policy/policy.js';

/** How one DELETE ends: a status (2xx succeeds), or an error as the client would throw it. */
export type DeleteAnswer = number | Partial<DcsErrorDetails>;

export class FakeDcs implements DcsApi {
  /** Raw task records by instance id (lower case), served `pageSize` at a time. */
  readonly tasks = new Map<string, unknown[]>();
  /** Raw instance records by project id. */
  readonly instances = new Map<string, unknown[]>();
  /**
   * A listing that fails after `afterPages` pages: by instance id (tasks), or by project id or
   * `projectId account` (instances).
   */
  readonly listingErrors = new Map<string, { error: Partial<DcsErrorDetails>; afterPages?: number }>();
  /** Every DELETE asked for, as `instanceId/taskId`. */
  readonly deletes: string[] = [];
  /** Every listing page asked for, as `instanceId@offset` or `projectId@offset`. */
  readonly pagesRead: string[] = [];
  deleteAnswer: (target: Target, taskId: string) => DeleteAnswer = () => 204;
  /** How long a DELETE takes to answer, in ms (0: at once). */
  deleteDelay: (taskId: string) => number = () => 0;
  pageSize = 100;
  authFailures = 0;
  closed = false;
  /** Thrown by every listing and delete: a bug, not an API error. */
  crash: Error | undefined;
  /** What unavailableEndpoints() reports. */
  unavailable: UnavailableEndpoint[] = [];
  /** What unavailableAccounts() reports. */
  accountsGone: UnavailableAccount[] = [];
  identity = { requests: 0, refreshes: 0 };
  /** The session of the run that connected: each request is told to its onAttempt. */
  session: DcsSession | undefined;

  /** The connector a run takes: this API for every session. */
  get connector(): DcsConnector {
    return (session) => {
      this.session = session;
      return this;
    };
  }

  listInstances<A extends string>(
    scope: Scope,
    consumer: RecordConsumer<InstanceRecord, A>,
  ): AsyncGenerator<Listed<InstanceRecord, A>> {
    const project = scope.projectId.toLowerCase();
    const records = this.instances.get(project) ?? [];
    const failing = this.listingErrors.get(`${project} ${scope.account}`) ?? this.listingErrors.get(project);
    const pages = this.#pages(project, failing, records, (body) =>
      parseInstancePage({ instance_num: records.length, instances: body }),
    );
    return streamRecords(pages, consumer, { what: 'instance listing', limit: this.pageSize });
  }

  listTasks<A extends string>(
    target: Target,
    consumer: RecordConsumer<TaskRecord, A>,
  ): AsyncGenerator<Listed<TaskRecord, A>> {
    const key = target.instanceId.toLowerCase();
    const records = this.tasks.get(key) ?? [];
    const pages = this.#pages(key, this.listingErrors.get(key), records, (body) =>
      parseTaskPage({ task_count: String(records.length), tasks: body }),
    );
    return streamRecords(pages, consumer, { what: 'listing', limit: this.pageSize });
  }

  async deleteTask(target: Target, taskId: string): Promise<DeleteResult> {
    this.deletes.push(`${target.instanceId}/${taskId}`);
    const delay = this.deleteDelay(taskId);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    const answer = this.deleteAnswer(target, taskId);
    const attempts = typeof answer === 'number' ? 1 : (answer.attempts ?? 1);
    const status = typeof answer === 'number' ? answer : (answer.httpStatus ?? null);
    if (typeof answer === 'number' || answer.kind !== 'not-sent') {
      for (let attempt = 1; attempt <= attempts; attempt++) {
        const willRetry = attempt < attempts;
        this.session?.onAttempt?.({
          method: 'DELETE',
          endpoint: target.endpoint,
          attempt,
          httpStatus: status,
          willRetry,
        });
      }
    }
    if (typeof answer === 'number' && answer >= 200 && answer < 300)
      return { httpStatus: answer, attempts: 1 };
    throw fakeError(typeof answer === 'number' ? { httpStatus: answer } : answer);
  }

  unavailableEndpoints(): UnavailableEndpoint[] {
    return this.unavailable;
  }

  unavailableAccounts(): UnavailableAccount[] {
    return this.accountsGone;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  async *#pages<T>(
    key: string,
    failing: { error: Partial<DcsErrorDetails>; afterPages?: number } | undefined,
    records: readonly unknown[],
    parse: (body: unknown[]) => Page<T> | string,
  ): AsyncGenerator<PageRead<T>> {
    if (this.crash) throw this.crash;
    for (let offset = 0, page = 0; ; offset += this.pageSize, page++) {
      if (failing && page >= (failing.afterPages ?? 0)) throw fakeError(failing.error);
      this.pagesRead.push(`${key}@${offset}`);
      const parsed = parse(records.slice(offset, offset + this.pageSize) as unknown[]);
      if (typeof parsed === 'string') throw new Error(parsed);
      yield { page: parsed, httpStatus: 200, attempts: 1 };
      if (parsed.records < this.pageSize) return;
    }
  }
}

/** An error as the client throws it: an HTTP answer unless the details say otherwise. */
export function fakeError(details: Partial<DcsErrorDetails>): DcsError {
  return new DcsError({
    kind: 'http',
    httpStatus: null,
    errorCode: null,
    detail: null,
    requestId: null,
    attempts: 1,
    ...details,
  });
}
