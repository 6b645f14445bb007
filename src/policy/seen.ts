// What one listing has shown so far, for every record of it, in a compact table (docs/safety.md, "A listing
// that contradicts itself"): a 48-bit keyed hash of each key, a 29-bit keyed fingerprint of its facts and
// three state bits, 10 bytes a slot, never the records. Hashes are keyed with random seeds per table, so a
// server cannot craft collisions. A collision can only make two keys one (a repeat or a ban) or two versions
// one (a repeat): the selector compares the records it holds exactly, so neither can let a delete through.

/** How a key was seen: first time, again with the same facts, with other facts, or already banned. */
export type SightingKind = 'new' | 'same' | 'other' | 'banned';

/** One look-up of a key: what it found, and a handle on that key's slot until the table's next `see`. */
export interface Sighting {
  readonly kind: SightingKind;
  /**
   * The key's 48-bit hash (keys whose hashes collide share it): whatever an owner holds of a key under it,
   * a ban of that key reaches.
   */
  readonly identity: number;
  /** Whether the owner marked this key (the selector: "counted as eligible"). */
  readonly marked: boolean;
  /** Every later sighting of this key is 'banned'. */
  ban(): void;
  mark(): void;
}

// The low three bits of a slot's facts word; the fingerprint takes the other 29. A slot without SEEN is empty.
const SEEN = 1;
const MARKED = 2;
const BANNED = 4;
const FLAGS = 7;

/**
 * The facts of a record that cannot be read: no fingerprint equals it, so a readable version of the same key
 * always reads as 'other' (docs/safety.md, "An unreadable record still speaks for its id").
 */
export const UNREADABLE_FACTS = 0;

/** A small listing allocates little (2.5 KB); the table doubles as it fills. */
const INITIAL_SLOTS = 256;
/** Fewer slots than this could not hold a key below MAX_LOAD: the table is refused. */
export const MIN_SLOTS = 8;
/**
 * Doubled when fuller than this: linear probing stays short, and a table of n keys takes 12 to 24 bytes a key
 * (a listing's most, 1,000,000 keys, 12 to 24 MB).
 */
const MAX_LOAD = 0.85;

export interface SeenTableOptions {
  random?: () => number;
  keyHash?: (key: string, seed: number) => number;
  /** Slots to start with, at least MIN_SLOTS (tests start at the least, so that tables grow). */
  initialSlots?: number;
}

export class SeenTable {
  readonly #seeds: [number, number, number];
  /** Per slot: the key's hash, 32 bits and then 16 more; its facts' fingerprint with the state flags. */
  #high: Uint32Array;
  #low: Uint16Array;
  #facts: Uint32Array;
  #size = 0;
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
    if (!Number.isSafeInteger(initialSlots) || initialSlots < MIN_SLOTS) {
      throw new RangeError(`initialSlots must be a whole number of at least ${MIN_SLOTS}`);
    }
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

  /** Slots allocated (the table's memory is 10 bytes a slot). */
  get slots(): number {
    return this.#facts.length;
  }

  /** A fingerprint of a record's facts, keyed like this table's hashes; never UNREADABLE_FACTS. */
  fingerprint(...facts: ReadonlyArray<string | number | null>): number {
    let hash = this.#seeds[2];
    for (const fact of facts) {
      hash =
        fact === null
          ? mixWord(hash, 0x5bd1_e995)
          : typeof fact === 'number'
            ? mixNumber(hash, fact)
            : mixString(hash, fact);
      hash = mixWord(hash, 0x9e37_79b9);
    }
    // The low three bits are the state flags'; what is left is never 0, the unreadable facts.
    return (finish(hash) & ~FLAGS) >>> 0 || FLAGS + 1;
  }

  /** Looks `key` up and enters it with `facts` (a fingerprint or UNREADABLE_FACTS) when new. */
  see(key: string, facts: number): Sighting {
    if (this.#size + 1 > this.#facts.length * MAX_LOAD) this.#grow();
    const high = this.#keyHash(key, this.#seeds[0]) >>> 0;
    const low = this.#keyHash(key, this.#seeds[1]) >>> 16;
    const slot = this.#find(high, low);
    const word = this.#facts[slot] as number;
    let kind: SightingKind;
    if (word === 0) {
      this.#high[slot] = high;
      this.#low[slot] = low;
      this.#facts[slot] = ((facts & ~FLAGS) | SEEN) >>> 0;
      this.#size++;
      kind = 'new';
    } else if (word & BANNED) {
      kind = 'banned';
    } else {
      kind = (word & ~FLAGS) >>> 0 === (facts & ~FLAGS) >>> 0 ? 'same' : 'other';
    }
    return this.#handle(slot, kind, high * 0x1_0000 + low);
  }

  #handle(slot: number, kind: SightingKind, identity: number): Sighting {
    return new SlotSighting(this.#facts, slot, kind, identity);
  }

  /** The slot holding (high, low), or the empty slot where it goes. */
  #find(high: number, low: number): number {
    const slots = this.#facts.length;
    // The high bits of the hash pick the slot for any table size (Lemire's reduction).
    let slot = Math.floor((high / 0x1_0000_0000) * slots);
    for (;;) {
      if (this.#facts[slot] === 0) return slot;
      if (this.#high[slot] === high && this.#low[slot] === low) return slot;
      slot = slot + 1 < slots ? slot + 1 : 0;
    }
  }

  #grow(): void {
    const [high, low, facts] = [this.#high, this.#low, this.#facts];
    const slots = facts.length * 2;
    this.#high = new Uint32Array(slots);
    this.#low = new Uint16Array(slots);
    this.#facts = new Uint32Array(slots);
    facts.forEach((word, old) => {
      // An empty slot is not a key: copied, it would overwrite a key whose hash is 0 (a test injects one).
      if (word === 0) return;
      const slot = this.#find(high[old] as number, low[old] as number);
      this.#high[slot] = high[old] as number;
      this.#low[slot] = low[old] as number;
      this.#facts[slot] = word;
    });
  }
}

/** A sighting's handle on its slot: methods on the prototype, so the hot path allocates one small object. */
class SlotSighting implements Sighting {
  readonly #facts: Uint32Array;
  readonly #slot: number;
  readonly kind: SightingKind;
  readonly identity: number;

  constructor(facts: Uint32Array, slot: number, kind: SightingKind, identity: number) {
    this.#facts = facts;
    this.#slot = slot;
    this.kind = kind;
    this.identity = identity;
  }

  get marked(): boolean {
    return ((this.#facts[this.#slot] as number) & MARKED) !== 0;
  }

  ban(): void {
    this.#facts[this.#slot] = (this.#facts[this.#slot] as number) | BANNED;
  }

  mark(): void {
    this.#facts[this.#slot] = (this.#facts[this.#slot] as number) | MARKED;
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
