// Every request the client sends is one of three, built from validated ids (docs/safety.md).
import { CleanupError } from '../errors/cleanup-error.js';
import { PROJECT_ID, TASK_ID, UUID } from '../model/ids.js';
import { encodePath } from './signer.js';

export interface RequestPath {
  method: 'GET' | 'DELETE';
  /** Decoded segments: what the signer canonicalises. */
  segments: readonly string[];
  /** The path as sent on the wire: the same segments, percent-encoded. */
  path: string;
}

/**
 * The IAM action each request needs (docs/dcs-api.md). Never `dcs:instance:delete`: that one is
 * DeleteInstance, which deletes the Redis instance itself.
 */
export const IAM_ACTION = {
  listInstances: 'dcs:instance:list',
  listTasks: 'dcs:instance:getBackgroundTask',
  deleteTask: 'dcs:instance:deleteBackgroundTask',
} as const;

/** A request that would not match a template: a bug in the caller, never a request. */
export class RequestPathError extends CleanupError {
  override readonly name = 'RequestPathError';
  readonly code = 'REQUEST_PATH';
}

const id = (pattern: RegExp) => pattern.source.slice(1, -1);
const TEMPLATES: ReadonlyArray<readonly [RequestPath['method'], RegExp]> = [
  ['GET', new RegExp(`^/v2/${id(PROJECT_ID)}/instances$`)],
  ['GET', new RegExp(`^/v2/${id(PROJECT_ID)}/instances/${id(UUID)}/tasks$`)],
  ['DELETE', new RegExp(`^/v2/${id(PROJECT_ID)}/instances/${id(UUID)}/tasks/${id(TASK_ID)}$`)],
];

/** `GET /v2/{projectId}/instances` (ListInstances). */
export function listInstancesPath(projectId: string): RequestPath {
  return checked('GET', ['v2', projectId, 'instances']);
}

/** `GET /v2/{projectId}/instances/{instanceId}/tasks` (ListBackgroundTask). */
export function listTasksPath(projectId: string, instanceId: string): RequestPath {
  return checked('GET', ['v2', projectId, 'instances', instanceId, 'tasks']);
}

/** `DELETE /v2/{projectId}/instances/{instanceId}/tasks/{taskId}` (DeleteBackgroundTask). */
export function deleteTaskPath(projectId: string, instanceId: string, taskId: string): RequestPath {
  return checked('DELETE', ['v2', projectId, 'instances', instanceId, 'tasks', taskId]);
}

/** The templates hold only [A-Za-z0-9_-] in a segment: no dot segment, no encoded slash, nothing to normalise. */
function checked(method: RequestPath['method'], segments: string[]): RequestPath {
  const path = encodePath(segments);
  if (!TEMPLATES.some(([allowed, template]) => allowed === method && template.test(path))) {
    throw new RequestPathError(
      `refusing to send ${method} ${JSON.stringify(path.slice(0, 200))}: not an allowed request`,
    );
  }
  return { method, segments, path };
}
