// The parts of the terminal view's lines, and whether it may colour them.
import type { Target } from '../model/config.js';
import type { TaskResult } from '../report/reporter.js';

/**
 * Colours only on a terminal, never with NO_COLOR (set and not empty, as no-color.org says), nor when the
 * terminal says it has none (TERM=dumb, …: Node's hasColors, which would also count an empty NO_COLOR).
 */
export function colorsWanted(
  stream: { isTTY?: boolean; hasColors?: (env?: object) => boolean },
  env: Record<string, string | undefined>,
): boolean {
  const { NO_COLOR: noColor, ...rest } = env;
  if (!stream.isTTY || noColor) return false;
  return typeof stream.hasColors === 'function' ? stream.hasColors(rest) : true;
}

export function instanceLabel(target: Target): string {
  const name = target.name ? `${target.name} ` : '';
  return `instance ${name}${target.instanceId} (${target.region})`;
}

export function resultParts(result: TaskResult): string[] {
  const status = [result.httpStatus, result.errorCode].filter((part) => part !== null).join(' ');
  const attempts = result.attempts > 0 ? ` after ${plural(result.attempts, 'attempt')}` : '';
  // null when the server said nothing: the status already says it.
  const message = result.message ?? undefined;
  return [
    ...(status ? [`${status}${attempts}`] : []),
    ...(result.requestId ? [`request ${result.requestId}`] : []),
    ...(message ? [message] : []),
  ];
}

export function attemptParts(attempts: number, requestId: string | null): string[] {
  return [
    ...(attempts > 0 ? [plural(attempts, 'attempt')] : []),
    ...(requestId ? [`request ${requestId}`] : []),
  ];
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** 42d, 5h, 12m. */
export function formatAge(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes >= 1440) return `${Math.floor(minutes / 1440)}d`;
  if (minutes >= 60) return `${Math.floor(minutes / 60)}h`;
  return `${minutes}m`;
}
