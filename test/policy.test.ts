import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POLICY,
  eligibility,
  factsOf,
  isNewer,
  isOlder,
  isRanked,
  isTerminal,
  MAX_CLOCK_AHEAD_MS,
  NOT_JUDGED,
  sameFacts,
  type TaskPolicy,
  type TaskRecord,
  unjudgeable,
} from '../src/policy/policy.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const DAY = 86_400_000;

function task(id: string, ageDays: number, status = 'SUCCESS', name = 'EXTEND'): TaskRecord {
  const createdAtMs = NOW - ageDays * DAY;
  return { id, name, status, createdAt: new Date(createdAtMs).toISOString(), createdAtMs };
}

const policy = (patch: Partial<TaskPolicy> = {}): TaskPolicy => ({
  ...DEFAULT_POLICY,
  olderThanMs: 7 * DAY,
  ...patch,
});
const _ids = (list: TaskRecord[]) => list.map((t) => t.id);

describe('the rules, one by one', () => {
  it('the built-in policy and the reasons a record is ignored are those of the contract', () => {
    expect(DEFAULT_POLICY).toEqual({
      olderThanMs: 30 * DAY,
      statuses: ['SUCCESS', 'FAILED'],
      excludeTaskNames: [],
      keepLatest: 0,
      maxDeletesPerInstance: 500,
    });
    expect(NOT_JUDGED).toEqual({
      conflicting: 'conflicting records',
      inTheFuture: 'created_at in the future',
      noName: 'no name',
    });
  });

  it('eligibility: statuses, age (strictly older), exclusions', () => {
    const eligible = eligibility(policy({ statuses: ['FAILED'], excludeTaskNames: ['modify'] }), NOW);
    expect(eligible(task('a', 8, 'FAILED'))).toBe(true);
    expect(eligible(task('b', 8, 'SUCCESS'))).toBe(false);
    expect(eligible(task('c', 7, 'FAILED'))).toBe(false);
    expect(eligible({ ...task('d', 7, 'FAILED'), createdAtMs: NOW - 7 * DAY - 1 })).toBe(true);
    expect(eligible(task('e', 8, 'FAILED', 'modify'))).toBe(false);
    expect(eligible(task('f', 8, 'RUNNING'))).toBe(false);
  });

  it('terminal statuses are exactly SUCCESS and FAILED, and only they are ranked', () => {
    for (const status of ['SUCCESS', 'FAILED']) {
      expect(isTerminal(status)).toBe(true);
      expect(isRanked(task('a', 1, status))).toBe(true);
    }
    for (const status of ['RUNNING', 'success', 'FAILED ', '']) {
      expect(isTerminal(status)).toBe(false);
      expect(isRanked(task('a', 1, status))).toBe(false);
    }
  });

  it('order: created_at first, then id; newer is the reverse', () => {
    expect(isOlder(task('b', 2), task('a', 1))).toBe(true);
    expect(isOlder(task('a', 1), task('b', 2))).toBe(false);
    expect(isOlder(task('a', 1), task('b', 1))).toBe(true);
    expect(isOlder(task('b', 1), task('a', 1))).toBe(false);
    expect(isOlder(task('a', 1), task('a', 1))).toBe(false);
    expect(isNewer(task('a', 1), task('b', 2))).toBe(true);
    expect(isNewer(task('b', 2), task('a', 1))).toBe(false);
  });

  it('the future: more than 24 hours ahead of the clock', () => {
    const at = (ms: number) => ({ ...task('a', 0), createdAtMs: ms });
    expect(unjudgeable(at(NOW + MAX_CLOCK_AHEAD_MS), DEFAULT_POLICY, NOW)).toBeUndefined();
    expect(unjudgeable(at(NOW + MAX_CLOCK_AHEAD_MS + 1), DEFAULT_POLICY, NOW)).toBe('inTheFuture');
    expect(MAX_CLOCK_AHEAD_MS).toBe(24 * 3_600_000);
  });

  it('a record without a name is judged only where nothing is excluded; a long name is matched whole', () => {
    const nameless = { ...task('a', 90), name: null };
    const excluding = policy({ excludeTaskNames: ['x'] });
    expect(unjudgeable(nameless, excluding, NOW)).toBe('noName');
    expect(unjudgeable(nameless, policy(), NOW)).toBeUndefined();
    expect(eligibility(excluding, NOW)(nameless)).toBe(false);
    expect(eligibility(policy(), NOW)(nameless)).toBe(true);
    const long = 'n'.repeat(300);
    expect(eligibility(policy({ excludeTaskNames: [long] }), NOW)(task('a', 90, 'SUCCESS', long))).toBe(
      false,
    );
    expect(
      eligibility(policy({ excludeTaskNames: [long.slice(0, 256)] }), NOW)(task('a', 90, 'SUCCESS', long)),
    ).toBe(true);
  });

  it('the same task agrees on status, created_at and name', () => {
    const a = task('a', 9);
    expect(sameFacts(a, { ...a, createdAt: 'another spelling' })).toBe(true);
    expect(sameFacts(a, { ...a, status: 'FAILED' })).toBe(false);
    expect(sameFacts(a, { ...a, createdAtMs: a.createdAtMs + 1 })).toBe(false);
    expect(sameFacts(a, { ...a, name: 'modify' })).toBe(false);
    expect(factsOf(a)).toEqual(['SUCCESS', a.createdAtMs, 'EXTEND']);
  });
});
