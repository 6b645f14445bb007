// ListBackgroundTask records: a task is used only when its id may reach a request path and its status and
// created_at can be read. Whether it may be deleted is the policy's to say (src/policy/).

import { MAX_TASK_NAME, TEXT_LIMITS } from '../bounds/limits.js';
import { TASK_ID } from '../model/ids.js';
import type { TaskRecord } from '../policy/policy.js';
import { type IgnoredRecord, ignoredRecord, type Page, parseListing } from './pages.js';

export type TaskPage = Page<TaskRecord>;

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/;
/** Parses a page body; returns a reason string when the body is not a task list at all. */
export function parseTaskPage(body: unknown): TaskPage | string {
  return parseListing(body, { listKey: 'tasks', countKey: 'task_count', parseRecord: parseTask });
}

function parseTask(raw: Record<string, unknown>): TaskRecord | IgnoredRecord {
  const { id, name, status, created_at: createdAt } = raw;
  if (id === undefined || id === null || id === '') return ignoredRecord(id, 'the record has no id');
  if (typeof id !== 'string' || !TASK_ID.test(id)) {
    return ignoredRecord(id, 'the id is not a valid task id ([A-Za-z0-9][A-Za-z0-9_-]{0,63})');
  }
  // From here the id is valid: an unreadable record is still a version of it.
  const ignored = (reason: string) => ignoredRecord(id, reason, id);
  if (typeof status !== 'string' || status === '') return ignored('the record has no status');
  if (status.length > TEXT_LIMITS.status) return ignored('the status is not a DCS status');
  const createdAtMs =
    typeof createdAt === 'string' && ISO_TIMESTAMP.test(createdAt) ? Date.parse(createdAt) : Number.NaN;
  if (Number.isNaN(createdAtMs)) return ignored('the record has no readable created_at');
  if (name !== undefined && name !== null && typeof name !== 'string') return ignored('no readable name');
  if (typeof name === 'string' && name.length > MAX_TASK_NAME) {
    return ignored(`the name is longer than ${MAX_TASK_NAME} characters`);
  }
  return {
    id,
    name: typeof name === 'string' ? name : null,
    status,
    createdAt: createdAt as string,
    createdAtMs,
  };
}
