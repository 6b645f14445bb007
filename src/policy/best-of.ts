/**
 * The `capacity` best items seen, by `before` (a strict order), each held under the key its caller gives: a
 * heap whose root is the worst item held, so each offer costs O(log capacity) however many items pass
 * through. Once an item was turned away, only items better than every one turned away are taken, even after
 * a removal left room: so the items held are always exactly those offered (and not removed) that are better
 * than the best one turned away, and removing r items leaves the capacity − r best of the rest held.
 */
export class BestOf<T, K> {
  readonly #capacity: number;
  readonly #before: (a: T, b: T) => boolean;
  /** Worst first: items[0] is the item the next better one replaces; keys[i] is items[i]'s key. */
  readonly #items: T[] = [];
  readonly #keys: K[] = [];
  readonly #byKey = new Map<K, T>();
  /** The best item turned away (evicted or refused), if any. */
  #bar: T | undefined;

  /** `before(a, b)`: a is better than b. */
  constructor(capacity: number, before: (a: T, b: T) => boolean) {
    this.#capacity = capacity;
    this.#before = before;
  }

  get size(): number {
    return this.#items.length;
  }

  get(key: K): T | undefined {
    return this.#byKey.get(key);
  }

  /** Holds `item` under `key` if it is among the best; the caller makes sure the key is not held yet. */
  offer(item: T, key: K): void {
    if (this.#bar !== undefined && !this.#before(item, this.#bar)) return;
    if (this.#items.length < this.#capacity) {
      this.#items.push(item);
      this.#keys.push(key);
      this.#byKey.set(key, item);
      this.#up(this.#items.length - 1);
      return;
    }
    const worst = this.#items[0];
    if (worst === undefined || !this.#before(item, worst)) {
      this.#bar = item;
      return;
    }
    this.#bar = worst;
    this.#byKey.delete(this.#keys[0] as K);
    this.#items[0] = item;
    this.#keys[0] = key;
    this.#byKey.set(key, item);
    this.#down(0);
  }

  remove(key: K): void {
    if (!this.#byKey.delete(key)) return;
    const index = this.#keys.indexOf(key);
    const lastItem = this.#items.pop() as T;
    const lastKey = this.#keys.pop() as K;
    if (index === this.#items.length) return;
    this.#items[index] = lastItem;
    this.#keys[index] = lastKey;
    this.#down(index);
    this.#up(index);
  }

  /** Everything held, best first. */
  sorted(): T[] {
    return [...this.#items].sort((a, b) => (this.#before(a, b) ? -1 : this.#before(b, a) ? 1 : 0));
  }

  /** The worse of two heap slots sits higher. */
  #worse(i: number, j: number): boolean {
    return this.#before(this.#items[j] as T, this.#items[i] as T);
  }

  #up(index: number): void {
    for (let i = index; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.#worse(i, parent)) return;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #down(index: number): void {
    const n = this.#items.length;
    for (let i = index; ; ) {
      const left = 2 * i + 1;
      const right = left + 1;
      let worst = i;
      if (left < n && this.#worse(left, worst)) worst = left;
      if (right < n && this.#worse(right, worst)) worst = right;
      if (worst === i) return;
      this.#swap(i, worst);
      i = worst;
    }
  }

  #swap(i: number, j: number): void {
    const [items, keys] = [this.#items, this.#keys];
    [items[i], items[j]] = [items[j] as T, items[i] as T];
    [keys[i], keys[j]] = [keys[j] as K, keys[i] as K];
  }
}
