// When a listing has ended (docs/dcs-api.md): record-offset paging, where a server may cap `limit`
// below what was asked and send shorter pages, and a page may claim a total.
import type { Page } from './pages.js';

/** A task listing ends at an empty page, or at a short one unless task_count promises more. */
export function taskListingEnded(limit: number): (page: Page<unknown>, offset: number) => boolean {
  return (page, offset) =>
    page.records === 0 || (page.records < limit && !(page.total !== undefined && offset < page.total));
}

/** An instance listing ends at an empty page, or once `instance_num` records were read. */
export function instanceListingEnded(page: Page<unknown>, offset: number): boolean {
  return page.records === 0 || (page.total !== undefined && offset >= page.total);
}
