// The ids that may reach a request path (contract §7). What the API returns is checked against them too.
import { preview } from '../text/preview.js';

/** A task id: real ones are 32 hex characters; UUIDs with dashes pass as well. */
export const TASK_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
/** An instance id. */
export const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** An IAM project id. */
export const PROJECT_ID = /^[0-9a-fA-F]{32}$/;

const SHOWN_ID_LENGTH = 80;

/**
 * How an id the API sent is shown in logs: the raw value as JSON (so `5`, `"5"`, `".."` and control
 * characters stay distinguishable and harmless), cut to 80 characters whatever its size or depth; null when
 * there was none.
 */
export function shownId(raw: unknown): string | null {
  return preview(raw, SHOWN_ID_LENGTH) ?? null;
}
