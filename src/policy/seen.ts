// What one listing has shown so far, for every record of it, in a compact table (docs/safety.md, "A listing
// that contradicts itself"): a 64-bit keyed hash of each key, a 32-bit keyed fingerprint of its facts and a
// state byte, 13 bytes a slot, never the records. Hashes are keyed with random seeds per table, so a server
// cannot craft collisions. A collision can only make two keys one (a repeat or a ban) or two versions one
// (a repeat): the selector compares the records it holds exactly, so neither can let a delete through.

/** How a key was seen: first time, again with the same facts, with other facts, or already banned. */
export type Sighting = 'new' | 'same' | 'other' | 'banned';

const EMPTY = 0;
const SEEN = 1;
/** A flag the owner may set on a seen key (the selector: "counted as eligible"). */
export const MARKED = 2;
const BANNED = 4;

const INITIAL_SLOTS = 1024;
/** Grown by half when fuller than this: linear probing stays short, memory about 20 bytes a record. */
const MAX_LOAD = 0.8;
const GROWTH = 1.5;

export interface SeenTableOptions {
  random?: () => number;
  keyHash?: (key: string, seed: number) => number;
}

export class SeenTable {
  readonly #seeds: [number, number, number];
  /** Per slot: id hash (two words), facts fingerprint. */
  #words = new Uint32Array(INITIAL_SLOTS * 3);
  #states = new Uint8Array(INITIAL_SLOTS);
  #size = 0;
  /** The slot of the last key seen. */
  #slot = 0;
  readonly #keyHash: (key: string, seed: number) => number;

  /**
   * `random` seeds the hashes; `keyHash` replaces the key hash (tests make keys collide with it, to show
   * that a collision can only ban an id or make a repeat).
   */
  constructor({ random = Math.random, keyHash = hashString }: SeenTableOptions = {}) {
    const seed = () => Math.floor(random() * 0x1_0000_0000) >>> 0;
    this.#seeds = [seed(), seed(), seed()];
    this.#keyHash = keyHash;
  }

  /** Distinct keys seen. */
  get size(): number {
    return this.#size;
  }

  /** A fingerprint of a record's facts, keyed like this table's hashes. */
  fingerprint(...facts: ReadonlyArray<string | number>): number {
    let hash = this.#seeds[2];
    for (const fact of facts) {
      hash = typeof fact === 'number' ? mixNumber(hash, fact) : mixString(hash, fact);
      hash = mixWord(hash, 0x9e37_79b9);
    }
    return finish(hash);
  }

  /** Looks `key` up and enters it with `facts` when new; later calls about it act on this key. */
  see(key: string, facts: number): Sighting {
    // Stryker disable next-line EqualityOperator,ArithmeticOperator: growing one key sooner or later changes nothing seen.
    if ((this.#size + 1) / this.#states.length > MAX_LOAD) this.#grow();
    const a = this.#keyHash(key, this.#seeds[0]);
    const b = this.#keyHash(key, this.#seeds[1]);
    const slot = this.#find(a, b);
    this.#slot = slot;
    const state = this.#states[slot] as number;
    if (state === EMPTY) {
      const words = this.#words;
      words[slot * 3] = a;
      words[slot * 3 + 1] = b;
      words[slot * 3 + 2] = facts;
      this.#states[slot] = SEEN;
      this.#size++;
      return 'new';
    }
    if (state & BANNED) return 'banned';
    return this.#words[slot * 3 + 2] === facts ? 'same' : 'other';
  }

  /** Bans the key last seen: every later sighting of it is 'banned'. */
  ban(): void {
    this.#states[this.#slot] = (this.#states[this.#slot] as number) | BANNED;
  }

  mark(): void {
    this.#states[this.#slot] = (this.#states[this.#slot] as number) | MARKED;
  }

  /** Whether the key last seen was marked. */
  isMarked(): boolean {
    return ((this.#states[this.#slot] as number) & MARKED) !== 0;
  }

  /**
   * The identity of the key last seen, as this table tells keys apart (two keys whose hashes collide share
   * it): whatever an owner holds of a key under it, a ban of that key reaches.
   */
  identity(): string {
    return `${this.#words[this.#slot * 3]}:${this.#words[this.#slot * 3 + 1]}`;
  }

  /** The slot holding (a, b), or the empty slot where it goes. */
  #find(a: number, b: number): number {
    const slots = this.#states.length;
    // The high bits of the hash pick the slot for any table size (Lemire's reduction).
    let slot = Math.floor((a / 0x1_0000_0000) * slots);
    for (;;) {
      if (this.#states[slot] === EMPTY) return slot;
      if (this.#words[slot * 3] === a && this.#words[slot * 3 + 1] === b) return slot;
      slot = slot + 1 === slots ? 0 : slot + 1;
    }
  }

  #grow(): void {
    const words = this.#words;
    const states = this.#states;
    const slots = Math.ceil(states.length * GROWTH);
    this.#words = new Uint32Array(slots * 3);
    this.#states = new Uint8Array(slots);
    states.forEach((state, old) => {
      // Stryker disable next-line ConditionalExpression: copying an empty slot writes an empty slot.
      if (state === EMPTY) return;
      const slot = this.#find(words[old * 3] as number, words[old * 3 + 1] as number);
      for (let word = 0; word < 3; word++) this.#words[slot * 3 + word] = words[old * 3 + word] as number;
      this.#states[slot] = state;
    });
  }
}

/** MurmurHash3-style, 32 bits. */
export function hashString(text: string, seed: number): number {
  return finish(mixString(seed, text));
}

function mixString(hash: number, text: string): number {
  let h = mixWord(hash, text.length);
  for (let i = 0; i < text.length; i++) h = mixWord(h, text.charCodeAt(i));
  return h;
}

/** A number as its two 32-bit halves (exact for every integer a date can be); `| 0` keeps the low one. */
function mixNumber(hash: number, value: number): number {
  return mixWord(mixWord(hash, Math.floor(value / 0x1_0000_0000) | 0), value | 0);
}

/** One MurmurHash3 round. */
function mixWord(hash: number, word: number): number {
  let k = Math.imul(word, 0xcc9e_2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b87_3593);
  const h = hash ^ k;
  return (Math.imul((h << 13) | (h >>> 19), 5) + 0xe654_6b64) | 0;
}

/** MurmurHash3's finaliser: every input bit reaches every output bit. */
function finish(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85eb_ca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2_ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
