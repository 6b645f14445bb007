// The DCS side of the simulator: projects, their instances (ListInstances) and each instance's tasks
// (ListBackgroundTask, DeleteBackgroundTask). Raw records let tests serve what no real API should.

import { apiError, type Reply } from './reply.js';
import type { SimTask } from './task-records.js';

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
  /** A task_count to claim instead of the real one (a listing that says it never ends). */
  claimedTaskCount?: number;
  /** Task pages of this many records whatever `limit` asks (a server that ignores it). */
  servedPageSize?: number;
}

/** What ListInstances shows of an instance. */
export interface InstanceMeta {
  name?: string;
  status?: string;
  tags?: Record<string, string>;
}

type Query = ReadonlyMap<string, string>;

/**
 * One instance's task list, newest first as the API lists them; raw records may be anything. Deletes are
 * found through an index by id and removed from the list in one pass before it is read again, so that a
 * list of a million records is not scanned and shifted once per delete.
 */
class TaskList {
  #records: unknown[];
  /** Records by id, in list order (a hostile list may repeat an id); built on the first delete. */
  #byId: Map<string, unknown[]> | undefined;
  readonly #removed = new Set<unknown>();

  constructor(records: unknown[]) {
    this.#records = records;
  }

  get records(): readonly unknown[] {
    if (this.#removed.size > 0) {
      this.#records = this.#records.filter((record) => !this.#removed.has(record));
      this.#removed.clear();
    }
    return this.#records;
  }

  append(records: readonly unknown[]): void {
    this.#records.push(...records);
    this.#byId = undefined;
  }

  /** The first record with this id, still listed. */
  find(id: string): unknown {
    return this.#index().get(id)?.[0];
  }

  remove(id: string): void {
    const same = this.#index().get(id);
    const record = same?.shift();
    if (record !== undefined) this.#removed.add(record);
  }

  #index(): Map<string, unknown[]> {
    if (!this.#byId) {
      const byId = new Map<string, unknown[]>();
      for (const record of this.records) {
        const id =
          typeof record === 'object' && record !== null ? (record as { id?: unknown }).id : undefined;
        if (typeof id !== 'string') continue;
        const same = byId.get(id);
        if (same) same.push(record);
        else byId.set(id, [record]);
      }
      this.#byId = byId;
    }
    return this.#byId;
  }
}

export class Store {
  /** Task lists by project/instance. */
  readonly #tasks = new Map<string, TaskList>();
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
    const sorted = [...tasks].sort((a, b) =>
      a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0,
    );
    this.#tasks.set(key(projectId, instanceId), new TaskList(sorted));
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
    this.#tasks.get(key(projectId, instanceId))?.append(records);
  }

  /** Appends raw records to a project's instance listing. */
  addRawInstances(projectId: string, records: unknown[]): void {
    this.#instances.set(projectId, [...(this.#instances.get(projectId) ?? []), ...records]);
  }

  /** The instance is deleted, but ListInstances (a stale view) still shows it. */
  vanish(projectId: string, instanceId: string): void {
    this.#tasks.delete(key(projectId, instanceId));
  }

  /** An instance's task list; undefined when there is no such instance. */
  taskList(projectId: string, instanceId: string): TaskList | undefined {
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
  listTasks(list: TaskList, query: Query): Reply {
    const paging = readPaging(query, this.#options.maxPageSize);
    if (typeof paging === 'string') return apiError(400, 'DCS.4800', paging);
    const tasks = list.records;
    const size = this.#options.servedPageSize ?? paging.limit;
    const page = tasks.slice(paging.offset, paging.offset + size);
    const total = this.#options.claimedTaskCount ?? tasks.length;
    const count = this.#options.taskCountAsNumber ? total : String(total);
    return { status: 200, body: { task_count: count, tasks: page } };
  }

  /** DeleteBackgroundTask: terminal tasks only; 200 with a body or 204, as the API documents both. */
  delete(list: TaskList, taskId: string): Reply {
    const task = list.find(taskId);
    if (task === undefined) return apiError(404, 'DCS.4001', 'The task does not exist.');
    if (!TERMINAL.has(String((task as { status?: unknown }).status))) {
      return apiError(400, 'DCS.4957', "This operation is not allowed in the task's current state.");
    }
    list.remove(taskId);
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
