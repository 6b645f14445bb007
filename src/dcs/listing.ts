// A listing as a stream of validated records (docs/bounds.md): pages are read one at a time and never held
// together. Records repeated from the previous page (offset paging over a live list) are passed over, a record
// that contradicts the previous page is reported as a conflict, and a server that stops advancing is cut off.
import { malformedError } from './errors.js';
import type { IgnoredRecord, Page } from './pages.js';
import { shownId } from './shown-id.js';

/** A listing fails after this many pages in a row that bring no new valid record (a stuck server). */
const STALLED_PAGES = 3;
/** No listing goes past this many records, whatever a server keeps sending. */
export const MAX_LISTED_RECORDS = 1_000_000;

/** One page as read, with the exchange that brought it (for the error a stuck listing ends with). */
export interface PageRead<T> {
  page: Page<T>;
  httpStatus: number;
  attempts: number;
}

/**
 * One item of a listing: a usable record, or an ignored one. `conflictsWith` is set on a record ignored
 * because it contradicts an earlier record of the same key (`conflicting records`): that earlier record
 * was passed on already and must not be acted on either.
 */
export type Listed<T> = { record: T } | { ignored: IgnoredRecord; conflictsWith?: T };

/** How records of one listing are told apart: the same key is the same record; `agrees` says they match. */
export interface RecordIdentity<T> {
  keyOf: (record: T) => string;
  agrees: (first: T, later: T) => boolean;
}

/** A record ignored because it contradicts another of the same key (`key` is the id). */
export function conflictingRecord(key: string): IgnoredRecord {
  return { rawId: shownId(key), reason: 'conflicting records' };
}

/**
 * The records of `pages`, each page's checked against the page before it (repeats passed over, conflicts
 * reported) and against itself. Ignored records are deduplicated the same way by their raw id; one without
 * an id cannot be recognised again and counts each time.
 */
export async function* streamRecords<T>(
  pages: AsyncIterable<PageRead<T>>,
  { keyOf, agrees }: RecordIdentity<T>,
  what: string,
): AsyncGenerator<Listed<T>> {
  let previous = new Map<string, T>();
  let previousIgnored = new Set<string>();
  let stalled = 0;
  let read = 0;
  for await (const { page, httpStatus, attempts } of pages) {
    const current = new Map<string, T>();
    const currentIgnored = new Set<string>();
    let fresh = 0;
    for (const record of page.items) {
      const key = keyOf(record);
      const first = current.get(key) ?? previous.get(key);
      if (first === undefined) {
        current.set(key, record);
        fresh++;
        yield { record };
      } else if (!agrees(first, record)) {
        yield { ignored: conflictingRecord(key), conflictsWith: first };
      }
    }
    for (const ignored of page.ignored) {
      const key = ignored.rawId;
      if (key !== null && (currentIgnored.has(key) || previousIgnored.has(key))) continue;
      if (key !== null) currentIgnored.add(key);
      yield { ignored };
    }
    read += page.records;
    stalled = page.records > 0 && fresh === 0 ? stalled + 1 : 0;
    if (stalled >= STALLED_PAGES) {
      throw malformedError(
        `${what} did not advance: ${STALLED_PAGES} pages in a row brought no new valid record`,
        httpStatus,
        attempts,
      );
    }
    if (read > MAX_LISTED_RECORDS) {
      throw malformedError(
        `${what} passed ${MAX_LISTED_RECORDS} records without ending`,
        httpStatus,
        attempts,
      );
    }
    previous = current;
    previousIgnored = currentIgnored;
  }
}
