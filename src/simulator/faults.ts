// Faults the simulator can inject into matching requests, in the order the rules were added.
import { apiError, type Reply, retryAfterHeader } from './reply.js';

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

export interface RequestKey {
  method: string;
  instanceId: string | null;
  taskId: string | null;
}

/** Added latency, and the reply that replaces the real one ('reset' drops the connection). */
export interface FaultEffect {
  latencyMs: number;
  reply?: Reply | 'reset';
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

  /** Latency rules add up; the first other rule that hits decides the reply. */
  apply(request: RequestKey): FaultEffect {
    let latencyMs = 0;
    for (const rule of this.#rules) {
      if (!this.#hits(rule, request)) continue;
      const { fault } = rule;
      if (fault.type === 'latency') latencyMs += fault.ms;
      else return { latencyMs, reply: replyFor(fault) };
    }
    return { latencyMs };
  }

  #hits(rule: FaultRule, request: RequestKey): boolean {
    if (rule.times !== undefined && rule.times <= 0) return false;
    if (rule.method && rule.method !== request.method) return false;
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

function replyFor(fault: Exclude<Fault, { type: 'latency' }>): Reply | 'reset' {
  switch (fault.type) {
    case 'reset':
      return 'reset';
    case 'malformed':
      return { status: 200, rawBody: fault.body ?? '{"tasks": [{"id": "trunc' };
    case 'status':
      return {
        ...apiError(
          fault.status,
          fault.errorCode ?? `DCS.${fault.status === 404 ? 4001 : 5000}`,
          fault.message,
        ),
        headers: retryAfterHeader(fault.retryAfterSeconds),
      };
  }
}
