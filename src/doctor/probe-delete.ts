// doctor's one DELETE (`--probe-delete`): of a task id that cannot exist, to show the right to delete without
// deleting anything. Only DCS's own "no such task" shows the right (docs/doctor.md).
import { randomBytes } from 'node:crypto';
import type { DcsClient } from '../dcs/client.js';
import { DcsError, INSTANCE_GONE_CODES, isFromDcs, notDcsApiMessage } from '../dcs/errors.js';
import type { Scope, Target } from '../model/config.js';
import type { Check, Doing, diagnose } from './diagnose.js';

/** One DELETE of 32 random hex digits that the first page does not hold: the only DELETE doctor sends. */
export async function probeDelete(
  client: DcsClient,
  instance: Target,
  listed: Set<string>,
  failure: (error: unknown, doing: Doing, scope: Scope, instanceId?: string) => ReturnType<typeof diagnose>,
): Promise<Omit<Check, 'check' | 'target' | 'durationMs'>> {
  let id = randomBytes(16).toString('hex');
  while (listed.has(id)) id = randomBytes(16).toString('hex');
  try {
    const { httpStatus } = await client.deleteTask(instance, id);
    return {
      status: 'warn',
      detail: `DELETE of task ${id}, which does not exist, answered ${httpStatus}`,
      fix: 'The API confirmed a delete of a missing task: the right is there, but report this answer to Huawei support.',
    };
  } catch (error) {
    if (!(error instanceof DcsError) || error.kind !== 'http')
      return failure(error, 'delete-task', instance, instance.instanceId);
    const seen = `${error.httpStatus}${error.errorCode ? ` ${error.errorCode}` : ''}`;
    // Only DCS's own answer shows the right: a gateway's or a proxy's 404 never reached DCS.
    const missing =
      isFromDcs(error) &&
      !INSTANCE_GONE_CODES.has(error.errorCode as string) &&
      (error.httpStatus === 404 || (error.httpStatus === 400 && /not (exist|found)/i.test(error.message)));
    if (error.httpStatus === 404 && !isFromDcs(error)) {
      return {
        status: 'fail',
        detail: notDcsApiMessage(instance.endpoint, error),
        fix: 'Set the endpoint of the DCS API of this region (docs/config.md); the right to delete is not shown.',
      };
    }
    if (missing) {
      return {
        status: 'ok',
        detail: `the right to delete is there: DELETE of a task that does not exist answers ${seen} (${error.message})`,
      };
    }
    if (error.httpStatus === 400) {
      return {
        status: 'warn',
        detail: `DELETE of a task that does not exist answered ${seen}: ${error.message}`,
        fix: 'The answer does not say whether the right is there; the first real run will tell (dryRun first).',
      };
    }
    return failure(error, 'delete-task', instance, instance.instanceId);
  }
}
