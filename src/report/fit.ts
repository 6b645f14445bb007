// One way to make a report fit a byte budget: less detail per entry first, then fewer entries.

/** Bytes of `value` as one JSON text. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

export interface Fitted<T> {
  value: T;
  /** Entries left out (0 when every entry fits). */
  leftOut: number;
}

/**
 * `build(entries)` within `maxBytes`. `levels` give the entries at decreasing detail (the same entries each
 * time); the first level at which all of them fit wins. When none does, the least detailed level keeps the
 * longest prefix that fits (found by bisection, so a few thousand entries cost a few dozen measurements).
 */
export function fitEntries<E, T>(
  build: (entries: E[]) => T,
  levels: readonly (() => E[])[],
  maxBytes: number,
): Fitted<T> {
  let entries: E[] = [];
  for (const level of levels) {
    entries = level();
    const value = build(entries);
    if (jsonBytes(value) <= maxBytes) return { value, leftOut: 0 };
  }
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (jsonBytes(build(entries.slice(0, middle))) <= maxBytes) low = middle;
    else high = middle - 1;
  }
  return { value: build(entries.slice(0, low)), leftOut: entries.length - low };
}
