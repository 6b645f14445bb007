// ListInstances records: an instance is used only when its id is a UUID.

import { UUID } from '../model/ids.js';
import { cut, TEXT_LIMITS } from '../text/cut.js';
import { type IgnoredRecord, ignoredRecord, type Page, parseListing } from './pages.js';

/** The fields of a listed instance that fleet selection looks at. */
export interface InstanceRecord {
  instanceId: string;
  /** '' when the API gave none: then no name pattern matches it. */
  name: string;
  /** '' when the API gave none: then it is not RUNNING. */
  status: string;
  /** Tag key → value; a missing or unreadable `tags` array means no tags. */
  tags: ReadonlyMap<string, string>;
}

export type InstancePage = Page<InstanceRecord>;

/** Parses a page body; returns a reason string when the body is not an instance list at all. */
export function parseInstancePage(body: unknown): InstancePage | string {
  return parseListing(body, { listKey: 'instances', countKey: 'instance_num', parseRecord: parseInstance });
}

function parseInstance(raw: Record<string, unknown>): InstanceRecord | IgnoredRecord {
  const { instance_id: id, name, status, tags } = raw;
  if (id === undefined || id === null || id === '') return ignoredRecord(id, 'the record has no instance_id');
  if (typeof id !== 'string' || !UUID.test(id)) return ignoredRecord(id, 'the instance_id is not a UUID');
  // Present but not text: unreadable, yet still a version of its id (docs/safety.md).
  const unreadable = [name, status].some(
    (value) => value !== undefined && value !== null && typeof value !== 'string',
  );
  if (unreadable) return ignoredRecord(id, 'the name or status is not text', id);
  return {
    instanceId: id,
    name: typeof name === 'string' ? cut(name, TEXT_LIMITS.instanceName) : '',
    status: typeof status === 'string' ? cut(status, TEXT_LIMITS.status) : '',
    tags: parseTags(tags),
  };
}

/** `[{key, value}]`; entries that are not string pairs are left out (they can only narrow a selection). */
function parseTags(tags: unknown): ReadonlyMap<string, string> {
  const map = new Map<string, string>();
  if (!Array.isArray(tags)) return map;
  for (const tag of tags) {
    const { key, value } = (tag ?? {}) as { key?: unknown; value?: unknown };
    if (typeof key === 'string' && typeof value === 'string') map.set(key, value);
  }
  return map;
}
