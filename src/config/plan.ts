import { InputError } from './errors.js';
import type { Config, Target } from './schema.js';

/** What one invocation asks of the configured cleanup: it can only narrow the config's targets. */
export interface RunRequest {
  /** Overrides the config's dryRun. */
  dryRun?: boolean | undefined;
  /** Configured instances to run on (all when absent). */
  instanceIds?: readonly string[] | undefined;
  /** Replaces the age of every selected instance. */
  olderThanMs?: number | undefined;
  /** Stop starting new work after this long; the rest is deferred. */
  timeBudgetMs?: number | undefined;
}

export interface RunPlan {
  dryRun: boolean;
  targets: Target[];
}

/** Instance ids in `ids` that the config does not list. */
export function unknownInstanceIds(config: Config, ids: readonly string[]): string[] {
  const known = new Set(config.targets.map((target) => target.instanceId.toLowerCase()));
  return ids.filter((id) => !known.has(id.toLowerCase()));
}

/** Applies a request to the config; an instance id the config does not list is an error. */
export function planRun(config: Config, request: RunRequest): RunPlan {
  const unknown = unknownInstanceIds(config, request.instanceIds ?? []);
  if (unknown.length > 0) {
    throw InputError.of('instanceIds', `not in the config: ${unknown.join(', ')}`);
  }
  const wanted = request.instanceIds && new Set(request.instanceIds.map((id) => id.toLowerCase()));
  const targets = config.targets
    .filter((target) => !wanted || wanted.has(target.instanceId.toLowerCase()))
    .map((target) =>
      request.olderThanMs === undefined
        ? target
        : { ...target, policy: { ...target.policy, olderThanMs: request.olderThanMs } },
    );
  return { dryRun: request.dryRun ?? config.dryRun, targets };
}
