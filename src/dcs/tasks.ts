// ListBackgroundTask records: a task is used only when its id may reach a request path and its status and
// created_at can be judged.

import { TASK_ID } from '../model/ids.js';
import type { TaskRecord } from '../policy/select.js';
import { cut, TEXT_LIMITS } from '../text/cut.js';
import { type IgnoredRecord, ignoredRecord, type Page, parseListing } from './pages.js';

export type TaskPage = Page<TaskRecord>;

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/;
/** A created_at further ahead of the local clock than this cannot be judged (docs/bounds.md). */
const MAX_CLOCK_AHEAD_MS = 24 * 3_600_000;

/** Parses a page body read at `nowMs`; returns a reason string when the body is not a task list at all. */
export function parseTaskPage(body: unknown, nowMs: number): TaskPage | string {
  return parseListing(body, {
    listKey: 'tasks',
    countKey: 'task_count',
    parseRecord: (raw) => parseTask(raw, nowMs),
  });
}

function parseTask(raw: Record<string, unknown>, nowMs: number): TaskRecord | IgnoredRecord {
  const { id, name, status, created_at: createdAt } = raw;
  const ignored = (reason: string) => ignoredRecord(id, reason);
  if (id === undefined || id === null || id === '') return ignored('the record has no id');
  if (typeof id !== 'string' || !TASK_ID.test(id)) {
    return ignored('the id is not a valid task id ([A-Za-z0-9][A-Za-z0-9_-]{0,63})');
  }
  if (typeof status !== 'string' || status === '') return ignored('the record has no status');
  const createdAtMs =
    typeof createdAt === 'string' && ISO_TIMESTAMP.test(createdAt) ? Date.parse(createdAt) : Number.NaN;
  if (Number.isNaN(createdAtMs)) return ignored('the record has no readable created_at');
  // A task dated ahead would take a keepLatest place from the real newest ones.
  if (createdAtMs > nowMs + MAX_CLOCK_AHEAD_MS) return ignored('created_at in the future');
  return {
    id,
    name: typeof name === 'string' ? cut(name, TEXT_LIMITS.taskName) : '',
    status: cut(status, TEXT_LIMITS.status),
    createdAt: createdAt as string,
    createdAtMs,
  };
}
