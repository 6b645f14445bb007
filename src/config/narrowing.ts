// The narrowing rules: a manual run selects configured or discovered instances and may only soften the
// policy (docs/safety.md).

import type { Config, Fleet, Target } from '../model/config.js';
import type { Narrowing } from '../model/run-request.js';
import { formatDuration } from './duration.js';
import { InputError, type InputIssue } from './errors.js';

/**
 * What can be judged before discovery, so that no request is sent for a request that cannot stand: with no
 * fleets, everything; with fleets, the age against the named static instances, or against every entry
 * when no instance is named.
 */
export function checkBeforeDiscovery(config: Config, narrowing: Narrowing | undefined): void {
  if (!narrowing) return;
  if (config.fleets.length === 0) {
    narrowTargets(config.targets, narrowing);
    return;
  }
  const wanted = wantedIds(narrowing);
  const entries: (Target | Fleet)[] = wanted
    ? config.targets.filter((target) => wanted.has(target.instanceId.toLowerCase()))
    : [...config.targets, ...config.fleets];
  const issue = ageIssue(entries, narrowing);
  if (issue) throw new InputError([issue]);
}

/**
 * Applies a narrowing to the run's targets (configured and discovered). An id that is not among them, or an
 * age a payload may not ask for, is an InputError. `undiscovered` explains ids that a failed fleet may hold.
 */
export function narrowTargets(
  targets: readonly Target[],
  narrowing: Narrowing | undefined,
  undiscovered?: string,
): Target[] {
  if (!narrowing) return [...targets];
  const known = new Set(targets.map((target) => target.instanceId.toLowerCase()));
  const issues: InputIssue[] = [];
  narrowing.instanceIds?.forEach((id, index) => {
    if (known.has(id.toLowerCase())) return;
    const where = undiscovered
      ? `is neither in "instances" nor discovered by a fleet (${undiscovered})`
      : 'is neither in "instances" nor discovered by a fleet';
    issues.push({ path: narrowing.fields.instanceId(index), message: `"${id}" ${where}` });
  });
  const wanted = wantedIds(narrowing);
  const selected = wanted
    ? targets.filter((target) => wanted.has(target.instanceId.toLowerCase()))
    : [...targets];
  const age = ageIssue(selected, narrowing);
  if (age) issues.push(age);
  if (issues.length > 0) throw new InputError(issues);
  const { olderThanMs } = narrowing;
  return olderThanMs === undefined
    ? selected
    : selected.map((target) => ({ ...target, policy: { ...target.policy, olderThanMs } }));
}

function wantedIds(narrowing: Narrowing): Set<string> | undefined {
  return narrowing.instanceIds && new Set(narrowing.instanceIds.map((id) => id.toLowerCase()));
}

/** A payload's age shorter than the configured age of any selected entry. */
function ageIssue(entries: readonly (Target | Fleet)[], narrowing: Narrowing): InputIssue | undefined {
  const { olderThanMs } = narrowing;
  if (olderThanMs === undefined || narrowing.olderThanMayShorten) return undefined;
  const strictest = entries.reduce((max, entry) => Math.max(max, entry.policy.olderThanMs), 0);
  if (olderThanMs >= strictest) return undefined;
  return {
    path: narrowing.fields.olderThan,
    message: `${formatDuration(olderThanMs)} is shorter than the configured ${formatDuration(strictest)}: a manual run may only ask for an older age`,
  };
}
