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
import type { Credentials } from '../dcs/signer.js';
import { sha256Hex } from '../dcs/signer.js';
import { parseCompactUtc } from '../dcs/time.js';
import type { SimTask } from './fleet.js';
import { seededRandom } from './random.js';
import { verifySignature } from './verify.js';

export type Fault =
  | { type: 'status'; status: number; errorCode?: string; message?: string; retryAfterSeconds?: number }
  | { type: 'reset' }
  | { type: 'malformed'; body?: string }
  | { type: 'latency'; ms: number };

export interface FaultRule {
  method?: 'GET' | 'DELETE';
  instanceId?: string;
  taskId?: string;
  /** Matching requests to let through before the rule starts hitting. */
  after?: number;
  /** How many matching requests it hits; unlimited when absent. */
  times?: number;
  /** Chance that a matching request is hit (seeded); 1 when absent. */
  probability?: number;
  fault: Fault;
}

export interface SimulatorOptions {
  credentials?: Credentials[];
  /** Added to every response. */
  latencyMs?: number;
  /** Token bucket per gateway: above it, 429 APIGW.0308. */
  rateLimit?: { requestsPerSecond: number; burst?: number; retryAfterSeconds?: number };
  /** Largest page served; a larger `limit` is capped to it. */
  maxPageSize?: number;
  /** Send task_count as a number instead of the documented string. */
  taskCountAsNumber?: boolean;
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
  status: number;
  receivedAt: number;
  /** The Signature of the Authorization header, so tests can check that no output repeats it. */
  signature: string | null;
}

const DEFAULT_PAGE_SIZE = 10;
const TERMINAL = new Set(['SUCCESS', 'FAILED']);
const TASKS_PATH = /^\/v2\/([^/]+)\/instances\/([^/]+)\/tasks(?:\/([^/]+))?\/?$/;

interface Reply {
  status: number;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export class DcsSimulator {
  readonly requests: RequestLogEntry[] = [];
  readonly #options: SimulatorOptions;
  readonly #server: Server;
  readonly #credentials = new Map<string, Credentials>();
  readonly #instances = new Map<string, SimTask[]>();
  readonly #faults: FaultRule[] = [];
  readonly #random: () => number;
  readonly #now: () => number;
  #tokens: number;
  #tokensAt = 0;
  #endpoint = '';

  private constructor(options: SimulatorOptions) {
    this.#options = options;
    this.#random = seededRandom(options.seed ?? 1);
    this.#now = options.now ?? Date.now;
    this.#tokens = this.#burst();
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
    const sorted = [...tasks].sort((a, b) => b.created_at.localeCompare(a.created_at));
    this.#instances.set(key(projectId, instanceId), sorted);
  }

  /** The tasks an instance still has. */
  tasks(projectId: string, instanceId: string): readonly SimTask[] {
    return this.#instances.get(key(projectId, instanceId)) ?? [];
  }

  inject(rule: FaultRule): void {
    this.#faults.push({ ...rule });
  }

  clearFaults(): void {
    this.#faults.length = 0;
  }

  /** Requests received, by status (after signature checks, throttling and faults). */
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
    const body = Buffer.concat(chunks);
    const url = req.url ?? '/';
    const [rawPath = '/', rawQuery = ''] = url.split('?', 2);
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

    const reply = this.#route(req, rawPath, rawQuery, body, entry);
    const latency = (this.#options.latencyMs ?? 0) + (reply === 'reset' ? 0 : (reply.latencyMs ?? 0));
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    if (reply === 'reset') {
      entry.status = -1;
      req.socket.destroy();
      return;
    }
    entry.status = reply.status;
    const text = reply.rawBody ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
    res.writeHead(reply.status, {
      'Content-Type': 'application/json',
      'X-Request-Id': randomUUID().replaceAll('-', ''),
      ...reply.headers,
    });
    res.end(text);
  }

  #route(
    req: IncomingMessage,
    rawPath: string,
    rawQuery: string,
    body: Buffer,
    entry: RequestLogEntry,
  ): (Reply & { latencyMs?: number }) | 'reset' {
    const pathSegments = rawPath.slice(1).split('/').map(safeDecode);
    const query = rawQuery ? rawQuery.split('&').map(splitPair) : [];
    if (!pathSegments.every(isDefined) || !query.every(isDefined)) {
      return apiError(400, 'APIGW.0201', 'Bad request: malformed percent-encoding');
    }
    const authFailure = verifySignature(
      {
        method: req.method ?? '',
        pathSegments,
        query,
        headers: req.headers,
        payloadHash: sha256Hex(body),
      },
      (ak) => this.#credentials.get(ak),
      this.#now(),
    );
    if (authFailure) return apiError(401, authFailure.errorCode, authFailure.message);
    if (!this.#takeToken()) {
      const retryAfter = this.#options.rateLimit?.retryAfterSeconds;
      return {
        ...apiError(429, 'APIGW.0308', 'The throttling threshold has been reached'),
        headers: retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) },
      };
    }
    const match = TASKS_PATH.exec(rawPath);
    if (
      !match ||
      (req.method !== 'GET' && req.method !== 'DELETE') ||
      (req.method === 'GET') === !!match[3]
    ) {
      return apiError(
        404,
        'APIGW.0101',
        'The API does not exist or has not been published in the environment',
      );
    }

    let latencyMs = 0;
    for (const rule of this.#faults) {
      if (!this.#hits(rule, req.method, entry)) continue;
      const { fault } = rule;
      if (fault.type === 'latency') {
        latencyMs += fault.ms;
        continue;
      }
      if (fault.type === 'reset') return 'reset';
      if (fault.type === 'malformed')
        return { status: 200, rawBody: fault.body ?? '{"tasks": [{"id": "trunc', latencyMs };
      return {
        ...apiError(
          fault.status,
          fault.errorCode ?? `DCS.${fault.status === 404 ? 4001 : 5000}`,
          fault.message,
        ),
        headers:
          fault.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(fault.retryAfterSeconds) },
        latencyMs,
      };
    }

    const [projectId = '', instanceId = ''] = [pathSegments[1], pathSegments[3]];
    const tasks = this.#instances.get(key(projectId, instanceId));
    if (!tasks) return { ...apiError(404, 'DCS.3022', 'The instance does not exist.'), latencyMs };
    const reply =
      req.method === 'GET' ? this.#list(tasks, new Map(query)) : this.#delete(tasks, pathSegments[5] ?? '');
    return { ...reply, latencyMs };
  }

  #list(tasks: SimTask[], query: Map<string, string>): Reply {
    const offset = intParam(query.get('offset'), 0);
    const limit = intParam(query.get('limit'), DEFAULT_PAGE_SIZE);
    if (offset === undefined || offset < 0) return apiError(400, 'DCS.4800', 'Invalid offset.');
    if (limit === undefined || limit < 1) return apiError(400, 'DCS.4800', 'Invalid limit.');
    const start = timeParam(query.get('start_time'));
    const end = timeParam(query.get('end_time'));
    if (start === null || end === null) return apiError(400, 'DCS.4800', 'Invalid start_time or end_time.');
    const inWindow =
      start === undefined && end === undefined
        ? tasks
        : tasks.filter((task) => {
            const created = Date.parse(task.created_at);
            return (start === undefined || created >= start) && (end === undefined || created <= end);
          });
    const page = inWindow.slice(offset, offset + Math.min(limit, this.#options.maxPageSize ?? 1000));
    const count = this.#options.taskCountAsNumber ? inWindow.length : String(inWindow.length);
    return { status: 200, body: { task_count: count, tasks: page } };
  }

  #delete(tasks: SimTask[], taskId: string): Reply {
    const index = tasks.findIndex((task) => task.id === taskId);
    if (index < 0) return apiError(404, 'DCS.4001', 'The task does not exist.');
    if (!TERMINAL.has((tasks[index] as SimTask).status)) {
      return apiError(400, 'DCS.4957', "This operation is not allowed in the task's current state.");
    }
    tasks.splice(index, 1);
    return this.#random() < 0.5 ? { status: 204 } : { status: 200, body: { message: '' } };
  }

  #hits(rule: FaultRule, method: string | undefined, entry: RequestLogEntry): boolean {
    if (rule.times !== undefined && rule.times <= 0) return false;
    if (rule.method && rule.method !== method) return false;
    if (rule.instanceId && rule.instanceId !== entry.instanceId) return false;
    if (rule.taskId && rule.taskId !== entry.taskId) return false;
    if (rule.after !== undefined && rule.after > 0) {
      rule.after--;
      return false;
    }
    if (rule.probability !== undefined && this.#random() >= rule.probability) return false;
    if (rule.times !== undefined) rule.times--;
    return true;
  }

  #burst(): number {
    const limit = this.#options.rateLimit;
    return limit ? (limit.burst ?? Math.max(1, Math.ceil(limit.requestsPerSecond / 10))) : 0;
  }

  #takeToken(): boolean {
    const limit = this.#options.rateLimit;
    if (!limit) return true;
    const now = this.#now();
    this.#tokens = Math.min(
      this.#burst(),
      this.#tokens + ((now - this.#tokensAt) / 1000) * limit.requestsPerSecond,
    );
    this.#tokensAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

function apiError(status: number, errorCode: string, message = `HTTP ${status}`): Reply {
  return { status, body: { error_code: errorCode, error_msg: message, error_ext_msg: null } };
}

function key(projectId: string, instanceId: string): string {
  return `${projectId}/${instanceId}`;
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

function intParam(value: string | undefined, fallback: number): number | undefined {
  if (value === undefined) return fallback;
  return /^\d+$/.test(value) ? Number(value) : undefined;
}

/** `yyyyMMddHHmmss` (UTC) → epoch ms; undefined when absent, null when unreadable. */
function timeParam(value: string | undefined): number | undefined | null {
  if (value === undefined) return undefined;
  return /^\d{14}$/.test(value) ? (parseCompactUtc(value) ?? null) : null;
}
