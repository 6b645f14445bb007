// What the engine, discovery and doctor need of the DCS API, and what a run gives the client it connects
// (docs/architecture.md): the interface a fake stands in for in a unit test, apart from the client itself.
import type { AttemptReport, RetryPolicy } from '../http/retry.js';
import type { Limits, Scope, Target } from '../model/config.js';
import type { UnavailableAccount, UnavailableEndpoint } from '../model/endpoint.js';
import type { TaskRecord } from '../policy/policy.js';
import type { Clock } from '../time/clock.js';
import type { InstanceRecord } from './instances.js';
import type { Listed, RecordConsumer } from './listing.js';

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
  /** Accounts whose temporary credentials expired and could not be renewed: they stopped. */
  unavailableAccounts(): UnavailableAccount[];
  /** Calls to the identity sources, and renewals they gave, over every account. */
  readonly identity: { requests: number; refreshes: number };
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

/** Connects a run to the DCS API. */
export type DcsConnector = (session: DcsSession) => DcsApi;

export interface DeleteResult {
  httpStatus: number;
  attempts: number;
}

export type { UnavailableEndpoint };
