// The listing rules of src/dcs/ (listing.ts, pages.ts, tasks.ts, instances.ts): page and record bounds, the
// stalled-listing rule, deduplicated ignored records, and how each record is read.
import { describe, expect, it } from 'vitest';
import { MAX_CONTAINERS, MAX_LISTED_RECORDS, MAX_TASK_NAME } from '../src/bounds/limits.js';
import { parseInstancePage } from '../src/dcs/instances.js';
import { maxPages, type PageRead, streamRecords } from '../src/dcs/listing.js';
import { type IgnoredRecord, parseListing, tooManyContainers } from '../src/dcs/pages.js';
import { instanceListingEnded, taskListingEnded } from '../src/dcs/paging.js';
import { parseTaskPage } from '../src/dcs/tasks.js';
import { taskId } from './helpers.js';

type Item = { id: string };
const page = (
  items: Item[],
  ignored: IgnoredRecord[] = [],
  records = items.length + ignored.length,
): PageRead<Item> => ({
  page: { records, items, ignored, total: undefined },
  httpStatus: 200,
  attempts: 2,
});
const ignoredOf = (rawId: string | null): IgnoredRecord => ({ rawId, reason: 'bad' });

/** Streams `pages`; a record is new the first time its id is seen. */
async function drain(pages: PageRead<Item>[], limit = 100) {
  const seen = new Set<string>();
  const admit = (item: Item) => {
    if (seen.has(item.id)) return 'repeat';
    seen.add(item.id);
    return 'new' as const;
  };
  const source = (async function* () {
    yield* pages;
  })();
  const items = [];
  for await (const item of streamRecords(
    source,
    { add: admit, addUnreadable: () => {} },
    { what: 'listing', limit },
  ))
    items.push(item);
  return items;
}

describe('streamRecords', () => {
  it('asks the consumer about every record and yields it with the answer', async () => {
    const items = await drain([page([{ id: 'a' }, { id: 'b' }]), page([{ id: 'a' }, { id: 'c' }])]);
    expect(items).toEqual([
      { record: { id: 'a' }, admission: 'new' },
      { record: { id: 'b' }, admission: 'new' },
      { record: { id: 'a' }, admission: 'repeat' },
      { record: { id: 'c' }, admission: 'new' },
    ]);
  });

  it('passes over an ignored record repeated on its page or the next, not two pages later; never one without id', async () => {
    const items = await drain([
      page([{ id: 'a' }], [ignoredOf('x'), ignoredOf('x'), ignoredOf(null), ignoredOf(null)]),
      page([{ id: 'b' }], [ignoredOf('x'), ignoredOf('y')]),
      page([{ id: 'c' }], [ignoredOf('z')]),
      page([{ id: 'd' }], [ignoredOf('x'), ignoredOf('y')]),
    ]);
    const ignored = items.flatMap((item) => ('ignored' in item ? [item.ignored.rawId] : []));
    expect(ignored).toEqual(['x', null, null, 'y', 'z', 'x', 'y']);
  });

  it('3 pages in a row without a new record end the listing; 2 do not, and an empty page breaks the row', async () => {
    // A fresh page each time: the listing empties what it handed over.
    const again = () => page([{ id: 'a' }]);
    await expect(
      drain([page([{ id: 'a' }]), again(), again(), page([{ id: 'b' }]), again(), again()]),
    ).resolves.toHaveLength(6);
    await expect(
      drain([page([{ id: 'a' }]), again(), again(), page([]), again(), again()]),
    ).resolves.toHaveLength(5);
    const error = await drain([page([{ id: 'a' }]), again(), again(), again()]).catch((e) => e);
    expect(error).toMatchObject({
      kind: 'malformed',
      message: 'listing did not advance: 3 pages in a row brought no new valid record',
      httpStatus: 200,
      attempts: 2,
    });
    // Pages of ignored records only bring nothing new either.
    const junk = () => page([], [ignoredOf(null)]);
    await expect(drain([junk(), junk(), junk()])).rejects.toThrow(/did not advance/);
    await expect(drain([junk(), junk()])).resolves.toHaveLength(2);
  });

  it(`reads at most ${MAX_LISTED_RECORDS} records, counting every record received`, async () => {
    const big = (id: string, records: number) => page([{ id }], [], records);
    await expect(drain([big('a', MAX_LISTED_RECORDS - 1), big('b', 1)])).resolves.toHaveLength(2);
    const error = await drain([big('a', MAX_LISTED_RECORDS), big('b', 1)]).catch((e) => e);
    expect(error).toMatchObject({
      kind: 'malformed',
      message: `listing passed ${MAX_LISTED_RECORDS} records without ending`,
    });
  });

  it('reads at most ceil(1,000,000 / limit) + 100 pages, counting every page received', async () => {
    expect(maxPages(1_000)).toBe(1_100);
    expect(maxPages(100)).toBe(10_100);
    expect(maxPages(3)).toBe(333_434);
    const pages = (n: number) => Array.from({ length: n }, (_, i) => page([{ id: String(i) }]));
    await expect(drain(pages(101), 1_000_000)).resolves.toHaveLength(101);
    await expect(drain(pages(102), 1_000_000)).rejects.toThrow('listing passed 101 pages without ending');
  });
});

describe('a listing page', () => {
  const tasks = {
    listKey: 'tasks',
    countKey: 'task_count',
    parseRecord: (raw: Record<string, unknown>) => raw,
  };

  it('is a JSON object holding an array of records', () => {
    for (const body of [null, [], 'x', 3])
      expect(parseListing(body, tasks)).toBe('body is not a JSON object');
    expect(parseListing({}, tasks)).toEqual({ records: 0, items: [], ignored: [], total: 0 });
    expect(parseListing({ task_count: '0' }, tasks)).toEqual({
      records: 0,
      items: [],
      ignored: [],
      total: 0,
    });
    expect(parseListing({ task_count: 2 }, tasks)).toBe('"tasks" is not an array');
    expect(parseListing({ tasks: {} }, tasks)).toBe('"tasks" is not an array');
  });

  it('counts every record, ignores those that are not objects, and reads the total when it is a whole number', () => {
    const page = parseListing({ task_count: '12', tasks: [{ id: 'a' }, 3, null, ['x']] }, tasks);
    expect(page).toMatchObject({ records: 4, items: [{ id: 'a' }], total: 12 });
    expect(typeof page === 'object' && page.ignored.map((i) => i.reason)).toEqual(
      Array(3).fill('the record is not an object'),
    );
    const total = (count: unknown) =>
      (parseListing({ task_count: count, tasks: [] }, tasks) as { total?: number }).total;
    expect(total(7)).toBe(7);
    expect(total(0)).toBe(0);
    expect(total('123456789012345')).toBe(123_456_789_012_345);
    for (const bad of [-1, 1.5, 2 ** 53, '1234567890123456', '-1', '1e3', '', null, ['12'], [12]]) {
      expect(total(bad)).toBeUndefined();
    }
    const taskPage = parseTaskPage({ task_count: '7', tasks: [] });
    expect(typeof taskPage === 'object' && taskPage.total).toBe(7);
    const instances = parseInstancePage({ instance_num: 3, instances: [] });
    expect(typeof instances === 'object' && instances.total).toBe(3);
    expect(parseTaskPage({ instances: [] })).toEqual({ records: 0, items: [], ignored: [], total: 0 });
  });

  it(`is refused past ${MAX_CONTAINERS} objects and arrays, not counting brackets in strings`, () => {
    expect(tooManyContainers(`[${'{},'.repeat(MAX_CONTAINERS - 2)}{}]`)).toBeUndefined();
    expect(tooManyContainers(`[${'{},'.repeat(MAX_CONTAINERS - 1)}{}]`)).toBe(
      `response body holds more than ${MAX_CONTAINERS} JSON objects and arrays`,
    );
    expect(tooManyContainers(`["${'{['.repeat(MAX_CONTAINERS)}"]`)).toBeUndefined();
    expect(tooManyContainers(`["\\"${'{'.repeat(MAX_CONTAINERS)}"]`)).toBeUndefined();
    expect(tooManyContainers(`["\\\\"${'{'.repeat(MAX_CONTAINERS)}]`)).toMatch(/more than/);
  });
});

describe('task and instance records', () => {
  const old = '2026-01-01T00:00:00Z';
  const read = (record: Record<string, unknown>) => {
    const parsed = parseTaskPage({ tasks: [record] });
    if (typeof parsed === 'string') throw new Error(parsed);
    return parsed.items[0] ?? parsed.ignored[0]?.reason;
  };

  it('a task needs a path-safe id, a status and a readable created_at', () => {
    expect(read({ id: taskId(1), name: 'EXTEND', status: 'SUCCESS', created_at: old })).toEqual({
      id: taskId(1),
      name: 'EXTEND',
      status: 'SUCCESS',
      createdAt: old,
      createdAtMs: Date.parse(old),
    });
    for (const id of [undefined, null, ''])
      expect(read({ id, status: 'SUCCESS', created_at: old })).toBe('the record has no id');
    for (const id of ['../x', 7, '-a', 'a'.repeat(65)]) {
      expect(read({ id, status: 'SUCCESS', created_at: old })).toMatch(/^the id is not a valid task id/);
    }
    for (const status of [undefined, '', 3])
      expect(read({ id: 'a', status, created_at: old })).toBe('the record has no status');
    for (const createdAt of [
      undefined,
      5,
      '2026-01-01',
      '2026-13-45T00:00:00Z',
      'yesterday',
      [old],
      `x${old}`,
      `${old} `,
      '+002026-01-01T00:00:00Z',
      '2026-01-01T00:00:00Z0',
      '2026-01-01T00:00:00+08',
    ]) {
      expect(read({ id: 'a', status: 'SUCCESS', created_at: createdAt })).toBe(
        'the record has no readable created_at',
      );
    }
    expect(
      read({ id: 'a', status: 'SUCCESS', created_at: '2026-01-01T00:00:00.123456789+08:00' }),
    ).toMatchObject({
      createdAtMs: Date.parse('2026-01-01T00:00:00.123+08:00'),
    });
    expect(read({ id: 'a', status: 'SUCCESS', created_at: '2026-01-01T00:00:00+0800' })).toMatchObject({
      createdAtMs: Date.parse('2025-12-31T16:00:00Z'),
    });
    // Names are kept whole (exclusions match them whole); present but not a string, the record is ignored.
    for (const name of [7, ['EXTEND'], { name: 'EXTEND' }, true]) {
      expect(read({ id: 'a', status: 'SUCCESS', created_at: old, name })).toBe('no readable name');
    }
    for (const name of [undefined, null]) {
      expect(read({ id: 'a', status: 'SUCCESS', created_at: old, name })).toMatchObject({ name: null });
    }
    expect(
      read({ id: 'a', status: 'SUCCESS', created_at: old, name: 'n'.repeat(MAX_TASK_NAME) }),
    ).toMatchObject({
      name: 'n'.repeat(MAX_TASK_NAME),
    });
    expect(read({ id: 'a', status: 'SUCCESS', created_at: old, name: 'n'.repeat(MAX_TASK_NAME + 1) })).toBe(
      `the name is longer than ${MAX_TASK_NAME} characters`,
    );
    expect(read({ id: 'a', status: 'S'.repeat(64), created_at: old })).toMatchObject({
      status: 'S'.repeat(64),
    });
    expect(read({ id: 'a', status: 'S'.repeat(65), created_at: old })).toBe('the status is not a DCS status');
  });

  it('an unreadable record of a valid id carries the id; one whose id is not valid does not', () => {
    const page = parseTaskPage({
      tasks: [
        { id: taskId(1), status: null, created_at: old },
        { id: taskId(2), status: 'RUNNING', created_at: '2026-01-01 00:00:00' },
        { id: '../x', status: 'SUCCESS', created_at: old },
      ],
    });
    if (typeof page === 'string') throw new Error(page);
    expect(page.ignored.map((record) => record.id)).toEqual([taskId(1), taskId(2), undefined]);
  });

  it('an instance needs a UUID; name and status default to empty, tags to none', () => {
    const id = 'e2a3b1c0-1111-4222-8333-944455556666';
    const parsed = parseInstancePage({
      instance_num: 4,
      instances: [
        {
          instance_id: id,
          name: 'redis',
          status: 'RUNNING',
          tags: [{ key: 'a', value: 'b' }, { key: 1 }, null, { key: 'k', value: 5 }, { key: 5, value: 'v' }],
        },
        { instance_id: id, tags: 'x' },
        { instance_id: id, tags: { a: 'b' } },
        { instance_id: 'not-a-uuid' },
        { instance_id: 7 },
        { instance_id: [id] },
        {},
        { instance_id: null },
        { instance_id: '' },
      ],
    });
    if (typeof parsed === 'string') throw new Error(parsed);
    expect(parsed.items.map((i) => [i.name, i.status, [...i.tags]])).toEqual([
      ['redis', 'RUNNING', [['a', 'b']]],
      ['', '', []],
      ['', '', []],
    ]);
    expect(parsed.ignored.map((i) => i.reason)).toEqual([
      'the instance_id is not a UUID',
      'the instance_id is not a UUID',
      'the instance_id is not a UUID',
      ...Array(3).fill('the record has no instance_id'),
    ]);
    expect(parsed.total).toBe(4);
  });
});

describe('when a listing has ended', () => {
  const page = (records: number, total?: number) => ({ records, items: [], ignored: [], total });
  it('tasks: an empty page, or a short one unless task_count promises more', () => {
    const ended = taskListingEnded(100);
    expect(ended(page(0, 500), 100)).toBe(true);
    expect(ended(page(100), 100)).toBe(false);
    expect(ended(page(99), 99)).toBe(true);
    expect(ended(page(99, 300), 99)).toBe(false); // a server that caps limit at 99
    expect(ended(page(99, 99), 99)).toBe(true);
    expect(ended(page(99, 100), 99)).toBe(false);
    expect(ended(page(100, 100), 100)).toBe(false); // a full page: one more read says it is over
  });

  it('instances: an empty page, or once instance_num records were read', () => {
    expect(instanceListingEnded(page(0, 5000), 1000)).toBe(true);
    expect(instanceListingEnded(page(1000), 1000)).toBe(false);
    expect(instanceListingEnded(page(1000, 1001), 1000)).toBe(false);
    expect(instanceListingEnded(page(1000, 1000), 1000)).toBe(true);
    expect(instanceListingEnded(page(1, 1000), 1001)).toBe(true);
  });
});

describe('every record is handed to the consumer', () => {
  it('an ignored record of a valid id is a version of it; one without a usable id is not', async () => {
    const unreadable: string[] = [];
    const source = (async function* () {
      yield page(
        [],
        [{ rawId: '"a"', id: 'a', reason: 'x' }, { rawId: null, reason: 'y' }, ignoredOf('"../b"')],
      );
    })();
    const consumer = { add: () => 'new' as const, addUnreadable: (id: string) => unreadable.push(id) };
    for await (const _ of streamRecords(source, consumer, { what: 'listing', limit: 10 }));
    expect(unreadable).toEqual(['a']);
  });
});

describe('an instance record that cannot be read', () => {
  it('a name or status present but not text: ignored, still a version of its valid id', () => {
    const id = 'e2a3b1c0-1111-4222-8333-944455556666';
    const parsed = parseInstancePage({
      instances: [
        { instance_id: id, name: 5 },
        { instance_id: id, status: { value: 'RUNNING' } },
        { instance_id: id, name: null, status: null },
      ],
    });
    if (typeof parsed === 'string') throw new Error(parsed);
    expect(parsed.ignored.map((r) => [r.id, r.reason])).toEqual([
      [id, 'the name or status is not text'],
      [id, 'the name or status is not text'],
    ]);
    expect(parsed.items.map((i) => [i.name, i.status])).toEqual([['', '']]);
  });
});
