// A local DCS API: real HTTP on loopback, gateway-strict signatures, projects owned by accounts,
// record-offset paging, throttling with 429 and injectable faults, hostile ones included. The demo, the
// tests and the benchmarks use it; one simulator stands for one region's endpoint.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { IAM_ACTION } from '../dcs/paths.js';
import { sha256Hex } from '../dcs/signer.js';
import type { Credentials } from '../model/credentials.js';
import { FaultInjector, type FaultRule, type Operation } from './faults.js';
import { IdentityService } from './identity.js';
import type { RequestLogEntry, SimulatorOptions } from './options.js';
import { seededRandom } from './random.js';
import { apiError, type Reply, retryAfterHeader } from './reply.js';
import { sendReply } from './send.js';
import { type InstanceMeta, Store } from './store.js';
import type { SimTask } from './task-records.js';
import { TokenBucket } from './throttle.js';
import { verifySignature } from './verify.js';

export type { Fault, FaultRule } from './faults.js';
export type { RequestLogEntry, SimulatorOptions } from './options.js';
export type { InstanceMeta } from './store.js';

const IAM_ACTIONS: Record<Operation, string> = {
  'list-instances': IAM_ACTION.listInstances,
  'list-tasks': IAM_ACTION.listTasks,
  'delete-task': IAM_ACTION.deleteTask,
};

const ROUTE = /^\/v2\/([^/]+)\/instances(?:\/([^/]+)\/tasks(?:\/([^/]+))?)?\/?$/;

export class DcsSimulator {
  /** Every request received, in order. */
  readonly requests: RequestLogEntry[] = [];
  readonly #options: SimulatorOptions;
  readonly #server: Server;
  readonly #credentials = new Map<string, Credentials & { expiresAtMs?: number | undefined }>();
  readonly #identity: IdentityService | undefined;
  /** Project → the access key of the account that owns it; other accounts' keys get 403. */
  readonly #owners = new Map<string, string>();
  readonly #store: Store;
  readonly #faults: FaultInjector;
  readonly #throttle: TokenBucket | undefined;
  readonly #now: () => number;
  #endpoint = '';

  private constructor(options: SimulatorOptions) {
    const random = seededRandom(options.seed ?? 1);
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#store = new Store(options, random);
    this.#faults = new FaultInjector(random);
    const limit = options.rateLimit;
    this.#throttle =
      limit &&
      new TokenBucket(
        limit.requestsPerSecond,
        limit.burst ?? Math.max(1, Math.ceil(limit.requestsPerSecond / 10)),
        this.#now,
      );
    for (const credentials of options.credentials ?? []) this.addCredentials(credentials);
    this.#identity =
      options.identity &&
      new IdentityService(options.identity, this.#now, (credentials, expiresAtMs) =>
        this.addCredentials(credentials, expiresAtMs),
      );
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.#handle(req, res);
    this.#server = options.tls ? createHttpsServer(options.tls, handler) : createHttpServer(handler);
  }

  /** Starts a simulator on 127.0.0.1, on `options.port` or a free port. */
  static async start(options: SimulatorOptions = {}): Promise<DcsSimulator> {
    const simulator = new DcsSimulator(options);
    await new Promise<void>((resolve, reject) => {
      simulator.#server.once('error', reject);
      simulator.#server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const { port } = simulator.#server.address() as AddressInfo;
    simulator.#endpoint = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    await simulator.#identity?.start(simulator.#endpoint);
    return simulator;
  }

  /** The origin to put in a config's `endpoint`. */
  get endpoint(): string {
    return this.#endpoint;
  }

  /** Credentials the gateway accepts; temporary ones (with a security token) until `expiresAtMs`. */
  addCredentials(credentials: Credentials, expiresAtMs?: number): void {
    this.#credentials.set(credentials.ak, { ...credentials, expiresAtMs });
  }

  /** The identity sources, when the simulator was started with `identity`. */
  get identity(): IdentityService {
    if (!this.#identity) throw new Error('this simulator was started without `identity`');
    return this.#identity;
  }

  /** Only `ak`'s account may call this project's APIs; others get 403, as for a project of another account. */
  assignProject(projectId: string, ak: string): void {
    this.#owners.set(projectId, ak);
  }

  /** Adds (or replaces) an instance; ListInstances shows it as `meta` says (RUNNING by default). */
  addInstance(projectId: string, instanceId: string, tasks: SimTask[], meta?: InstanceMeta): void {
    this.#store.addInstance(projectId, instanceId, tasks, meta);
  }

  /** Appends raw (possibly hostile) records to an instance's task listing. */
  addRawTasks(projectId: string, instanceId: string, records: unknown[]): void {
    this.#store.addRawTasks(projectId, instanceId, records);
  }

  /** Appends raw (possibly hostile) records to a project's instance listing. */
  addRawInstances(projectId: string, records: unknown[]): void {
    this.#store.addRawInstances(projectId, records);
  }

  /** Deletes an instance behind discovery's back: ListInstances still shows it, its tasks answer 404. */
  vanish(projectId: string, instanceId: string): void {
    this.#store.vanish(projectId, instanceId);
  }

  /** The task records an instance still has. */
  tasks(projectId: string, instanceId: string): readonly SimTask[] {
    return (this.#store.taskList(projectId, instanceId)?.records ?? []) as SimTask[];
  }

  inject(rule: FaultRule): void {
    this.#faults.inject(rule);
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  /** Requests received, by the status they were answered with. */
  countByStatus(): Record<number, number> {
    const counts: Record<number, number> = {};
    for (const entry of this.requests) counts[entry.status] = (counts[entry.status] ?? 0) + 1;
    return counts;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    if (!this.#server.listening) return;
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const [rawPath = '/', rawQuery = ''] = (req.url ?? '/').split('?', 2);
    const route = ROUTE.exec(rawPath);
    const method = req.method ?? '';
    const entry: RequestLogEntry = {
      method,
      path: rawPath,
      query: rawQuery,
      operation: route ? operationOf(method, route) : null,
      projectId: (route?.[1] && safeDecode(route[1])) ?? null,
      instanceId: (route?.[2] && safeDecode(route[2])) ?? null,
      taskId: (route?.[3] && safeDecode(route[3])) ?? null,
      ak: /Access=([^,\s]+)/.exec(req.headers.authorization ?? '')?.[1] ?? null,
      status: 0,
      bytesSent: 0,
      receivedAt: this.#now(),
      signature: /Signature=([0-9a-f]+)/.exec(req.headers.authorization ?? '')?.[1] ?? null,
    };
    this.requests.push(entry);

    const body = Buffer.concat(chunks);
    const identity = await this.#identity?.answer(method, rawPath, req.headers, body.toString('utf8'));
    const { reply, latencyMs, trickle } = identity
      ? { reply: identity, latencyMs: 0, trickle: undefined }
      : this.#answer(req, rawPath, rawQuery, body, entry);
    const latency = (this.#options.latencyMs ?? 0) + latencyMs;
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    if (reply === 'hang') {
      entry.status = -1;
      // Nothing is ever written: the client's timeout (or the simulator's stop) ends it.
      if (!req.socket.destroyed) await once(req.socket, 'close');
      return;
    }
    if (reply === 'reset' || reply === 'shutdown') {
      entry.status = -1;
      if (reply === 'shutdown') {
        this.#server.close();
        this.#server.closeAllConnections();
      }
      req.socket.destroy();
      return;
    }
    entry.status = reply.status;
    const headers = {
      'Content-Type': 'application/json',
      'X-Request-Id': randomUUID().replaceAll('-', ''),
      Date: this.#options.dateHeader ?? new Date(this.#now()).toUTCString(),
      ...reply.headers,
    };
    entry.bytesSent = await sendReply(res, reply, headers, trickle);
  }

  /** The gateway's checks in order (encoding, signature, flow control, route, project), then faults, then DCS. */
  #answer(req: IncomingMessage, rawPath: string, rawQuery: string, body: Buffer, entry: RequestLogEntry) {
    const gateway = (reply: Reply) => ({ reply, latencyMs: 0, trickle: undefined });
    const pathSegments = rawPath.slice(1).split('/').map(safeDecode);
    const query = rawQuery ? rawQuery.split('&').map(splitPair) : [];
    if (!pathSegments.every(isDefined) || !query.every(isDefined)) {
      return gateway(apiError(400, 'APIGW.0201', 'Bad request: malformed percent-encoding'));
    }
    const authFailure = verifySignature(
      { method: entry.method, pathSegments, query, headers: req.headers, payloadHash: sha256Hex(body) },
      (ak) => this.#credentials.get(ak),
      this.#now(),
    );
    if (authFailure) return gateway(apiError(401, authFailure.errorCode, authFailure.message));
    if (this.#throttle && !this.#throttle.take()) {
      return gateway({
        ...apiError(429, 'APIGW.0308', 'The throttling threshold has been reached'),
        headers: retryAfterHeader(this.#options.rateLimit?.retryAfterSeconds),
      });
    }
    const { operation, projectId, instanceId, taskId } = entry;
    if (!operation || projectId === null) {
      return gateway(
        apiError(404, 'APIGW.0101', 'The API does not exist or has not been published in the environment'),
      );
    }
    const owner = this.#owners.get(projectId);
    if (owner !== undefined && owner !== entry.ak) {
      return gateway(apiError(403, 'APIGW.0302', 'The IAM user is not authorized to access the project'));
    }
    if (this.#options.deny?.includes(operation)) {
      return gateway(
        apiError(403, 'DCS.1001', `Policy doesn't allow ${IAM_ACTIONS[operation]} to be performed.`),
      );
    }

    const { reply: injected, latencyMs, trickle } = this.#faults.apply(entry);
    if (injected) return { reply: injected, latencyMs, trickle };
    if (operation === 'list-instances') {
      return { reply: this.#store.listInstances(projectId, new Map(query)), latencyMs, trickle };
    }
    const tasks = this.#store.taskList(projectId, instanceId ?? '');
    if (!tasks)
      return { reply: apiError(404, 'DCS.3022', 'The instance does not exist.'), latencyMs, trickle };
    const reply =
      operation === 'list-tasks'
        ? this.#store.listTasks(tasks, new Map(query))
        : this.#store.delete(tasks, taskId ?? '');
    return { reply, latencyMs, trickle };
  }
}

/** Which API a method and route name; null when none does. */
function operationOf(method: string, route: RegExpExecArray): Operation | null {
  const [, , instance, task] = route;
  if (method === 'GET' && !instance) return 'list-instances';
  if (method === 'GET' && instance && !task) return 'list-tasks';
  if (method === 'DELETE' && instance && task) return 'delete-task';
  return null;
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function splitPair(pair: string): [string, string] | undefined {
  const at = pair.indexOf('=');
  const name = safeDecode(at < 0 ? pair : pair.slice(0, at));
  const value = safeDecode(at < 0 ? '' : pair.slice(at + 1));
  return name === undefined || value === undefined ? undefined : [name, value];
}

function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}
