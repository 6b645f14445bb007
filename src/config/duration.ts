import * as z from 'zod';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const MIN_AGE_MS = UNIT_MS.h;
const MAX_DURATION_MS = 3650 * UNIT_MS.d;
const DURATION = /^([1-9]\d{0,6})([mhd])$/;

/** `90m`, `12h`, `7d` → milliseconds; undefined when the text is not of that form. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** 90 minutes → `90m`, 48 hours → `2d`: the largest unit that divides the value. */
export function formatDuration(ms: number): string {
  if (ms % UNIT_MS.d === 0) return `${ms / UNIT_MS.d}d`;
  if (ms % UNIT_MS.h === 0) return `${ms / UNIT_MS.h}h`;
  return `${Math.round(ms / UNIT_MS.m)}m`;
}

/**
 * A duration string of at least `minMs`, parsed to milliseconds. The form is a pattern (so the JSON Schema
 * carries it); the range is checked after parsing. `meta` documents the key in the JSON Schema.
 */
export function durationSchema(minMs: number, meta?: { description: string; default?: string }) {
  const text = z.string({ error: 'must be a duration string such as "90m", "12h" or "7d"' }).regex(DURATION, {
    error: (issue) => `"${issue.input}" is not a duration: use an integer and m, h or d (e.g. "7d")`,
  });
  return (meta ? text.meta(meta) : text).transform((value, ctx) => {
    const ms = parseDuration(value) as number;
    if (ms < minMs || ms > MAX_DURATION_MS) {
      ctx.addIssue({
        code: 'custom',
        message: `"${value}" is out of range: from ${formatDuration(minMs)} to ${formatDuration(MAX_DURATION_MS)}`,
      });
      return z.NEVER;
    }
    return ms;
  });
}

/** A task age (`olderThan`): at least MIN_AGE_MS. */
export function ageSchema(description?: string, defaultValue?: string) {
  return durationSchema(
    MIN_AGE_MS,
    description === undefined ? undefined : { description, default: defaultValue },
  );
}
