// Reading a ListBackgroundTask page leniently: unknown fields are ignored, nothing is guessed.
import type { TaskRecord } from '../policy/select.js';

export interface InvalidTask {
  /** The task's id when it had one. */
  taskId: string | null;
  reason: string;
}

export interface TaskPage {
  /** Records on the page, valid or not: the next offset advances by this. */
  records: number;
  tasks: TaskRecord[];
  invalid: InvalidTask[];
  /** `task_count`, when it is a number or a numeric string. */
  total: number | undefined;
}

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/;

/** Parses a page body; returns a reason string when the body is not a task list at all. */
export function parseTaskPage(body: unknown): TaskPage | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body is not a JSON object';
  const { tasks, task_count: count } = body as { tasks?: unknown; task_count?: unknown };
  if (tasks === undefined && (count === undefined || Number(count) === 0)) {
    return { records: 0, tasks: [], invalid: [], total: 0 };
  }
  if (!Array.isArray(tasks)) return '"tasks" is not an array';
  const page: TaskPage = { records: tasks.length, tasks: [], invalid: [], total: parseCount(count) };
  for (const raw of tasks) {
    const task = parseTask(raw);
    if ('reason' in task) page.invalid.push(task);
    else page.tasks.push(task);
  }
  return page;
}

function parseTask(raw: unknown): TaskRecord | InvalidTask {
  if (typeof raw !== 'object' || raw === null) return { taskId: null, reason: 'task is not an object' };
  const { id, name, status, created_at: createdAt } = raw as Record<string, unknown>;
  const taskId = typeof id === 'string' && id !== '' ? id : null;
  if (taskId === null) return { taskId, reason: 'task has no id' };
  if (typeof status !== 'string' || status === '') return { taskId, reason: 'task has no status' };
  if (typeof createdAt !== 'string' || !ISO_TIMESTAMP.test(createdAt)) {
    return { taskId, reason: 'task has no readable created_at' };
  }
  const createdAtMs = Date.parse(createdAt);
  if (Number.isNaN(createdAtMs)) return { taskId, reason: 'task has no readable created_at' };
  return { id: taskId, name: typeof name === 'string' ? name : '', status, createdAt, createdAtMs };
}

function parseCount(count: unknown): number | undefined {
  if (typeof count === 'number' && Number.isInteger(count)) return count;
  if (typeof count === 'string' && /^\d+$/.test(count)) return Number(count);
  return undefined;
}
