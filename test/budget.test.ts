// The run's budget of listing-page bytes (src/http/budget.ts): first come, first served, never overdrawn.
import { describe, expect, it } from 'vitest';
import { ByteBudget } from '../src/http/budget.js';

describe('ByteBudget', () => {
  it('grants in order, waits for room, and takes back what a page did not use', async () => {
    const budget = new ByteBudget(10);
    const first = await budget.reserve(8);
    const granted: string[] = [];
    const big = budget.reserve(6).then((reservation) => {
      granted.push('big');
      return reservation;
    });
    // Room for a small one, but it queues behind the big one: a large page is never starved.
    const small = budget.reserve(2).then((reservation) => {
      granted.push('small');
      return reservation;
    });
    await Promise.resolve();
    expect(granted).toEqual([]);
    first.shrink(3); // the page took 3 of its 8: room for the big one, not yet for the small one after it
    await Promise.resolve();
    expect(granted).toEqual(['big']);
    expect(budget.free).toBe(1);
    first.release();
    await Promise.resolve();
    expect(granted).toEqual(['big', 'small']);
    expect(budget.free).toBe(2);
    (await big).release();
    (await big).release(); // twice is once
    (await small).shrink(5); // never grows
    expect(budget.free).toBe(8);
  });

  it('refuses a reservation larger than the whole budget', () => {
    expect(() => new ByteBudget(4).reserve(5)).toThrow(RangeError);
  });
});
