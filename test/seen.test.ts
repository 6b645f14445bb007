// The compact table of seen ids (src/policy/seen.ts) and the bounded heap (src/policy/best-of.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BestOf } from '../src/policy/best-of.js';
import { hashString, SeenTable } from '../src/policy/seen.js';
import { seededRandom } from '../src/simulator/random.js';

describe('SeenTable', () => {
  it('tells new, same, other and banned apart, and keeps a mark per key', () => {
    const table = new SeenTable({ initialSlots: 1024, random: seededRandom(1) });
    const facts = table.fingerprint('SUCCESS', 1_700_000_000_000, 'EXTEND');
    expect(table.see('a', facts)).toBe('new');
    expect(table.isMarked()).toBe(false);
    table.mark();
    expect(table.see('b', facts)).toBe('new');
    expect(table.isMarked()).toBe(false);
    expect(table.see('a', facts)).toBe('same');
    expect(table.isMarked()).toBe(true);
    expect(table.see('a', facts + 8)).toBe('other');
    table.ban();
    expect(table.isMarked()).toBe(true);
    expect(table.see('a', facts)).toBe('banned');
    expect(table.see('b', facts)).toBe('same');
    expect(table.size).toBe(2);
  });

  it('grows without losing a key: 100,000 keys, each found again with its facts and state', () => {
    const table = new SeenTable({ initialSlots: 1024, random: seededRandom(2) });
    const keys = Array.from(
      { length: 100_000 },
      (_, n) => `ff8080818c0a1b2c${n.toString(16).padStart(16, '0')}`,
    );
    keys.forEach((key, n) => {
      if (table.see(key, n * 8) !== 'new') throw new Error(`${key} was not new`);
      if (n % 3 === 0) table.mark();
      if (n % 7 === 0) table.ban();
    });
    expect(table.size).toBe(keys.length);
    keys.forEach((key, n) => {
      const expected = n % 7 === 0 ? 'banned' : 'same';
      if (table.see(key, n * 8 + 7) !== expected) throw new Error(`${key}: ${table.see(key, n * 8)}`);
      if (table.isMarked() !== (n % 3 === 0)) throw new Error(`${key}: mark lost`);
    });
    expect(table.see(keys[1] as string, 0)).toBe('other');
    expect(table.see('not-seen', 0)).toBe('new');
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
    ]).toEqual([2894921048, 903639062, 23185871]);
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
        for (const key of keys) expect(table.see(key, 8)).toBe('new');
        for (const key of keys) expect(table.see(key, 8)).toBe('same');
        // Both halves alike: one key to the table.
        if (same.length === 2) expect(table.see('b', 16)).toBe('other');
      }
    }
  });

  it('identity tells keys apart as the table does, and stays through growth', () => {
    const table = new SeenTable({ initialSlots: 1024, random: seededRandom(8) });
    const identities = new Map<string, number>();
    for (let n = 0; n < 5_000; n++) {
      table.see(`key-${n}`, n);
      identities.set(`key-${n}`, table.identity());
    }
    expect(new Set(identities.values()).size).toBe(5_000);
    for (const [key, identity] of identities) {
      table.see(key, 0);
      if (table.identity() !== identity) throw new Error(`${key}: identity changed`);
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
            expect(table.see(key, facts * 8)).toBe(expected);
            if (!known) model.set(key, { facts, banned: false });
            if (ban) {
              table.ban();
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
      { numRuns: 300 },
    );
  });
});
