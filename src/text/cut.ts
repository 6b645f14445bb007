// Every string taken from a response is cut before it is written anywhere (docs/bounds.md).

/** How long each kind of server text may be once read. */
export const TEXT_LIMITS = {
  taskName: 256,
  instanceName: 256,
  errorCode: 64,
  status: 64,
  message: 512,
  requestId: 128,
} as const;

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
