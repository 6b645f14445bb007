// How an id the API sent is shown when the record it came in could not be used.
import { SHOWN_VALUE_LENGTH } from '../bounds/limits.js';
import { preview } from '../text/preview.js';

/**
 * How an id the API sent is shown in logs: the raw value as JSON (so `5`, `"5"`, `".."` and control
 * characters stay distinguishable and harmless), cut to 80 characters whatever its size or depth; null when
 * there was none.
 */
export function shownId(raw: unknown): string | null {
  return preview(raw, SHOWN_VALUE_LENGTH) ?? null;
}
