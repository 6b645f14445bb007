// A listing's pages, read one at a time within the run's budget of page bytes (docs/bounds.md): each page
// waits for room before it is requested, is checked before it is parsed, and holds what it took until the
// consumer asks for the next one.
import { BODY_CAPS } from '../bounds/limits.js';
import type { ByteBudget, Reservation } from '../http/budget.js';
import { parseJsonQuietly } from '../text/json.js';
import { malformedError } from './errors.js';
import type { PageRead } from './listing.js';
import { type Page, tooManyContainers } from './pages.js';
import type { QueryPairs } from './signer.js';

/** How one listing's pages are read and when it ends. */
export interface PagedListing<T> {
  parse: (body: unknown) => Page<T> | string;
  what: string;
  done: (page: Page<T>, offset: number) => boolean;
}

/** One answered request: its 2xx body and the attempts it took. */
export interface PageAnswer {
  status: number;
  text: string;
  attempts: number;
}

/** Record-offset paging with an explicit limit; `fetchPage` sends one request for a page's query. */
export async function* readPages<T>(
  fetchPage: (query: QueryPairs) => Promise<PageAnswer>,
  budget: ByteBudget,
  limit: number,
  listing: PagedListing<T>,
): AsyncGenerator<PageRead<T>> {
  for (let offset = 0, done = false; !done; ) {
    const reservation = await budget.reserve(BODY_CAPS.listingPage);
    try {
      const read = await readPage(fetchPage, reservation, offset, limit, listing);
      yield read;
      offset += read.page.records;
      done = listing.done(read.page, offset);
    } finally {
      reservation.release();
    }
  }
}

/**
 * One page: requested, its reservation shrunk to what it took, checked and parsed. Its own function, so that
 * the body's text is not held while the consumer takes the records.
 */
async function readPage<T>(
  fetchPage: (query: QueryPairs) => Promise<PageAnswer>,
  reservation: Reservation,
  offset: number,
  limit: number,
  listing: PagedListing<T>,
): Promise<PageRead<T>> {
  const answer = await fetchPage([
    ['offset', String(offset)],
    ['limit', String(limit)],
  ]);
  reservation.shrink(answer.text.length);
  return parsePage(answer, offset, listing);
}

/** One page's body, checked before it is parsed. */
function parsePage<T>(answer: PageAnswer, offset: number, listing: PagedListing<T>): PageRead<T> {
  const overloaded = tooManyContainers(answer.text);
  if (overloaded) throw malformedError(overloaded, answer.status, answer.attempts);
  const page = listing.parse(parseJsonQuietly(answer.text));
  if (typeof page === 'string') {
    throw malformedError(
      `malformed ${listing.what} at offset ${offset}: ${page}`,
      answer.status,
      answer.attempts,
    );
  }
  return { page, httpStatus: answer.status, attempts: answer.attempts };
}
