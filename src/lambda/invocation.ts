// What an invocation asks for: a scheduled run, or a manual payload that may only narrow or soften it.
import * as z from 'zod';
import { ageSchema, formatDuration } from '../config/duration.js';
import { InputError, type InputIssue } from '../config/errors.js';
import type { RunRequest } from '../config/plan.js';
import { type Config, inputErrorFrom } from '../config/schema.js';

export type Invocation = { kind: 'scheduled'; request: RunRequest } | { kind: 'manual'; request: RunRequest };

const manualPayloadSchema = z.strictObject({
  dryRun: z.boolean({ error: 'must be true or false' }).optional(),
  instanceIds: z
    .array(z.string({ error: 'must be an instance id' }), {
      error: 'must be a list of configured instance ids',
    })
    .min(1, { error: 'must name at least one configured instance' })
    .optional(),
  olderThan: ageSchema.optional(),
});

/**
 * A classic EventBridge scheduled event or `{}` (EventBridge Scheduler's input) runs the configured
 * cleanup; anything else is a manual payload, validated against the config: it may select configured
 * instances, switch dry-run, and ask for a longer age, never more.
 */
export function parseInvocation(event: unknown, config: Config): Invocation {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw InputError.of('event', 'must be a JSON object: {} or {"dryRun"?, "instanceIds"?, "olderThan"?}');
  }
  if (isScheduledEvent(event) || Object.keys(event).length === 0) return { kind: 'scheduled', request: {} };

  const parsed = manualPayloadSchema.safeParse(event);
  if (!parsed.success) throw inputErrorFrom(parsed.error);
  const { dryRun, instanceIds, olderThan } = parsed.data;
  const issues: InputIssue[] = [];
  const byId = new Map(config.targets.map((target) => [target.instanceId.toLowerCase(), target]));
  const seen = new Set<string>();
  instanceIds?.forEach((id, index) => {
    const key = id.toLowerCase();
    if (!byId.has(key))
      issues.push({ path: `instanceIds[${index}]`, message: `"${id}" is not a configured instance` });
    else if (seen.has(key))
      issues.push({ path: `instanceIds[${index}]`, message: `"${id}" is listed twice` });
    seen.add(key);
  });
  if (olderThan !== undefined) {
    const selected = instanceIds
      ? config.targets.filter((t) => seen.has(t.instanceId.toLowerCase()))
      : config.targets;
    const strictest = selected.reduce((max, target) => Math.max(max, target.policy.olderThanMs), 0);
    if (olderThan < strictest) {
      issues.push({
        path: 'olderThan',
        message: `${formatDuration(olderThan)} is shorter than the configured ${formatDuration(strictest)}: a manual run may only ask for an older age`,
      });
    }
  }
  if (issues.length > 0) throw new InputError(issues);
  return { kind: 'manual', request: { dryRun, instanceIds, olderThanMs: olderThan } };
}

function isScheduledEvent(event: object): boolean {
  const { source, 'detail-type': detailType } = event as Record<string, unknown>;
  return source === 'aws.events' && detailType === 'Scheduled Event';
}
