// The compact table of seen ids (src/policy/seen.ts) and the bounded heap (src/policy/best-of.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BestOf } from '../src/policy/best-of.js';
import { hashString, MIN_SLOTS, SeenTable, UNREADABLE_FACTS } from '../src/policy/seen.js';
import { seededRandom } from '../src/simulator/random.js';

describe('SeenTable', () => {
  it('tells new, same, other and banned apart, and keeps a mark per key through its handle', () => {
    const table = new SeenTable({ initialSlots: 1024, random: seededRandom(1) });
    const facts = table.fingerprint('SUCCESS', 1_700_000_000_000, 'EXTEND');
    const a = table.see('a', facts);
    expect(a.kind).toBe('new');
    expect(a.marked).toBe(false);
    a.mark();
    const b = table.see('b', facts);
    expect(b.kind).toBe('new');
    expect(b.marked).toBe(false);
    expect(table.see('a', facts)).toMatchObject({ kind: 'same', marked: true, identity: a.identity });
    const other = table.see('a', facts + 8);
    expect(other.kind).toBe('other');
    other.ban();
    expect(other.marked).toBe(true);
    expect(table.see('a', facts).kind).toBe('banned');
    expect(table.see('b', facts).kind).toBe('same');
    expect(table.size).toBe(2);
  });

  it('unreadable facts agree with no fingerprint: a readable version of the key is always other', () => {
    const table = new SeenTable({ initialSlots: 8, random: seededRandom(9) });
    for (let n = 0; n < 20_000; n++) expect(table.fingerprint('S', n, null)).not.toBe(UNREADABLE_FACTS);
    expect(table.see('a', UNREADABLE_FACTS).kind).toBe('new');
    expect(table.see('a', UNREADABLE_FACTS).kind).toBe('same');
    expect(table.see('a', table.fingerprint('SUCCESS', 1, 'x')).kind).toBe('other');
    expect(table.fingerprint('x', null)).not.toBe(table.fingerprint('x', ''));
  });

  it('starts small, refuses fewer than 8 slots, and grows from the least without a hang', () => {
    expect(new SeenTable().slots).toBeLessThanOrEqual(256);
    for (const initialSlots of [0, 1, 7, 7.5, Number.NaN]) {
      expect(() => new SeenTable({ initialSlots })).toThrow(`at least ${MIN_SLOTS}`);
    }
    const table = new SeenTable({ initialSlots: MIN_SLOTS, random: seededRandom(10) });
    for (let n = 0; n < 1_000; n++) expect(table.see(`k${n}`, 8).kind).toBe('new');
    expect(table.size).toBe(1_000);
    expect(table.slots).toBe(2048); // 1,000 keys past 0.85 of 1,024
    for (let n = 0; n < 1_000; n++) expect(table.see(`k${n}`, 8).kind).toBe('same');
  });

  it('grows exactly when the next key would pass 0.85 load', () => {
    const table = new SeenTable({ initialSlots: 20, random: seededRandom(11) });
    for (let n = 0; n < 17; n++) table.see(`k${n}`, 8); // 17 = 0.85 × 20
    expect(table.slots).toBe(20);
    table.see('k17', 8);
    expect(table.slots).toBe(40);
  });

  it('growth keeps a key whose 48-bit hash is 0 (an empty slot is not copied over it)', () => {
    const zero = new Set(['zero']);
    for (const last of [false, true]) {
      const table = new SeenTable({
        initialSlots: 8,
        random: () => 0,
        // 'zero' hashes to 0 in both halves; the others spread (and may also start at slot 0).
        keyHash: (key) => (zero.has(key) ? 0 : hashString(key, 77)),
      });
      const keys = Array.from({ length: 40 }, (_, n) => `k${n}`);
      const order = last ? [...keys.slice(0, 6), 'zero', ...keys.slice(6)] : ['zero', ...keys];
      for (const key of order) table.see(key, 8).mark();
      const again = table.see('zero', 16);
      expect(again.kind).toBe('other');
      expect(again.marked).toBe(true);
      expect(again.identity).toBe(0);
    }
  });

  it('grows without losing a key: 20,000 keys, each found again with its facts and state', () => {
    const table = new SeenTable({ initialSlots: 1024, random: seededRandom(2) });
    const keys = Array.from(
      { length: 20_000 },
      (_, n) => `ff8080818c0a1b2c${n.toString(16).padStart(16, '0')}`,
    );
    keys.forEach((key, n) => {
      const sighting = table.see(key, n * 8);
      if (sighting.kind !== 'new') throw new Error(`${key} was not new`);
      if (n % 3 === 0) sighting.mark();
      if (n % 7 === 0) sighting.ban();
    });
    expect(table.size).toBe(keys.length);
    keys.forEach((key, n) => {
      const expected = n % 7 === 0 ? 'banned' : 'same';
      const sighting = table.see(key, n * 8 + 7);
      if (sighting.kind !== expected) throw new Error(`${key}: ${sighting.kind}`);
      if (sighting.marked !== (n % 3 === 0)) throw new Error(`${key}: mark lost`);
    });
    expect(table.see(keys[1] as string, 0).kind).toBe('other');
    expect(table.see('not-seen', 0).kind).toBe('new');
  });

  it('fingerprints: equal facts equal, any change in a string, a number or their order differs', () => {
    const table = new SeenTable({ initialSlots: 1024, random: seededRandom(3) });
    const base = table.fingerprint('SUCCESS', 1_700_000_000_123, 'EXTEND');
    expect(table.fingerprint('SUCCESS', 1_700_000_000_123, 'EXTEND')).toBe(base);
    const variants = [
      table.fingerprint('FAILED', 1_700_000_000_123, 'EXTEND'),
      table.fingerprint('SUCCESS', 1_700_000_000_124, 'EXTEND'),
      table.fingerprint('SUCCESS', 1_700_000_000_123 + 2 ** 32, 'EXTEND'),
      table.fingerprint('SUCCESS', 1_700_000_000_123, 'EXTENDS'),
      table.fingerprint('SUCCES', 'S', 1_700_000_000_123, 'EXTEND'),
      table.fingerprint(1_700_000_000_123, 'SUCCESS', 'EXTEND'),
      table.fingerprint('SUCCESS', -1_700_000_000_123, 'EXTEND'),
      table.fingerprint('SUCCESS', 1_700_000_000_123),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
    for (const value of [base, ...variants]) expect(value >>> 0).toBe(value);
  });

  it('keys and fingerprints depend on the table’s random seeds, so a server cannot aim a collision', () => {
    const one = new SeenTable({ initialSlots: 1024, random: seededRandom(4) });
    const same = new SeenTable({ initialSlots: 1024, random: seededRandom(4) });
    const other = new SeenTable({ initialSlots: 1024, random: seededRandom(5) });
    expect(one.fingerprint('x', 1)).toBe(same.fingerprint('x', 1));
    expect(one.fingerprint('x', 1)).not.toBe(other.fingerprint('x', 1));
  });

  it('the hashes are pinned: a change to them is a change to review', () => {
    expect([
      hashString('', 0),
      hashString('a', 0),
      hashString('ff8080818c0a1b2c018c0a1b2c3d0001', 42),
    ]).toEqual([4279838538, 1395880867, 1195770071]);
    const table = new SeenTable({ initialSlots: 1024, random: seededRandom(7) });
    expect([
      table.fingerprint('SUCCESS', 1_700_000_000_123, 'EXTEND'),
      table.fingerprint(-1),
      table.fingerprint(2 ** 40 + 5),
    ]).toEqual([2894921048, 903639056, 23185864]);
  });

  it('keys whose hashes collide in either half, or both, stay apart; probing wraps past either end', () => {
    const seeds = () => {
      const values = [0, 1 / 0x1_0000_0000, 2 / 0x1_0000_0000]; // seeds 0, 1 and 2: the two key halves, the facts
      return () => values.shift() ?? 0;
    };
    // Every key starts at the first slot, or the last; one half or the other (or both) the same for all.
    for (const start of [0, 0xffff_ffff]) {
      for (const same of [[0], [1], [0, 1]]) {
        const table = new SeenTable({
          initialSlots: 1024,
          random: seeds(),
          // The other half differs where the table keeps it: the first half in its low bits (so every key
          // still starts at the same slot), the second in its high 16 bits.
          keyHash: (key, seed) => {
            if (same.includes(seed)) return start;
            const c = key.charCodeAt(0);
            return seed === 0 ? (start === 0 ? c : start - c) : c * 0x1_0000;
          },
        });
        const keys = same.length === 2 ? ['a'] : ['a', 'b', 'c', 'd'];
        for (const key of keys) expect(table.see(key, 8).kind).toBe('new');
        for (const key of keys) expect(table.see(key, 8).kind).toBe('same');
        // Both halves alike: one key to the table.
        if (same.length === 2) expect(table.see('b', 16).kind).toBe('other');
      }
    }
  });

  it('identity tells keys apart as the table does, and stays through growth', () => {
    const table = new SeenTable({ initialSlots: 1024, random: seededRandom(8) });
    const identities = new Map<string, number>();
    for (let n = 0; n < 5_000; n++) {
      identities.set(`key-${n}`, table.see(`key-${n}`, n).identity);
    }
    expect(new Set(identities.values()).size).toBe(5_000);
    for (const [key, identity] of identities) {
      if (table.see(key, 0).identity !== identity) throw new Error(`${key}: identity changed`);
    }
    expect(
      [...identities.values()].every((identity) => Number.isSafeInteger(identity) && identity >= 0),
    ).toBe(true);
  });

  it('property: behaves as a map from key to facts with a ban flag', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom('a', 'b', 'c', 'd', 'ab', 'ba', ''),
            fc.integer({ min: 0, max: 2 }),
            fc.boolean(),
          ),
        ),
        (steps) => {
          const table = new SeenTable({ initialSlots: 1024, random: seededRandom(6) });
          const model = new Map<string, { facts: number; banned: boolean }>();
          for (const [key, facts, ban] of steps) {
            const known = model.get(key);
            const expected = !known
              ? 'new'
              : known.banned
                ? 'banned'
                : known.facts === facts
                  ? 'same'
                  : 'other';
            const sighting = table.see(key, facts * 8);
            expect(sighting.kind).toBe(expected);
            if (!known) model.set(key, { facts, banned: false });
            if (ban) {
              sighting.ban();
              (model.get(key) as { banned: boolean }).banned = true;
            }
          }
          expect(table.size).toBe(model.size);
        },
      ),
    );
  });
});

describe('BestOf', () => {
  const before = (a: number, b: number) => a < b;
  const key = (n: number) => String(n);

  it('holds the capacity best, best first, and looks them up by key', () => {
    const best = new BestOf<number, string>(3, before);
    for (const n of [5, 1, 9, 3, 7, 2]) best.offer(n, key(n));
    expect(best.sorted()).toEqual([1, 2, 3]);
    expect(best.size).toBe(3);
    expect(best.get('2')).toBe(2);
    expect(best.get('5')).toBeUndefined();
  });

  it('after a removal, takes only what beats everything turned away', () => {
    const best = new BestOf<number, string>(2, before);
    for (const n of [1, 2, 3]) best.offer(n, key(n)); // 3 turned away
    best.remove('1');
    best.offer(4, '4'); // worse than 3: not taken, though there is room
    expect(best.sorted()).toEqual([2]);
    best.offer(3, '3'); // equal to what was turned away: not taken either
    expect(best.sorted()).toEqual([2]);
    best.offer(0, '0');
    expect(best.sorted()).toEqual([0, 2]);
  });

  it('capacity 0 holds nothing; removing an unknown key changes nothing', () => {
    const none = new BestOf<number, string>(0, before);
    none.offer(1, '1');
    expect(none.sorted()).toEqual([]);
    const best = new BestOf<number, string>(2, before);
    best.offer(1, '1');
    best.remove('7');
    expect(best.sorted()).toEqual([1]);
  });

  it('property: the same as a plain list kept by the same rule', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 40 }))),
        (capacity, steps) => {
          const best = new BestOf<number, string>(capacity, before);
          let held: number[] = [];
          let bar: number | undefined;
          for (const [isOffer, n] of steps) {
            if (isOffer) {
              if (held.includes(n)) continue; // the caller never offers a key held
              best.offer(n, key(n));
              if (bar !== undefined && n >= bar) continue;
              if (held.length < capacity) held.push(n);
              else {
                const worst = Math.max(...held);
                if (held.length === 0 || n >= worst) bar = n;
                else {
                  bar = worst;
                  held = [...held.filter((h) => h !== worst), n];
                }
              }
            } else {
              best.remove(key(n));
              held = held.filter((h) => h !== n);
            }
            expect(best.sorted()).toEqual([...held].sort((a, b) => a - b));
            expect(best.size).toBe(held.length);
            for (const h of held) expect(best.get(key(h))).toBe(h);
          }
        },
      ),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) },
    );
  });
});
