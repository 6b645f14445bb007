// A local DCS background-task API: real HTTP on loopback, gateway-strict signatures, record-offset
// paging, throttling with 429 and injectable faults. The demo, the tests and the benchmarks use it.
import { randomUUID } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type Credentials, sha256Hex } from '../dcs/signer.js';
import { FaultInjector, type FaultRule } from './faults.js';
import type { SimTask } from './fleet.js';
import { seededRandom } from './random.js';
import { apiError, type Reply, retryAfterHeader } from './reply.js';
import { TaskStore, type TaskStoreOptions } from './task-store.js';
import { TokenBucket } from './throttle.js';
import { verifySignature } from './verify.js';

export type { Fault, FaultRule } from './faults.js';

export interface SimulatorOptions extends TaskStoreOptions {
  credentials?: Credentials[];
  /** Added to every response. */
  latencyMs?: number;
  /** The gateway's flow control: above it, 429 APIGW.0308. Burst defaults to a tenth of a second's worth. */
  rateLimit?: { requestsPerSecond: number; burst?: number; retryAfterSeconds?: number };
  /** The gateway's clock (signature age is checked against it). */
  now?: () => number;
  seed?: number;
  /** Serve HTTPS with this key and certificate instead of HTTP. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export interface RequestLogEntry {
  method: string;
  path: string;
  query: string;
  instanceId: string | null;
  taskId: string | null;
  /** The HTTP status answered; -1 for a reset connection. */
  status: number;
  receivedAt: number;
  /** The Signature of the Authorization header, so tests can check that no output repeats it. */
  signature: string | null;
}

const TASKS_PATH = /^\/v2\/([^/]+)\/instances\/([^/]+)\/tasks(?:\/([^/]+))?\/?$/;

export class DcsSimulator {
  /** Every request received, in order. */
  readonly requests: RequestLogEntry[] = [];
  readonly #options: SimulatorOptions;
  readonly #server: Server;
  readonly #credentials = new Map<string, Credentials>();
  readonly #store: TaskStore;
  readonly #faults: FaultInjector;
  readonly #throttle: TokenBucket | undefined;
  readonly #now: () => number;
  #endpoint = '';

  private constructor(options: SimulatorOptions) {
    const random = seededRandom(options.seed ?? 1);
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#store = new TaskStore(options, random);
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
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.#handle(req, res);
    this.#server = options.tls ? createHttpsServer(options.tls, handler) : createHttpServer(handler);
  }

  /** Starts a simulator on 127.0.0.1 with a random port. */
  static async start(options: SimulatorOptions = {}): Promise<DcsSimulator> {
    const simulator = new DcsSimulator(options);
    await new Promise<void>((resolve, reject) => {
      simulator.#server.once('error', reject);
      simulator.#server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = simulator.#server.address() as AddressInfo;
    simulator.#endpoint = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    return simulator;
  }

  /** The origin to put in a config's `endpoint`. */
  get endpoint(): string {
    return this.#endpoint;
  }

  addCredentials(credentials: Credentials): void {
    this.#credentials.set(credentials.ak, credentials);
  }

  /** Adds (or replaces) an instance; tasks are kept newest first, as the API lists them. */
  addInstance(projectId: string, instanceId: string, tasks: SimTask[]): void {
    this.#store.addInstance(projectId, instanceId, tasks);
  }

  /** The tasks an instance still has. */
  tasks(projectId: string, instanceId: string): readonly SimTask[] {
    return this.#store.tasks(projectId, instanceId) ?? [];
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
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const [rawPath = '/', rawQuery = ''] = (req.url ?? '/').split('?', 2);
    const match = TASKS_PATH.exec(rawPath);
    const entry: RequestLogEntry = {
      method: req.method ?? '',
      path: rawPath,
      query: rawQuery,
      instanceId: (match?.[2] && safeDecode(match[2])) ?? null,
      taskId: (match?.[3] && safeDecode(match[3])) ?? null,
      status: 0,
      receivedAt: this.#now(),
      signature: /Signature=([0-9a-f]+)/.exec(req.headers.authorization ?? '')?.[1] ?? null,
    };
    this.requests.push(entry);

    const { reply, latencyMs } = this.#answer(req, rawPath, rawQuery, Buffer.concat(chunks), entry);
    const latency = (this.#options.latencyMs ?? 0) + latencyMs;
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    if (reply === 'reset') {
      entry.status = -1;
      req.socket.destroy();
      return;
    }
    entry.status = reply.status;
    res.writeHead(reply.status, {
      'Content-Type': 'application/json',
      'X-Request-Id': randomUUID().replaceAll('-', ''),
      ...reply.headers,
    });
    res.end(reply.rawBody ?? (reply.body === undefined ? '' : JSON.stringify(reply.body)));
  }

  /** The gateway's checks in order (encoding, signature, flow control, route), then faults, then DCS. */
  #answer(
    req: IncomingMessage,
    rawPath: string,
    rawQuery: string,
    body: Buffer,
    entry: RequestLogEntry,
  ): { reply: Reply | 'reset'; latencyMs: number } {
    const gateway = (reply: Reply) => ({ reply, latencyMs: 0 });
    const pathSegments = rawPath.slice(1).split('/').map(safeDecode);
    const query = rawQuery ? rawQuery.split('&').map(splitPair) : [];
    if (!pathSegments.every(isDefined) || !query.every(isDefined)) {
      return gateway(apiError(400, 'APIGW.0201', 'Bad request: malformed percent-encoding'));
    }
    const method = req.method ?? '';
    const authFailure = verifySignature(
      { method, pathSegments, query, headers: req.headers, payloadHash: sha256Hex(body) },
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
    const match = TASKS_PATH.exec(rawPath);
    const isList = method === 'GET' && match && !match[3];
    const isDelete = method === 'DELETE' && match?.[3];
    if (!isList && !isDelete) {
      return gateway(
        apiError(404, 'APIGW.0101', 'The API does not exist or has not been published in the environment'),
      );
    }

    const { reply: injected, latencyMs } = this.#faults.apply(entry);
    if (injected) return { reply: injected, latencyMs };
    const tasks = this.#store.tasks(pathSegments[1] ?? '', pathSegments[3] ?? '');
    if (!tasks) return { reply: apiError(404, 'DCS.3022', 'The instance does not exist.'), latencyMs };
    const reply = isList
      ? this.#store.list(tasks, new Map(query))
      : this.#store.delete(tasks, pathSegments[5] ?? '');
    return { reply, latencyMs };
  }
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
