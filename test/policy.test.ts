import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CONFLICTING,
  DEFAULT_POLICY,
  eligibility,
  factsOf,
  IN_THE_FUTURE,
  isNewer,
  isOlder,
  isRanked,
  isTerminal,
  MAX_CLOCK_AHEAD_MS,
  NO_NAME,
  sameFacts,
  type TaskPolicy,
  type TaskRecord,
  unjudgeable,
} from '../src/policy/policy.js';
import { selectStale } from './oracle.js';

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
const ids = (list: TaskRecord[]) => list.map((t) => t.id);

describe('the rules, one by one', () => {
  it('the built-in policy and the reasons a record is ignored are those of the contract', () => {
    expect(DEFAULT_POLICY).toEqual({
      olderThanMs: 30 * DAY,
      statuses: ['SUCCESS', 'FAILED'],
      excludeTaskNames: [],
      keepLatest: 0,
      maxDeletesPerInstance: 500,
    });
    expect([CONFLICTING, IN_THE_FUTURE]).toEqual(['conflicting records', 'created_at in the future']);
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
    expect(unjudgeable(at(NOW + MAX_CLOCK_AHEAD_MS + 1), DEFAULT_POLICY, NOW)).toBe(IN_THE_FUTURE);
    expect(MAX_CLOCK_AHEAD_MS).toBe(24 * 3_600_000);
  });

  it('a record without a name is judged only where nothing is excluded; a long name is matched whole', () => {
    const nameless = { ...task('a', 90), name: null };
    const excluding = policy({ excludeTaskNames: ['x'] });
    expect(unjudgeable(nameless, excluding, NOW)).toBe(NO_NAME);
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

describe('the whole-list oracle (test/oracle.ts)', () => {
  it('selects terminal tasks older than the age, oldest first', () => {
    const list = [
      task('a', 8),
      task('b', 30),
      task('c', 6),
      task('d', 10, 'FAILED'),
      task('e', 100, 'EXECUTING'),
    ];
    expect(ids(selectStale(list, policy(), NOW).stale)).toEqual(['b', 'd', 'a']);
  });

  it('never selects unknown or non-terminal statuses', () => {
    const list = ['EXECUTING', 'CREATED', 'WAITING', 'DELETED', 'success', ''].map((s, i) =>
      task(`t${i}`, 99, s),
    );
    expect(selectStale(list, policy(), NOW).stale).toEqual([]);
  });

  it('a task exactly olderThan old is not stale yet', () => {
    expect(selectStale([task('a', 7)], policy(), NOW).stale).toEqual([]);
  });

  it('honours the statuses selection', () => {
    const list = [task('s', 9, 'SUCCESS'), task('f', 9, 'FAILED')];
    expect(ids(selectStale(list, policy({ statuses: ['FAILED'] }), NOW).stale)).toEqual(['f']);
  });

  it('excludes task names', () => {
    const list = [task('a', 9, 'SUCCESS', 'modify'), task('b', 9, 'SUCCESS', 'EXTEND')];
    expect(ids(selectStale(list, policy({ excludeTaskNames: ['modify'] }), NOW).stale)).toEqual(['b']);
  });

  it('keepLatest protects the newest terminal tasks whatever their age, name or the statuses selection', () => {
    const list = [
      task('newest-running', 1, 'EXECUTING'),
      task('new-failed', 20, 'FAILED'),
      task('mid', 30),
      task('old', 40),
      task('oldest', 50),
    ];
    const selection = selectStale(list, policy({ keepLatest: 2, statuses: ['SUCCESS'] }), NOW);
    expect(ids(selection.stale)).toEqual(['oldest', 'old']);
  });

  it('caps the deletes per instance, oldest first, and defers the rest', () => {
    const list = [task('a', 10), task('b', 20), task('c', 30)];
    const selection = selectStale(list, policy({ maxDeletesPerInstance: 2 }), NOW);
    expect(ids(selection.toDelete)).toEqual(['c', 'b']);
    expect(ids(selection.deferred)).toEqual(['a']);
  });

  it('holds its safety properties for any fleet and policy', () => {
    const statusArb = fc.constantFrom('SUCCESS', 'FAILED', 'EXECUTING', 'CREATED', 'WAITING', 'UNKNOWN');
    const taskArb = fc.record({
      ageHours: fc.integer({ min: 0, max: 24 * 60 }),
      status: statusArb,
      name: fc.constantFrom('EXTEND', 'modify', 'BindEip'),
    });
    const policyArb = fc.record({
      olderThanMs: fc.integer({ min: 1, max: 24 * 30 }).map((h) => h * 3_600_000),
      statuses: fc.subarray(['SUCCESS', 'FAILED'] as const, { minLength: 1 }),
      excludeTaskNames: fc.subarray(['EXTEND', 'modify', 'BindEip']),
      keepLatest: fc.integer({ min: 0, max: 20 }),
      maxDeletesPerInstance: fc.integer({ min: 1, max: 50 }),
    });
    fc.assert(
      fc.property(fc.array(taskArb, { maxLength: 80 }), policyArb, (specs, p) => {
        const list = specs.map((s, i) => {
          const createdAtMs = NOW - s.ageHours * 3_600_000;
          return { id: `t${i}`, name: s.name, status: s.status, createdAt: '', createdAtMs };
        });
        const { stale, toDelete, deferred } = selectStale(list, p, NOW);
        const newestTerminal = list
          .filter((t) => isTerminal(t.status))
          .sort((a, b) => b.createdAtMs - a.createdAtMs || (a.id < b.id ? 1 : -1))
          .slice(0, p.keepLatest)
          .map((t) => t.id);
        for (const t of stale) {
          expect((p.statuses as readonly string[]).includes(t.status)).toBe(true);
          expect(NOW - t.createdAtMs).toBeGreaterThan(p.olderThanMs);
          expect(p.excludeTaskNames).not.toContain(t.name);
          expect(newestTerminal).not.toContain(t.id);
        }
        const expectedCount = list.filter(
          (t) =>
            (p.statuses as readonly string[]).includes(t.status) &&
            NOW - t.createdAtMs > p.olderThanMs &&
            !p.excludeTaskNames.includes(t.name) &&
            !newestTerminal.includes(t.id),
        ).length;
        expect(stale).toHaveLength(expectedCount);
        expect([...toDelete, ...deferred]).toEqual(stale);
        expect(toDelete.length).toBe(Math.min(stale.length, p.maxDeletesPerInstance));
        for (let i = 1; i < stale.length; i++) {
          expect((stale[i] as TaskRecord).createdAtMs).toBeGreaterThanOrEqual(
            (stale[i - 1] as TaskRecord).createdAtMs,
          );
        }
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) },
    );
  });
});
