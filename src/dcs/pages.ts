// Reading one page of either listing (tasks or instances) as untrusted input: a record count for paging, a
// total, the records that can be used and the records ignored. Unknown fields are ignored, nothing is guessed.
import { MAX_CONTAINERS } from '../bounds/limits.js';
import { shownId } from './shown-id.js';

// The byte cap bounds bytes, not objects: 8 MiB of `{},` parses into 2.8 million objects (about 260 MB).
// Every listing body is therefore scanned first, and refused past MAX_CONTAINERS objects and arrays (a real
// page of 1,000 records holds a few thousand). The scan skips strings and costs about a millisecond a MiB.

/** A record that could not be judged or used: never sent, counted in `ignored`, logged once. */
export interface IgnoredRecord {
  /** The raw id as shown in logs (see shownId), null when the record had none. */
  rawId: string | null;
  /** The id, when it is a valid one: the record is still a version of it (docs/safety.md). */
  id?: string | undefined;
  reason: string;
}

export interface Page<T> {
  /** Records on the page, valid or not: the next offset advances by this. */
  records: number;
  items: T[];
  ignored: IgnoredRecord[];
  /** `task_count` / `instance_num`, when it is a whole number or a numeric string. */
  total: number | undefined;
}

/** A record left out for `reason`; its raw id is shown only then, so the common path does not pay for it. */
export function ignoredRecord(rawId: unknown, reason: string, id?: string): IgnoredRecord {
  return { rawId: shownId(rawId), id, reason };
}

/** Where a listing keeps its records and its total, and how one record is read. */
export interface Listing<T extends object> {
  listKey: string;
  countKey: string;
  parseRecord: (raw: Record<string, unknown>) => T | IgnoredRecord;
}

/** Parses a page body; returns a reason string when the body is not such a listing at all. */
export function parseListing<T extends object>(
  body: unknown,
  { listKey, countKey, parseRecord }: Listing<T>,
): Page<T> | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body is not a JSON object';
  const { [listKey]: list, [countKey]: count } = body as Record<string, unknown>;
  if (list === undefined && (count === undefined || Number(count) === 0)) {
    return { records: 0, items: [], ignored: [], total: 0 };
  }
  if (!Array.isArray(list)) return `"${listKey}" is not an array`;
  const page: Page<T> = { records: list.length, items: [], ignored: [], total: parseCount(count) };
  for (const raw of list) {
    const record =
      typeof raw === 'object' && raw !== null && !Array.isArray(raw)
        ? parseRecord(raw as Record<string, unknown>)
        : ignoredRecord(undefined, 'the record is not an object');
    if (isIgnored(record)) page.ignored.push(record);
    else page.items.push(record);
  }
  return page;
}

/** Records are objects and only an IgnoredRecord has a `reason`. */
function isIgnored<T extends object>(record: T | IgnoredRecord): record is IgnoredRecord {
  return 'reason' in record;
}

function parseCount(count: unknown): number | undefined {
  if (Number.isSafeInteger(count) && (count as number) >= 0) return count as number;
  if (typeof count === 'string' && /^\d{1,15}$/.test(count)) return Number(count);
  return undefined;
}

/** Why a body would parse into too many objects, or undefined when it may be parsed (strings are skipped). */
export function tooManyContainers(text: string): string | undefined {
  let containers = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c)
        i++; // a backslash escapes the next character
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) {
      inString = true;
    } else if ((char === 0x7b || char === 0x5b) && ++containers > MAX_CONTAINERS) {
      return `response body holds more than ${MAX_CONTAINERS} JSON objects and arrays`;
    }
  }
  return undefined;
}
