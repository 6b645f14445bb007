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

/** Records of one instance agree when every field a selector reads is the same (docs/safety.md). */
export function sameInstance(a: InstanceRecord, b: InstanceRecord): boolean {
  return (
    a.status === b.status &&
    a.name === b.name &&
    a.tags.size === b.tags.size &&
    [...a.tags].every(([key, value]) => b.tags.get(key) === value)
  );
}

/** The facts of sameInstance, for a fingerprint (tags in key order). */
export function instanceFacts(instance: InstanceRecord): string[] {
  const tags = [...instance.tags].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return [instance.status, instance.name, ...tags.flat()];
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
