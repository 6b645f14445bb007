// A listing as a stream of validated records (docs/bounds.md): pages are read one at a time and never held
// together. Which records are the same task, and what a contradiction means, is the consumer's rule (the
// policy's table of seen ids): the listing asks it of every record (`admit`) and cuts off a server that stops
// advancing or does not end.
import { MAX_LISTED_RECORDS, SPARE_PAGES, STALLED_PAGES } from '../bounds/limits.js';
import { malformedError } from './errors.js';
import type { IgnoredRecord, Page } from './pages.js';

/** The most pages a listing may take at `limit` records a page, counting every page received. */
export function maxPages(limit: number): number {
  return Math.ceil(MAX_LISTED_RECORDS / limit) + SPARE_PAGES;
}

/** One page as read, with the exchange that brought it (for the error a stuck listing ends with). */
export interface PageRead<T> {
  page: Page<T>;
  httpStatus: number;
  attempts: number;
}

/**
 * What reads a listing's records as they come (docs/safety.md): every record of a valid id is a version of
 * it, readable or not.
 */
export interface RecordConsumer<T, A extends string> {
  /** How the consumer took a usable record: `new` is a record it had not seen; anything else says why not. */
  add(record: T): A | 'new';
  /** A record of the valid id `id` that could not be read. */
  addUnreadable(id: string): void;
}

/** One item of a listing: a usable record with how it was admitted, or an ignored one. */
export type Listed<T, A extends string> = { record: T; admission: A | 'new' } | { ignored: IgnoredRecord };

/**
 * The records of `pages`, each passed to `consumer` as it comes, the ignored ones of a valid id too. Ignored
 * records are reported deduplicated against the page before by their raw id (one without an id cannot be
 * recognised again and counts each time). Past
 * MAX_LISTED_RECORDS records or maxPages(limit) pages, or after STALLED_PAGES pages in a row without a new
 * record, the listing ends with an error.
 */
export async function* streamRecords<T, A extends string>(
  pages: AsyncIterable<PageRead<T>>,
  consumer: RecordConsumer<T, A>,
  { what, limit }: { what: string; limit: number },
): AsyncGenerator<Listed<T, A>> {
  const pageLimit = maxPages(limit);
  let previousIgnored = new Set<string>();
  let stalled = 0;
  let records = 0;
  let pagesRead = 0;
  for await (const { page, httpStatus, attempts } of pages) {
    const fail = (why: string) => malformedError(`${what} ${why}`, httpStatus, attempts);
    records += page.records;
    pagesRead++;
    if (records > MAX_LISTED_RECORDS) throw fail(`passed ${MAX_LISTED_RECORDS} records without ending`);
    if (pagesRead > pageLimit) throw fail(`passed ${pageLimit} pages without ending`);
    let advanced = false;
    for (const record of page.items) {
      const admission = consumer.add(record);
      if (admission === 'new') advanced = true;
      yield { record, admission };
    }
    const currentIgnored = new Set<string>();
    for (const ignored of page.ignored) {
      if (ignored.id !== undefined) consumer.addUnreadable(ignored.id);
      const key = ignored.rawId;
      if (key !== null) {
        if (currentIgnored.has(key) || previousIgnored.has(key)) continue;
        currentIgnored.add(key);
      }
      yield { ignored };
    }
    // The page's records are handed over: nothing here keeps them while the next page is read.
    page.items.length = 0;
    page.ignored.length = 0;
    stalled = page.records > 0 && !advanced ? stalled + 1 : 0;
    if (stalled >= STALLED_PAGES) {
      throw fail(`did not advance: ${STALLED_PAGES} pages in a row brought no new valid record`);
    }
    previousIgnored = currentIgnored;
  }
}
