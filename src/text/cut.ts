// Every string taken from a response is cut before it is written anywhere (docs/bounds.md).
import { TEXT_LIMITS } from '../bounds/limits.js';

export { TEXT_LIMITS };

/**
 * `text` cut to at most `max` characters, the last one `…` when anything was cut. A surrogate pair is never
 * split, so the result is always well-formed UTF-16.
 */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** A task's name as output shows it: cut (docs/bounds.md); '' for a record without one. */
export function shownTaskName(name: string | null): string {
  return name === null ? '' : cut(name, TEXT_LIMITS.taskName);
}
