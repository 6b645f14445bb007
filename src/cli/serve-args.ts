// `simulate --serve`'s own values: its clock's skew, the lifetime of the credentials it issues, the right
// it denies.
import { parseDuration } from '../config/duration.js';
import type { Operation } from '../simulator/faults.js';
import { UsageError } from './usage-error.js';

/** `20m`, `-20m`, `2h`: how far off the simulator's clock runs. */
export function clockSkew(value: string | undefined): number {
  if (value === undefined) return 0;
  const negative = value.startsWith('-');
  const ms = parseDuration(negative ? value.slice(1) : value);
  if (ms === undefined)
    throw new UsageError('--clock-skew', `"${value}" is not a duration such as 20m or -20m`, 'simulate');
  return negative ? -ms : ms;
}

/** `90s`, `15m`, `2h`: how long the simulator's temporary credentials last (a few seconds to 12 hours). */
export function credentialLifetime(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d{1,5})(s|m|h)$/.exec(value);
  const ms = match
    ? Number(match[1]) * { s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as 's' | 'm' | 'h']
    : 0;
  if (ms < 2_000 || ms > 12 * 3_600_000) {
    throw new UsageError(
      '--credential-lifetime',
      `"${value}" is not a lifetime from 2s to 12h such as 90s, 15m or 1h`,
      'simulate',
    );
  }
  return ms;
}

const DENIABLE: Record<string, Operation> = {
  list: 'list-instances',
  tasks: 'list-tasks',
  delete: 'delete-task',
};

export function deniedOperation(value: string): Operation {
  const operation = Object.hasOwn(DENIABLE, value) ? DENIABLE[value] : undefined;
  if (!operation) throw new UsageError('--deny', `must be list, tasks or delete, not "${value}"`, 'simulate');
  return operation;
}
