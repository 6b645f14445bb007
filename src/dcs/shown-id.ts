// How an id the API sent is shown when the record it came in could not be used.
import { preview } from '../text/preview.js';

const SHOWN_ID_LENGTH = 80;

/**
 * How an id the API sent is shown in logs: the raw value as JSON (so `5`, `"5"`, `".."` and control
 * characters stay distinguishable and harmless), cut to 80 characters whatever its size or depth; null when
 * there was none.
 */
export function shownId(raw: unknown): string | null {
  return preview(raw, SHOWN_ID_LENGTH) ?? null;
}
