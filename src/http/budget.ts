// One budget of bytes for the listing pages a run holds at once (docs/bounds.md, "Memory holds for any number
// of oversized pages"): a page reserves what it may take before it is requested, keeps what it took until its
// records have been selected, and gives the rest back at once. Reservations are granted first come, first
// served, so a large one is not starved by small ones.

export interface Reservation {
  /** Keeps only `bytes` of the reservation (a page smaller than it could have been). */
  shrink(bytes: number): void;
  /** Gives the whole reservation back; later calls do nothing. */
  release(): void;
}

interface Waiter {
  bytes: number;
  grant: (reservation: Reservation) => void;
}

export class ByteBudget {
  readonly #total: number;
  #free: number;
  readonly #queue: Waiter[] = [];

  constructor(total: number) {
    this.#total = total;
    this.#free = total;
  }

  /** Bytes not reserved now. */
  get free(): number {
    return this.#free;
  }

  /** Waits until `bytes` (at most the whole budget) are free, and reserves them. */
  reserve(bytes: number): Promise<Reservation> {
    if (bytes > this.#total) throw new RangeError(`a reservation of ${bytes} bytes exceeds the budget`);
    return new Promise((grant) => {
      this.#queue.push({ bytes, grant });
      this.#pump();
    });
  }

  #pump(): void {
    for (let head = this.#queue[0]; head && head.bytes <= this.#free; head = this.#queue[0]) {
      this.#queue.shift();
      this.#free -= head.bytes;
      head.grant(this.#reservation(head.bytes));
    }
  }

  #reservation(bytes: number): Reservation {
    let held = bytes;
    const giveBack = (keep: number) => {
      this.#free += held - keep;
      held = keep;
      this.#pump();
    };
    return {
      shrink: (keep) => giveBack(Math.min(held, Math.max(0, keep))),
      release: () => giveBack(0),
    };
  }
}
