// What one listing has shown so far, for every record of it, in a compact table (docs/safety.md, "A listing
// that contradicts itself"): a 48-bit keyed hash of each key, a 29-bit keyed fingerprint of its facts and
// three state bits, 10 bytes a slot, never the records. Hashes are keyed with random seeds per table, so a
// server cannot craft collisions. A collision can only make two keys one (a repeat or a ban) or two versions
// one (a repeat): the selector compares the records it holds exactly, so neither can let a delete through.

/** How a key was seen: first time, again with the same facts, with other facts, or already banned. */
export type Sighting = 'new' | 'same' | 'other' | 'banned';

// The low three bits of a slot's facts word; the fingerprint takes the other 29. A slot without SEEN is empty.
const SEEN = 1;
/** A flag the owner may set on a seen key (the selector: "counted as eligible"). */
const MARKED = 2;
const BANNED = 4;
const FLAGS = 7;

/**
 * Room for 111,000 keys from the start (1.3 MB): most listings never grow the table, and growing is what leaves
 * dead arrays for the garbage collector while many instances list at once.
 */
const INITIAL_SLOTS = 131_072;
/**
 * Doubled when fuller than this: linear probing stays short, and a table of n keys takes 12 to 24 bytes a key
 * (a listing's most, 1,000,000 keys, 12 to 24 MB). Fewer, larger steps leave less for the garbage collector.
 */
const MAX_LOAD = 0.85;

export interface SeenTableOptions {
  random?: () => number;
  keyHash?: (key: string, seed: number) => number;
  /** Slots to start with (tests start small, so that tables grow). */
  initialSlots?: number;
}

export class SeenTable {
  readonly #seeds: [number, number, number];
  /** Per slot: the key's hash, 32 bits and then 16 more; its facts' fingerprint with the state flags. */
  #high: Uint32Array;
  #low: Uint16Array;
  #facts: Uint32Array;
  #size = 0;
  /** The slot of the last key seen. */
  #slot = 0;
  readonly #keyHash: (key: string, seed: number) => number;

  /**
   * `random` seeds the hashes; `keyHash` replaces the key hash (tests make keys collide with it, to show
   * that a collision can only ban an id or make a repeat).
   */
  constructor({
    random = Math.random,
    keyHash = hashString,
    initialSlots = INITIAL_SLOTS,
  }: SeenTableOptions = {}) {
    const seed = () => Math.floor(random() * 0x1_0000_0000) >>> 0;
    this.#seeds = [seed(), seed(), seed()];
    this.#keyHash = keyHash;
    this.#high = new Uint32Array(initialSlots);
    this.#low = new Uint16Array(initialSlots);
    this.#facts = new Uint32Array(initialSlots);
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

  /**
   * Looks `key` up and enters it with `facts` (a fingerprint: its low three bits are not kept) when new;
   * later calls about it act on this key.
   */
  see(key: string, facts: number): Sighting {
    // Stryker disable next-line EqualityOperator,ArithmeticOperator: growing one key sooner or later changes nothing seen.
    if ((this.#size + 1) / this.#facts.length > MAX_LOAD) this.#grow();
    const high = this.#keyHash(key, this.#seeds[0]) >>> 0;
    const low = this.#keyHash(key, this.#seeds[1]) >>> 16;
    const slot = this.#find(high, low);
    this.#slot = slot;
    const word = this.#facts[slot] as number;
    if (word === 0) {
      this.#high[slot] = high;
      this.#low[slot] = low;
      this.#facts[slot] = ((facts & ~FLAGS) | SEEN) >>> 0;
      this.#size++;
      return 'new';
    }
    if (word & BANNED) return 'banned';
    return (word & ~FLAGS) >>> 0 === (facts & ~FLAGS) >>> 0 ? 'same' : 'other';
  }

  /** Bans the key last seen: every later sighting of it is 'banned'. */
  ban(): void {
    this.#flag(BANNED);
  }

  mark(): void {
    this.#flag(MARKED);
  }

  /** Whether the key last seen was marked. */
  isMarked(): boolean {
    return ((this.#facts[this.#slot] as number) & MARKED) !== 0;
  }

  /**
   * The identity of the key last seen: its 48-bit hash (keys whose hashes collide share it), so that
   * whatever an owner holds of a key under it, a ban of that key reaches.
   */
  identity(): number {
    // Stryker disable next-line ArithmeticOperator: high * 65536 - low is one-to-one too (low < 65536).
    return (this.#high[this.#slot] as number) * 0x1_0000 + (this.#low[this.#slot] as number);
  }

  #flag(flag: number): void {
    this.#facts[this.#slot] = (this.#facts[this.#slot] as number) | flag;
  }

  /** The slot holding (high, low), or the empty slot where it goes. */
  #find(high: number, low: number): number {
    const slots = this.#facts.length;
    // The high bits of the hash pick the slot for any table size (Lemire's reduction).
    let slot = Math.floor((high / 0x1_0000_0000) * slots);
    for (;;) {
      if (this.#facts[slot] === 0) return slot;
      if (this.#high[slot] === high && this.#low[slot] === low) return slot;
      // Stryker disable next-line ArithmeticOperator: wrapping one step later reads past the end (undefined: neither empty nor a match), then wraps.
      slot = slot + 1 === slots ? 0 : slot + 1;
    }
  }

  #grow(): void {
    const [high, low, facts] = [this.#high, this.#low, this.#facts];
    const slots = facts.length * 2;
    this.#high = new Uint32Array(slots);
    this.#low = new Uint16Array(slots);
    this.#facts = new Uint32Array(slots);
    facts.forEach((word, old) => {
      // Stryker disable next-line ConditionalExpression: copying an empty slot writes an empty slot.
      if (word === 0) return;
      const slot = this.#find(high[old] as number, low[old] as number);
      this.#high[slot] = high[old] as number;
      this.#low[slot] = low[old] as number;
      this.#facts[slot] = word;
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
