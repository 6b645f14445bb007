// What one invocation asks of the configured cleanup: it can only narrow the targets and soften the policy.

export interface RunRequest {
  /** Overrides the config's dryRun. */
  dryRun?: boolean | undefined;
  /** Stop starting new work after this long; the rest is deferred. */
  timeBudgetMs?: number | undefined;
  narrowing?: Narrowing | undefined;
}

/** A manual selection: configured or discovered instances, and an age for all of them. */
export interface Narrowing {
  /** Instance ids to run on (all targets when absent). */
  instanceIds?: readonly string[] | undefined;
  /** Replaces the age of every selected instance. */
  olderThanMs?: number | undefined;
  /** false for a Lambda payload: it may ask for an older age than configured, never a younger one. */
  olderThanMayShorten: boolean;
  /** How errors name the fields: the CLI's flags or the payload's keys. */
  fields: { instanceId: (index: number) => string; olderThan: string };
}
