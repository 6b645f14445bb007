// What an invocation asks for: a scheduled run, or a manual payload that may only narrow or soften it.
import * as z from 'zod';
import { ageSchema } from '../config/duration.js';
import { InputError, type InputIssue, inputErrorFrom } from '../config/errors.js';
import type { RunRequest } from '../model/run-request.js';

export type Invocation =
  | { kind: 'scheduled'; request: RunRequest }
  | { kind: 'manual'; request: RunRequest }
  | { kind: 'doctor'; probeDelete: boolean };

const doctorPayloadSchema = z.strictObject({
  doctor: z.literal(true, { error: 'must be true' }),
  probeDelete: z.boolean({ error: 'must be true or false' }).optional(),
});

const manualPayloadSchema = z.strictObject({
  dryRun: z.boolean({ error: 'must be true or false' }).optional(),
  instanceIds: z
    .array(z.string({ error: 'must be an instance id' }), {
      error: 'must be a list of configured or discovered instance ids',
    })
    .min(1, { error: 'must name at least one configured or discovered instance' })
    .optional(),
  olderThan: ageSchema().optional(),
});

/**
 * A classic EventBridge scheduled event or `{}` (EventBridge Scheduler's input) runs the configured
 * cleanup; anything else is a manual payload, validated strictly. It may select configured or discovered
 * instances (checked by the run, after discovery and before any task is listed), switch dry-run, and ask
 * for a longer age, never more.
 */
export function parseInvocation(event: unknown): Invocation {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw InputError.of(
      'event',
      'must be a JSON object: {}, {"dryRun"?, "instanceIds"?, "olderThan"?} or {"doctor": true, "probeDelete"?}',
    );
  }
  if (isScheduledEvent(event) || Object.keys(event).length === 0) return { kind: 'scheduled', request: {} };
  if ('doctor' in event) {
    // Preflight only: {"doctor": true, "probeDelete"?: boolean}; nothing else may ride along.
    const doctor = doctorPayloadSchema.safeParse(event);
    if (!doctor.success) throw inputErrorFrom(doctor.error);
    return { kind: 'doctor', probeDelete: doctor.data.probeDelete ?? false };
  }

  const parsed = manualPayloadSchema.safeParse(event);
  if (!parsed.success) throw inputErrorFrom(parsed.error);
  const { dryRun, instanceIds, olderThan } = parsed.data;
  const issues: InputIssue[] = [];
  const seen = new Set<string>();
  instanceIds?.forEach((id, index) => {
    const key = id.toLowerCase();
    if (seen.has(key)) issues.push({ path: `instanceIds[${index}]`, message: `"${id}" is listed twice` });
    seen.add(key);
  });
  if (issues.length > 0) throw new InputError(issues);
  return {
    kind: 'manual',
    request: {
      dryRun,
      narrowing:
        instanceIds === undefined && olderThan === undefined
          ? undefined
          : {
              instanceIds,
              olderThanMs: olderThan,
              olderThanMayShorten: false,
              fields: { instanceId: (index) => `instanceIds[${index}]`, olderThan: 'olderThan' },
            },
    },
  };
}

function isScheduledEvent(event: object): boolean {
  const { source, 'detail-type': detailType } = event as Record<string, unknown>;
  return source === 'aws.events' && detailType === 'Scheduled Event';
}
