// Faults the simulator can inject into matching requests, in the order the rules were added.
import { apiError, type Reply, retryAfterHeader } from './reply.js';

export type Fault =
  | {
      type: 'status';
      status: number;
      errorCode?: string;
      message?: string;
      retryAfterSeconds?: number;
      /** Sent as is: hostile values (a request id of any length, say) included. */
      headers?: Record<string, string>;
    }
  | { type: 'reset' }
  /** The endpoint dies: the listener closes and every connection drops (later ones are refused). */
  | { type: 'shutdown' }
  /** A body sent as is: with a status, any page a proxy or gateway may send (an HTML 404, say). */
  | { type: 'malformed'; body?: string; status?: number; contentType?: string }
  /** No answer at all: the connection stays open, silent, until the client gives up. */
  | { type: 'hang' }
  | { type: 'latency'; ms: number }
  /** A body of `bytes` bytes, generated as it is sent: a task listing when 2xx, an error body otherwise. */
  | { type: 'huge-body'; bytes: number; status?: number; declareLength?: boolean; filler?: string }
  /** The real answer, its body sent `bytesPerTick` bytes every `intervalMs`. */
  | { type: 'trickle'; intervalMs: number; bytesPerTick?: number };

export type Operation = 'list-instances' | 'list-tasks' | 'delete-task';

export interface FaultRule {
  method?: 'GET' | 'DELETE';
  operation?: Operation;
  projectId?: string;
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

export interface RequestKey {
  method: string;
  operation: Operation | null;
  projectId: string | null;
  instanceId: string | null;
  taskId: string | null;
}

/** Added latency, the reply that replaces the real one ('reset' drops the connection), or a slow body. */
export interface FaultEffect {
  latencyMs: number;
  reply?: Reply | 'reset' | 'shutdown' | 'hang';
  trickle?: { intervalMs: number; bytesPerTick: number };
}

export class FaultInjector {
  readonly #rules: FaultRule[] = [];
  readonly #random: () => number;

  constructor(random: () => number) {
    this.#random = random;
  }

  inject(rule: FaultRule): void {
    this.#rules.push({ ...rule });
  }

  clear(): void {
    this.#rules.length = 0;
  }

  /** Latency rules add up; the first other rule that hits decides the reply (or how it is sent). */
  apply(request: RequestKey): FaultEffect {
    let latencyMs = 0;
    for (const rule of this.#rules) {
      if (!this.#hits(rule, request)) continue;
      const { fault } = rule;
      if (fault.type === 'latency') latencyMs += fault.ms;
      else if (fault.type === 'trickle') {
        return {
          latencyMs,
          trickle: { intervalMs: fault.intervalMs, bytesPerTick: fault.bytesPerTick ?? 1 },
        };
      } else return { latencyMs, reply: replyFor(fault) };
    }
    return { latencyMs };
  }

  #hits(rule: FaultRule, request: RequestKey): boolean {
    if (rule.times !== undefined && rule.times <= 0) return false;
    if (rule.method && rule.method !== request.method) return false;
    if (rule.operation && rule.operation !== request.operation) return false;
    if (rule.projectId && rule.projectId !== request.projectId) return false;
    if (rule.instanceId && rule.instanceId !== request.instanceId) return false;
    if (rule.taskId && rule.taskId !== request.taskId) return false;
    if (rule.after !== undefined && rule.after > 0) {
      rule.after--;
      return false;
    }
    if (rule.probability !== undefined && this.#random() >= rule.probability) return false;
    if (rule.times !== undefined) rule.times--;
    return true;
  }
}

/** One listed task, repeated to make a huge but well-formed listing. */
const FILLER_TASK = `${JSON.stringify({
  id: 'ff8080818c0a1b2c018c0a1b2c3d0001',
  name: 'EXTEND',
  status: 'SUCCESS',
  created_at: '2024-01-01T02:10:11.123Z',
  updated_at: '2024-01-01T02:14:52.904Z',
  user_name: 'ops-automation',
})},`;

function replyFor(
  fault: Exclude<Fault, { type: 'latency' | 'trickle' }>,
): Reply | 'reset' | 'shutdown' | 'hang' {
  switch (fault.type) {
    case 'reset':
    case 'shutdown':
    case 'hang':
      return fault.type;
    case 'huge-body': {
      const status = fault.status ?? 200;
      const listing = status >= 200 && status < 300;
      return {
        status,
        stream: {
          prefix: listing ? '{"task_count":"999999999","tasks":[' : '{"error_code":"DCS.5000","error_msg":"',
          filler: fault.filler ?? (listing ? FILLER_TASK : 'x'.repeat(1024)),
          suffix: listing ? '{}]}' : '"}',
          bytes: fault.bytes,
          declareLength: fault.declareLength ?? false,
        },
      };
    }
    case 'malformed':
      return {
        status: fault.status ?? 200,
        rawBody: fault.body ?? '{"tasks": [{"id": "trunc',
        headers: fault.contentType ? { 'Content-Type': fault.contentType } : {},
      };
    case 'status':
      return {
        ...apiError(
          fault.status,
          fault.errorCode ?? `DCS.${fault.status === 404 ? 4001 : 5000}`,
          fault.message,
        ),
        headers: { ...retryAfterHeader(fault.retryAfterSeconds), ...fault.headers },
      };
  }
}
