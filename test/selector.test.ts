// The streamed selection the run uses (src/policy/stream.ts), held to the whole-list oracle over listings
// with repeats and contradictions at any distance, and tested at each of its boundaries.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_CONFLICTS } from '../src/bounds/limits.js';
import { streamRecords } from '../src/dcs/listing.js';
import { ignoredRecord } from '../src/dcs/pages.js';
import {
  DEFAULT_POLICY,
  factsOf,
  sameFacts,
  type TaskPolicy,
  type TaskRecord,
} from '../src/policy/policy.js';
import { hashString, SeenTable } from '../src/policy/seen.js';
import { ContradictoryListingError, StreamSelector } from '../src/policy/stream.js';
import { Versions } from '../src/policy/versions.js';
import { DAY, taskId } from './helpers.js';
import { type Unreadable, wholeListSelection } from './oracle.js';

const NOW = Date.UTC(2026, 11, 1);
const HOUR = 3_600_000;

function task(
  n: number | string,
  ageMs: number,
  status = 'SUCCESS',
  name: string | null = 'EXTEND',
): TaskRecord {
  const createdAtMs = NOW - ageMs;
  return {
    id: typeof n === 'number' ? taskId(n) : n,
    name,
    status,
    createdAt: new Date(createdAtMs).toISOString(),
    createdAtMs,
  };
}
const policy = (patch: Partial<TaskPolicy> = {}): TaskPolicy => ({
  ...DEFAULT_POLICY,
  olderThanMs: 7 * DAY,
  ...patch,
});
const ids = (list: readonly TaskRecord[] | undefined) => (list ?? []).map((t) => t.id);

/** A table that starts small, as the many selectors of a property test need. */
const small = () => new SeenTable({ initialSlots: 64 });

type Item = TaskRecord | Unreadable;
const unreadable = (id: string): Unreadable => ({ id, unreadable: true });

function select(listing: Item[], p: TaskPolicy, options = {}) {
  const selector = new StreamSelector<TaskRecord>(p, NOW, { seen: small(), ...options });
  const admissions = listing.map((record) =>
    'unreadable' in record ? selector.addUnreadable(record.id) : selector.add(record),
  );
  return { ...selector.finish(), admissions };
}

/** The listing cut into pages, through the client's listing rules and the selector, as a run reads it. */
async function streamed(
  listing: Item[],
  p: TaskPolicy,
  pageSize: number,
  { holdDeferred = false, maxConflicts = MAX_CONFLICTS } = {},
) {
  const pages = [];
  for (let at = 0; at < listing.length; at += pageSize) {
    const records = listing.slice(at, at + pageSize);
    const items = records.filter((record): record is TaskRecord => !('unreadable' in record));
    const ignored = records
      .filter((record): record is Unreadable => 'unreadable' in record)
      .map(({ id }) => ignoredRecord(id, 'the record has no readable created_at', id));
    pages.push({
      page: { records: records.length, items, ignored, total: undefined },
      httpStatus: 200,
      attempts: 1,
    });
  }
  const selector = new StreamSelector<TaskRecord>(p, NOW, { holdDeferred, maxConflicts, seen: small() });
  const source = (async function* () {
    yield* pages;
  })();
  let fresh = 0;
  for await (const item of streamRecords(source, selector, {
    what: 'listing',
    limit: 1000,
  })) {
    if ('record' in item && item.admission === 'new') fresh++;
  }
  return { ...selector.finish(), fresh };
}

describe('streamed selection = the whole-list oracle over the listing without its contradicted ids', () => {
  const arbitraryTask = fc.record({
    name: fc.constantFrom('EXTEND', 'BindEip', 'masterStandbySwapJob', null),
    status: fc.constantFrom('SUCCESS', 'FAILED', 'RUNNING', 'EXECUTING'),
    ageHours: fc.integer({ min: 0, max: 24 * 60 }),
  });
  const arbitraryPolicy = fc.record({
    olderThanMs: fc.constantFrom(HOUR, 7 * DAY, 30 * DAY),
    statuses: fc.constantFrom(['SUCCESS', 'FAILED'] as const, ['SUCCESS'] as const, ['FAILED'] as const),
    excludeTaskNames: fc.constantFrom([], ['masterStandbySwapJob']),
    keepLatest: fc.constantFrom(0, 1, 5),
    maxDeletesPerInstance: fc.integer({ min: 1, max: 6 }),
  });
  /** A second record of an existing task: the same facts, or other ones, placed near or far from it. */
  const arbitraryEcho = fc.record({
    of: fc.nat(),
    change: fc.constantFrom(
      'none',
      'status',
      'terminal-flip',
      'created-young-old',
      'created-slightly',
      'both',
      'name',
      'no-name',
      'future',
      'unreadable',
    ),
    distance: fc.constantFrom('same-page', 'next-page', 'far', 'anywhere'),
    offset: fc.nat(),
  });

  function echo(original: TaskRecord, change: string): Item {
    const young = NOW - HOUR;
    const old = NOW - 400 * DAY;
    const at = (ms: number) => ({ createdAtMs: ms, createdAt: new Date(ms).toISOString() });
    switch (change) {
      case 'status':
        return { ...original, status: original.status === 'SUCCESS' ? 'FAILED' : 'SUCCESS' };
      case 'terminal-flip':
        return { ...original, status: original.status === 'RUNNING' ? 'SUCCESS' : 'RUNNING' };
      case 'created-young-old':
        return { ...original, ...at(original.createdAtMs < NOW - DAY ? young : old) };
      case 'created-slightly':
        return { ...original, ...at(original.createdAtMs - 1) };
      case 'both':
        return {
          ...original,
          status: original.status === 'RUNNING' ? 'SUCCESS' : 'RUNNING',
          ...at(original.createdAtMs < NOW - DAY ? young : old),
        };
      case 'name':
        return { ...original, name: original.name === 'EXTEND' ? 'masterStandbySwapJob' : 'EXTEND' };
      case 'no-name':
        return { ...original, name: original.name === null ? 'EXTEND' : null };
      case 'future':
        return { ...original, ...at(NOW + 2 * DAY) };
      case 'unreadable':
        return unreadable(original.id);
      default:
        return { ...original };
    }
  }

  /** Whether some 3 pages in a row bring no id unseen before (the listing's stall rule, read whole). */
  function stalls(listing: Item[], pageSize: number, p: TaskPolicy): boolean {
    const seen = new Set<string>();
    let inRow = 0;
    for (let at = 0; at < listing.length; at += pageSize) {
      const page = listing.slice(at, at + pageSize);
      // The page's readable records come first; a task dated in the future, or without a name where names
      // are excluded, is no new valid record either; an unreadable one never is.
      const readable = page.filter((record): record is TaskRecord => !('unreadable' in record));
      const fresh = readable.filter(
        (record) =>
          !seen.has(record.id) &&
          seen.add(record.id) &&
          record.createdAtMs <= NOW + DAY &&
          !(record.name === null && p.excludeTaskNames.length > 0),
      ).length;
      for (const record of page) seen.add(record.id);
      inRow = fresh === 0 ? inRow + 1 : 0;
      if (inRow >= 3) return true;
    }
    return false;
  }

  /** A listing of `specs` shuffled by `order`, with `echoes` of its records placed near or far. */
  function listingOf(
    specs: { name: string | null; status: string; ageHours: number }[],
    echoes: { of: number; change: string; distance: string; offset: number }[],
    order: fc.Stream<number>,
    pageSize: number,
  ): Item[] {
    const distinct = specs.map((spec, n) => task(n, spec.ageHours * HOUR, spec.status, spec.name));
    const listing: Item[] = [...distinct];
    const draws = order[Symbol.iterator]();
    for (let i = listing.length - 1; i > 0; i--) {
      const j = (draws.next().value as number) % (i + 1);
      [listing[i], listing[j]] = [listing[j] as Item, listing[i] as Item];
    }
    for (const { of, change, distance, offset } of echoes) {
      if (distinct.length === 0) break;
      const original = distinct[of % distinct.length] as TaskRecord;
      const from = listing.indexOf(original);
      const gap = {
        'same-page': 1 + (offset % pageSize),
        'next-page': pageSize + (offset % pageSize),
        far: 3 * pageSize + (offset % (2 * pageSize + 1)),
        anywhere: (offset % (listing.length + 1)) - from,
      }[distance] as number;
      const at = Math.max(0, Math.min(listing.length, from + gap));
      listing.splice(at, 0, echo(original, change));
    }
    return listing;
  }

  it('property: hash collisions can only ban an id or make a repeat, never allow another delete', () => {
    /** Every record's facts fingerprint alike: only the records held are told apart. */
    class SameFingerprints extends SeenTable {
      constructor() {
        super({ initialSlots: 64 });
      }

      override fingerprint(): number {
        return 0;
      }
    }
    fc.assert(
      fc.property(
        fc.array(arbitraryTask, { maxLength: 40 }),
        arbitraryPolicy,
        fc.array(arbitraryEcho, { maxLength: 12 }),
        fc.infiniteStream(fc.nat()),
        (specs, p, echoes, order) => {
          const listing = listingOf(specs, echoes, order, 3);
          const oracle = wholeListSelection(listing, p, NOW);
          // Facts that collide: exactly the oracle's deletes (a record not held is never deleted anyway).
          const facts = select(listing, p, { seen: new SameFingerprints() });
          expect(ids(facts.toDelete)).toEqual(ids(oracle.toDelete));
          // Ids that collide in tens (taskId(10) … taskId(19) are one key): only stale tasks, each once.
          const tens = new SeenTable({
            initialSlots: 64,
            keyHash: (key, seed) => hashString(key.slice(0, -1), seed),
          });
          const keys = select(listing, p, { seen: tens });
          const stale = new Set(ids(oracle.stale));
          for (const id of ids(keys.toDelete)) expect(stale.has(id)).toBe(true);
          expect(new Set(ids(keys.toDelete)).size).toBe(keys.toDelete.length);
        },
      ),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 400) },
    );
  });

  it('property: the same tasks picked in the same order, the same counts, for any listing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbitraryTask, { maxLength: 40 }),
        arbitraryPolicy,
        fc.integer({ min: 1, max: 7 }),
        fc.array(arbitraryEcho, { maxLength: 12 }),
        fc.infiniteStream(fc.nat()),
        // A low conflict allowance makes the held records overflow and a ban reach past them.
        fc.integer({ min: 0, max: 4 }),
        async (specs, p, pageSize, echoes, order, maxConflicts) => {
          const listing = listingOf(specs, echoes, order, pageSize);
          const oracle = wholeListSelection(listing, p, NOW);
          if (stalls(listing, pageSize, p)) {
            // Three pages in a row without a new id: the listing is an error and nothing of it is deleted.
            await expect(streamed(listing, p, pageSize)).rejects.toThrow(/did not advance/);
            return;
          }
          if (oracle.contradicted.size > maxConflicts) {
            await expect(streamed(listing, p, pageSize, { maxConflicts })).rejects.toThrow(
              ContradictoryListingError,
            );
            return;
          }
          const stream = await streamed(listing, p, pageSize, { maxConflicts });
          expect(ids(stream.toDelete)).toEqual(ids(oracle.toDelete));
          expect(stream.stale).toBe(oracle.stale.length);
          expect(stream.deferred.count).toBe(oracle.deferred.length);
          expect(stream.deferred.oldest?.id).toBe(oracle.deferred[0]?.id);
          expect(stream.deferred.newest?.id).toBe(oracle.deferred.at(-1)?.id);
          for (const id of oracle.contradicted) expect(ids(stream.toDelete)).not.toContain(id);
          const held = await streamed(listing, p, pageSize, { holdDeferred: true, maxConflicts });
          expect(ids(held.deferred.tasks)).toEqual(ids(oracle.deferred));
          expect(ids(held.toDelete)).toEqual(ids(oracle.toDelete));
        },
      ),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 400) },
    );
  });
});

describe('the selector at its boundaries', () => {
  it('a task exactly olderThan old is not stale; 1 ms older is', () => {
    const p = policy();
    expect(select([task(1, 7 * DAY)], p).stale).toBe(0);
    expect(ids(select([task(1, 7 * DAY + 1)], p).toDelete)).toEqual([taskId(1)]);
  });

  it('only the statuses of the policy, and never a non-terminal or unknown status', () => {
    const list = ['SUCCESS', 'FAILED', 'RUNNING', 'success', ''].map((status, n) => task(n, 9 * DAY, status));
    expect(ids(select(list, policy()).toDelete)).toEqual([taskId(0), taskId(1)]);
    expect(ids(select(list, policy({ statuses: ['FAILED'] })).toDelete)).toEqual([taskId(1)]);
    expect(ids(select(list, policy({ statuses: ['SUCCESS'] })).toDelete)).toEqual([taskId(0)]);
  });

  it('an excluded name is never deleted', () => {
    const list = [task(1, 9 * DAY, 'SUCCESS', 'modify'), task(2, 9 * DAY)];
    const selection = select(list, policy({ excludeTaskNames: ['modify'] }));
    expect(ids(selection.toDelete)).toEqual([taskId(2)]);
    expect(selection.stale).toBe(1);
  });

  it('keepLatest protects the keepLatest-th newest terminal task and not the next one', () => {
    // Newest first: a running task (not ranked), then terminal ones of any name or status.
    const list = [
      task(0, HOUR, 'RUNNING'),
      task(1, 8 * DAY, 'FAILED', 'modify'),
      task(2, 9 * DAY),
      task(3, 10 * DAY),
      task(4, 11 * DAY),
    ];
    const selection = select(list, policy({ keepLatest: 2, statuses: ['SUCCESS'] }));
    expect(ids(selection.toDelete)).toEqual([taskId(4), taskId(3)]);
    expect(selection.stale).toBe(2);
    const three = select(list, policy({ keepLatest: 3 }));
    expect(ids(three.toDelete)).toEqual([taskId(4)]);
    expect(three.stale).toBe(1);
  });

  it('keepLatest ranks young tasks too, and ranks by created_at then id', () => {
    const list = [task(1, HOUR), task(2, 9 * DAY), task(3, 9 * DAY), task(4, 10 * DAY)];
    // taskId(3) > taskId(2): at equal times, the greater id is the newer.
    expect(ids(select(list, policy({ keepLatest: 2 })).toDelete)).toEqual([taskId(4), taskId(2)]);
  });

  it('the cap: its last place is deleted, the next task is the oldest deferred', () => {
    const list = [task(1, 10 * DAY), task(2, 20 * DAY), task(3, 30 * DAY), task(4, 40 * DAY)];
    const selection = select(list, policy({ maxDeletesPerInstance: 2 }));
    expect(ids(selection.toDelete)).toEqual([taskId(4), taskId(3)]);
    expect(selection.stale).toBe(4);
    expect(selection.deferred).toMatchObject({ count: 2, tasks: undefined });
    expect(selection.deferred.oldest?.id).toBe(taskId(2));
    expect(selection.deferred.newest?.id).toBe(taskId(1));
    const all = select(list, policy({ maxDeletesPerInstance: 4 }));
    expect(all.deferred).toEqual({ count: 0, oldest: undefined, newest: undefined, tasks: undefined });
    const held = select(list, policy({ maxDeletesPerInstance: 1 }), { holdDeferred: true });
    expect(ids(held.deferred.tasks)).toEqual([taskId(3), taskId(2), taskId(1)]);
  });

  it('equal created_at: oldest first means the smaller id first', () => {
    const list = [task(3, 9 * DAY), task(1, 9 * DAY), task(2, 9 * DAY)];
    expect(ids(select(list, policy({ maxDeletesPerInstance: 2 })).toDelete)).toEqual([taskId(1), taskId(2)]);
  });

  it('a repeat with the same facts is one task: one delete at most, counted once', () => {
    const list = [task(1, 9 * DAY), task(1, 9 * DAY), task(2, 9 * DAY), task(1, 9 * DAY)];
    const selection = select(list, policy());
    expect(selection.admissions).toEqual(['new', 'repeat', 'new', 'repeat']);
    expect(ids(selection.toDelete)).toEqual([taskId(1), taskId(2)]);
    expect(selection.stale).toBe(2);
  });

  it.each([
    ['a deletion candidate', task(1, 9 * DAY), task(1, 9 * DAY, 'RUNNING')],
    ['a young task', task(1, HOUR, 'RUNNING'), task(1, 400 * DAY)],
    ['a kept task', task(1, HOUR), task(1, 400 * DAY)],
    ['by its name', task(1, 9 * DAY, 'SUCCESS', 'EXTEND'), task(1, 9 * DAY, 'SUCCESS', 'modify')],
    ['by a millisecond', task(1, 9 * DAY), task(1, 9 * DAY + 1)],
  ])('a contradiction bans the id, however far apart: %s', (_, first, later) => {
    const others = Array.from({ length: 300 }, (_, n) => task(100 + n, 8 * DAY));
    const selection = select(
      [first, ...others, later, first],
      policy({ keepLatest: 1, maxDeletesPerInstance: 1000 }),
    );
    expect(selection.admissions.at(-2)).toBe('conflicting');
    expect(selection.admissions.at(-1)).toBe('repeat');
    expect(ids(selection.toDelete)).not.toContain(taskId(1));
    expect(selection.stale).toBe(299);
  });

  it('a banned task takes no keepLatest place: the next one is protected, as in the listing without it', () => {
    const list = [task(1, 9 * DAY), task(2, 10 * DAY), task(3, 11 * DAY), task(1, 12 * DAY)];
    const selection = select(list, policy({ keepLatest: 1 }));
    expect(ids(selection.toDelete)).toEqual([taskId(3)]);
    expect(selection.stale).toBe(1);
  });

  it('a banned candidate gives its place to the next oldest, even one the heap had turned away', () => {
    // keepLatest 0 and cap 1: the selector holds 1 + MAX_CONFLICTS + 1 oldest; ban the oldest of them.
    const list = Array.from({ length: MAX_CONFLICTS + 5 }, (_, n) => task(n, (100 + n) * DAY));
    const banned = task(list.length - 1, DAY); // the oldest, contradicted
    const selection = select([...list, banned], policy({ maxDeletesPerInstance: 1 }));
    expect(ids(selection.toDelete)).toEqual([taskId(list.length - 2)]);
    expect(selection.stale).toBe(list.length - 1);
  });

  it('created_at more than 24 hours ahead is ignored and takes no keepLatest place; 24 hours is not', () => {
    const future = task(1, -(DAY + 1));
    const edge = task(2, -DAY);
    const old = task(3, 9 * DAY);
    const selection = select([future, edge, old], policy({ keepLatest: 1 }));
    expect(selection.admissions).toEqual(['inTheFuture', 'new', 'new']);
    expect(ids(selection.toDelete)).toEqual([taskId(3)]);
    const later = select([future, future, task(1, 9 * DAY)], policy());
    expect(later.admissions).toEqual(['inTheFuture', 'repeat', 'conflicting']);
    expect(later.toDelete).toEqual([]);
  });

  it(`more than ${MAX_CONFLICTS} contradicted ids end the listing: nothing of it may be acted on`, () => {
    const selector = new StreamSelector<TaskRecord>(policy(), NOW);
    for (let n = 0; n < MAX_CONFLICTS; n++) {
      selector.add(task(n, 9 * DAY));
      expect(selector.add(task(n, 9 * DAY, 'RUNNING'))).toBe('conflicting');
    }
    selector.add(task('last', 9 * DAY));
    const error = (() => {
      try {
        selector.add(task('last', 9 * DAY, 'RUNNING'));
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(ContradictoryListingError);
    expect(error).toMatchObject({
      name: 'ContradictoryListingError',
      code: 'LISTING_CONTRADICTORY',
      message: `the listing contradicted itself for more than ${MAX_CONFLICTS} tasks`,
    });
  });

  it('the newest deferred task is found past the kept ones, with no room to spare for bans', () => {
    const list = [task(1, 10 * DAY), task(2, 20 * DAY), task(3, 30 * DAY), task(4, 40 * DAY)];
    const selection = select(list, policy({ keepLatest: 1, maxDeletesPerInstance: 1 }), { maxConflicts: 0 });
    expect(ids(selection.toDelete)).toEqual([taskId(4)]);
    expect(selection.deferred.count).toBe(2);
    expect(selection.deferred.oldest?.id).toBe(taskId(3));
    expect(selection.deferred.newest?.id).toBe(taskId(2));
  });
});

describe('what the selection holds', () => {
  /** Every record's facts fingerprint alike (8: no flag bits, not the unreadable facts). */
  const colliding = () =>
    new (class extends SeenTable {
      override fingerprint(): number {
        return 8;
      }
    })({ initialSlots: 8 });

  it('keepLatest 0 holds nothing to rank: a colliding version of a young task is a repeat, not compared', () => {
    const young = task(1, HOUR);
    const other = { ...young, status: 'RUNNING' };
    expect(select([young, other], policy({ keepLatest: 0 }), { seen: colliding() }).admissions).toEqual([
      'new',
      'repeat',
    ]);
    // With keepLatest 1 the young task is held for the ranking, so the same collision is caught.
    expect(select([young, other], policy({ keepLatest: 1 }), { seen: colliding() }).admissions).toEqual([
      'new',
      'conflicting',
    ]);
  });
});

describe('the contradiction protocol (src/policy/versions.ts)', () => {
  const rules = (held: Map<number, TaskRecord>) => ({
    factsOf: factsOf,
    sameFacts: sameFacts,
    held: (identity: number) => held.get(identity),
  });

  it('new, then repeat for the same facts, contradicted (and banned) for others, repeat once banned', () => {
    const versions = new Versions(rules(new Map()), small());
    const a = task(1, 9 * DAY);
    expect(versions.see(a.id, a).verdict).toBe('new');
    expect(versions.see(a.id, { ...a }).verdict).toBe('repeat');
    const contradicted = versions.see(a.id, { ...a, status: 'RUNNING' });
    expect(contradicted.verdict).toBe('contradicted');
    expect(versions.see(a.id, a).verdict).toBe('repeat');
    expect(versions.see(a.id, undefined).verdict).toBe('repeat');
    expect(contradicted.sighting.kind).toBe('other');
  });

  it('an unreadable version: new alone, repeat with another unreadable one, contradicted by any readable one', () => {
    const versions = new Versions(rules(new Map()), small());
    const a = task(1, 9 * DAY);
    expect(versions.see(a.id, undefined).verdict).toBe('new');
    expect(versions.see(a.id, undefined).verdict).toBe('repeat');
    expect(versions.see(a.id, a).verdict).toBe('contradicted');
    const later = new Versions(rules(new Map()), small());
    expect(later.see(a.id, a).verdict).toBe('new');
    expect(later.see(a.id, undefined).verdict).toBe('contradicted');
  });

  it('a colliding version is compared exactly with a held record; unreadable never agrees with one', () => {
    const held = new Map<number, TaskRecord>();
    const table = new (class extends SeenTable {
      override fingerprint(): number {
        return 8;
      }
    })({ initialSlots: 8 });
    const versions = new Versions(rules(held), table);
    const a = task(1, 9 * DAY);
    const first = versions.see(a.id, a);
    held.set(first.sighting.identity, a);
    expect(versions.see(a.id, { ...a }).verdict).toBe('repeat');
    const b = task(2, 9 * DAY);
    held.set(versions.see(b.id, b).sighting.identity, b);
    expect(versions.see(b.id, { ...b, status: 'FAILED' }).verdict).toBe('contradicted');
    const c = task(3, 9 * DAY);
    held.set(versions.see(c.id, c).sighting.identity, c);
    expect(versions.see(c.id, undefined).verdict).toBe('contradicted');
  });
});
