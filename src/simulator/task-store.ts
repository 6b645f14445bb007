// The DCS side of the simulator: instances, their tasks, and the list and delete operations.
import { parseCompactUtc } from '../dcs/time.js';
import type { SimTask } from './fleet.js';
import { apiError, type Reply } from './reply.js';

const DEFAULT_PAGE_SIZE = 10;
const TERMINAL = new Set(['SUCCESS', 'FAILED']);

export interface TaskStoreOptions {
  /** Largest page served; a larger `limit` is capped to it. */
  maxPageSize?: number;
  /** Send task_count as a number instead of the documented string. */
  taskCountAsNumber?: boolean;
}

export class TaskStore {
  readonly #instances = new Map<string, SimTask[]>();
  readonly #options: TaskStoreOptions;
  readonly #random: () => number;

  constructor(options: TaskStoreOptions, random: () => number) {
    this.#options = options;
    this.#random = random;
  }

  /** Adds (or replaces) an instance; tasks are kept newest first, as the API lists them. */
  addInstance(projectId: string, instanceId: string, tasks: SimTask[]): void {
    const sorted = [...tasks].sort((a, b) => b.created_at.localeCompare(a.created_at));
    this.#instances.set(key(projectId, instanceId), sorted);
  }

  tasks(projectId: string, instanceId: string): SimTask[] | undefined {
    return this.#instances.get(key(projectId, instanceId));
  }

  /** ListBackgroundTask: record offset, limit, and an inclusive start_time/end_time window on created_at. */
  list(tasks: readonly SimTask[], query: ReadonlyMap<string, string>): Reply {
    const offset = intParam(query.get('offset'), 0);
    const limit = intParam(query.get('limit'), DEFAULT_PAGE_SIZE);
    if (offset === undefined) return apiError(400, 'DCS.4800', 'Invalid offset.');
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

  /** DeleteBackgroundTask: terminal tasks only; 200 with a body or 204, as the API documents both. */
  delete(tasks: SimTask[], taskId: string): Reply {
    const index = tasks.findIndex((task) => task.id === taskId);
    if (index < 0) return apiError(404, 'DCS.4001', 'The task does not exist.');
    if (!TERMINAL.has((tasks[index] as SimTask).status)) {
      return apiError(400, 'DCS.4957', "This operation is not allowed in the task's current state.");
    }
    tasks.splice(index, 1);
    return this.#random() < 0.5 ? { status: 204 } : { status: 200, body: { message: '' } };
  }
}

function key(projectId: string, instanceId: string): string {
  return `${projectId}/${instanceId}`;
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
