/**
 * The `capacity` best items seen, by `before` (a strict order), with lookup by key: a heap whose root is the
 * worst item held, so each offer costs O(log capacity) however many items pass through. Once an item was
 * turned away, only items better than every one turned away are taken, even after a removal left room: so
 * the items held are always exactly those offered (and not removed) that are better than the best one
 * turned away, and removing r items leaves the capacity − r best of the rest held.
 */
export class BestOf<T> {
  readonly #capacity: number;
  readonly #before: (a: T, b: T) => boolean;
  readonly #keyOf: (item: T) => string;
  /** Worst first: heap[0] is the item the next better one replaces. */
  readonly #heap: T[] = [];
  readonly #byKey = new Map<string, T>();
  /** The best item turned away (evicted or refused), if any. */
  #bar: T | undefined;

  /** `before(a, b)`: a is better than b. */
  constructor(capacity: number, before: (a: T, b: T) => boolean, keyOf: (item: T) => string) {
    this.#capacity = capacity;
    this.#before = before;
    this.#keyOf = keyOf;
  }

  get size(): number {
    return this.#heap.length;
  }

  get(key: string): T | undefined {
    return this.#byKey.get(key);
  }

  /** Holds `item` if it is among the best; the caller makes sure its key is not held yet. */
  offer(item: T): void {
    if (this.#bar !== undefined && !this.#before(item, this.#bar)) return;
    if (this.#heap.length < this.#capacity) {
      this.#heap.push(item);
      this.#byKey.set(this.#keyOf(item), item);
      this.#up(this.#heap.length - 1);
      return;
    }
    const worst = this.#heap[0];
    if (worst === undefined || !this.#before(item, worst)) {
      this.#bar = item;
      return;
    }
    this.#bar = worst;
    this.#byKey.delete(this.#keyOf(worst));
    this.#heap[0] = item;
    this.#byKey.set(this.#keyOf(item), item);
    this.#down(0);
  }

  remove(key: string): void {
    const item = this.#byKey.get(key);
    if (item === undefined) return;
    this.#byKey.delete(key);
    const index = this.#heap.indexOf(item);
    const last = this.#heap.pop() as T;
    if (index === this.#heap.length) return;
    this.#heap[index] = last;
    this.#down(index);
    this.#up(index);
  }

  /** Everything held, best first. */
  sorted(): T[] {
    return [...this.#heap].sort((a, b) => (this.#before(a, b) ? -1 : this.#before(b, a) ? 1 : 0));
  }

  /** The worse of two heap slots sits higher. */
  #worse(i: number, j: number): boolean {
    return this.#before(this.#heap[j] as T, this.#heap[i] as T);
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
    const n = this.#heap.length;
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
    const heap = this.#heap;
    [heap[i], heap[j]] = [heap[j] as T, heap[i] as T];
  }
}
