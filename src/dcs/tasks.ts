// Reading a ListBackgroundTask page as untrusted input: a record is used only when its id may reach a
// request path and its status and created_at can be judged; unknown fields are ignored, nothing is guessed.
import type { TaskRecord } from '../policy/select.js';
import { shownId, TASK_ID } from './ids.js';
import { asObject, type IgnoredRecord, type Page, parseCount } from './pages.js';

export interface TaskPage extends Page {
  tasks: TaskRecord[];
}

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/;

/** Parses a page body; returns a reason string when the body is not a task list at all. */
export function parseTaskPage(body: unknown): TaskPage | string {
  const object = asObject(body);
  if (typeof object === 'string') return object;
  const { tasks, task_count: count } = object;
  if (tasks === undefined && (count === undefined || Number(count) === 0)) {
    return { records: 0, tasks: [], ignored: [], total: 0 };
  }
  if (!Array.isArray(tasks)) return '"tasks" is not an array';
  const page: TaskPage = { records: tasks.length, tasks: [], ignored: [], total: parseCount(count) };
  for (const raw of tasks) {
    const task = parseTask(raw);
    if ('reason' in task) page.ignored.push(task);
    else page.tasks.push(task);
  }
  return page;
}

function parseTask(raw: unknown): TaskRecord | IgnoredRecord {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { rawId: null, reason: 'the record is not an object' };
  }
  const { id, name, status, created_at: createdAt } = raw as Record<string, unknown>;
  // Shown only for records that are ignored: the common path does not pay for it.
  const ignored = (reason: string): IgnoredRecord => ({ rawId: shownId(id), reason });
  if (id === undefined || id === null || id === '') return ignored('the record has no id');
  if (typeof id !== 'string' || !TASK_ID.test(id)) {
    return ignored('the id is not a valid task id ([A-Za-z0-9][A-Za-z0-9_-]{0,63})');
  }
  if (typeof status !== 'string' || status === '') return ignored('the record has no status');
  const createdAtMs =
    typeof createdAt === 'string' && ISO_TIMESTAMP.test(createdAt) ? Date.parse(createdAt) : Number.NaN;
  if (Number.isNaN(createdAtMs)) return ignored('the record has no readable created_at');
  return {
    id,
    name: typeof name === 'string' ? name : '',
    status,
    createdAt: createdAt as string,
    createdAtMs,
  };
}
