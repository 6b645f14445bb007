// What the listing pages of both APIs share: a record count for paging, a total, and the records ignored.

/** A listing fails after this many pages in a row that bring no record not seen before (a stuck server). */
export const STALLED_PAGES = 3;

/** A record that could not be judged or used: never sent, counted in `ignored`, logged once. */
export interface IgnoredRecord {
  /** The raw id as shown in logs (see shownId), null when the record had none. */
  rawId: string | null;
  reason: string;
}

export interface Page {
  /** Records on the page, valid or not: the next offset advances by this. */
  records: number;
  ignored: IgnoredRecord[];
  /** `task_count` / `instance_num`, when it is a whole number or a numeric string. */
  total: number | undefined;
}

/** The body as an object, or the reason it is not one. */
export function asObject(body: unknown): Record<string, unknown> | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body is not a JSON object';
  return body as Record<string, unknown>;
}

export function parseCount(count: unknown): number | undefined {
  if (typeof count === 'number' && Number.isSafeInteger(count) && count >= 0) return count;
  if (typeof count === 'string' && /^\d{1,15}$/.test(count)) return Number(count);
  return undefined;
}
