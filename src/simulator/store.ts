// The DCS side of the simulator: projects, their instances (ListInstances) and each instance's tasks
// (ListBackgroundTask, DeleteBackgroundTask). Raw records let tests serve what no real API should.
import type { SimTask } from './fleet.js';
import { apiError, type Reply } from './reply.js';

const DEFAULT_PAGE_SIZE = 10;
const MAX_LIMIT = 1000;
const TERMINAL = new Set(['SUCCESS', 'FAILED']);

export interface StoreOptions {
  /** Largest task page served; a larger `limit` is capped to it. */
  maxPageSize?: number;
  /** Largest instance page served (ListInstances); a larger `limit` is capped to it. */
  maxInstancePageSize?: number;
  /** Send task_count as a number instead of the documented string. */
  taskCountAsNumber?: boolean;
}

/** What ListInstances shows of an instance. */
export interface InstanceMeta {
  name?: string;
  status?: string;
  tags?: Record<string, string>;
}

type Query = ReadonlyMap<string, string>;

export class Store {
  /** Task lists by project/instance: newest first, as the API lists them. Raw records may be anything. */
  readonly #tasks = new Map<string, unknown[]>();
  /** ListInstances records by project, in listing order. */
  readonly #instances = new Map<string, unknown[]>();
  readonly #options: StoreOptions;
  readonly #random: () => number;

  constructor(options: StoreOptions, random: () => number) {
    this.#options = options;
    this.#random = random;
  }

  /** Adds (or replaces) an instance with its tasks; ListInstances shows it as `meta` says (RUNNING by default). */
  addInstance(projectId: string, instanceId: string, tasks: SimTask[], meta: InstanceMeta = {}): void {
    const sorted = [...tasks].sort((a, b) => b.created_at.localeCompare(a.created_at));
    this.#tasks.set(key(projectId, instanceId), sorted);
    const listed = this.#instances.get(projectId) ?? [];
    const record = {
      instance_id: instanceId,
      name: meta.name ?? `redis-${instanceId.slice(0, 8)}`,
      engine: 'Redis',
      engine_version: '6.0',
      status: meta.status ?? 'RUNNING',
      capacity: 2,
      tags: Object.entries(meta.tags ?? {}).map(([tagKey, value]) => ({ key: tagKey, value })),
    };
    const at = listed.findIndex((item) => (item as { instance_id?: unknown }).instance_id === instanceId);
    if (at >= 0) listed[at] = record;
    else listed.push(record);
    this.#instances.set(projectId, listed);
  }

  /** Appends raw records (the oldest end) to an instance's task listing. */
  addRawTasks(projectId: string, instanceId: string, records: unknown[]): void {
    this.#tasks.get(key(projectId, instanceId))?.push(...records);
  }

  /** Appends raw records to a project's instance listing. */
  addRawInstances(projectId: string, records: unknown[]): void {
    this.#instances.set(projectId, [...(this.#instances.get(projectId) ?? []), ...records]);
  }

  /** The instance is deleted, but ListInstances (a stale view) still shows it. */
  vanish(projectId: string, instanceId: string): void {
    this.#tasks.delete(key(projectId, instanceId));
  }

  tasks(projectId: string, instanceId: string): unknown[] | undefined {
    return this.#tasks.get(key(projectId, instanceId));
  }

  /** ListInstances: record offset and limit (1–1000, default 10), capped by maxInstancePageSize. */
  listInstances(projectId: string, query: Query): Reply {
    const paging = readPaging(query, this.#options.maxInstancePageSize);
    if (typeof paging === 'string') return apiError(400, 'DCS.4800', paging);
    const instances = this.#instances.get(projectId) ?? [];
    return {
      status: 200,
      body: {
        instance_num: instances.length,
        instances: instances.slice(paging.offset, paging.offset + paging.limit),
      },
    };
  }

  /** ListBackgroundTask: record offset and limit (the client sends no time window). */
  listTasks(tasks: readonly unknown[], query: Query): Reply {
    const paging = readPaging(query, this.#options.maxPageSize);
    if (typeof paging === 'string') return apiError(400, 'DCS.4800', paging);
    const page = tasks.slice(paging.offset, paging.offset + paging.limit);
    const count = this.#options.taskCountAsNumber ? tasks.length : String(tasks.length);
    return { status: 200, body: { task_count: count, tasks: page } };
  }

  /** DeleteBackgroundTask: terminal tasks only; 200 with a body or 204, as the API documents both. */
  delete(tasks: unknown[], taskId: string): Reply {
    const index = tasks.findIndex((task) => (task as { id?: unknown }).id === taskId);
    if (index < 0) return apiError(404, 'DCS.4001', 'The task does not exist.');
    if (!TERMINAL.has(String((tasks[index] as { status?: unknown }).status))) {
      return apiError(400, 'DCS.4957', "This operation is not allowed in the task's current state.");
    }
    tasks.splice(index, 1);
    return this.#random() < 0.5 ? { status: 204 } : { status: 200, body: { message: '' } };
  }
}

function key(projectId: string, instanceId: string): string {
  return `${projectId}/${instanceId}`;
}

/** offset ≥ 0 and limit 1–1000 (default 10), the limit capped to what this server serves. */
function readPaging(query: Query, cap = MAX_LIMIT): { offset: number; limit: number } | string {
  const offset = intParam(query.get('offset'), 0);
  const limit = intParam(query.get('limit'), DEFAULT_PAGE_SIZE);
  if (offset === undefined) return 'Invalid offset.';
  if (limit === undefined || limit < 1 || limit > MAX_LIMIT) return 'Invalid limit.';
  return { offset, limit: Math.min(limit, cap) };
}

function intParam(value: string | undefined, fallback: number): number | undefined {
  if (value === undefined) return fallback;
  return /^\d+$/.test(value) ? Number(value) : undefined;
}
