// Which listed instances a fleet selects (docs/config.md). Pure, and always run on the client, whatever the
// server was asked: a server that ignores a filter must never widen the selection.

import type { InstanceRecord } from '../dcs/instances.js';
import type { Fleet } from '../model/config.js';

export const RUNNING = 'RUNNING';

/** A glob with `*` (any run of characters) and `?` (one character), matching the whole text. */
export function globToRegExp(glob: string): RegExp {
  const source = [...glob]
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[\\^$.+()[\]{}|]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 'su');
}

/** Compiles a fleet's selectors once; the returned function says whether an instance matches them. */
export function fleetSelector(fleet: Fleet): (instance: InstanceRecord) => boolean {
  const tags = Object.entries(fleet.tags);
  const names = fleet.names.map(globToRegExp);
  const excluded = new Set(fleet.excludeInstanceIds);
  return (instance) =>
    !excluded.has(instance.instanceId.toLowerCase()) &&
    tags.every(([key, value]) => instance.tags.get(key) === value) &&
    (names.length === 0 || names.some((pattern) => pattern.test(instance.name)));
}
