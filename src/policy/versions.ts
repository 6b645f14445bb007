// The one contradiction protocol (docs/safety.md, "A listing that contradicts itself"): every record of a
// listing, readable or not, is a version of its id. The first version of an id is new; a later one is a
// repeat when its facts agree, and a contradiction otherwise: the id is then banned for the listing,
// however far apart the two were, and every later version of it is passed over. The task selector and
// discovery both read their listings through it.
import { SeenTable, type Sighting, UNREADABLE_FACTS } from './seen.js';

/** What one version of an id is: a new id, a repeat (or an id already banned), or a contradiction. */
export type Verdict = 'new' | 'repeat' | 'contradicted';

export interface Version {
  verdict: Verdict;
  /** The table's handle on the id: held records live under its identity; mark() tags it for the owner. */
  sighting: Sighting;
}

/** How the owner reads its records: the facts that make two versions one, and the records it still holds. */
export interface VersionRules<R> {
  factsOf: (record: R) => ReadonlyArray<string | number | null>;
  sameFacts: (a: R, b: R) => boolean;
  /** The record held under an identity, if the owner still holds one (compared exactly: the table holds hashes). */
  held: (identity: number) => R | undefined;
}

export class Versions<R> {
  readonly #seen: SeenTable;
  readonly #rules: VersionRules<R>;

  constructor(rules: VersionRules<R>, seen: SeenTable = new SeenTable()) {
    this.#rules = rules;
    this.#seen = seen;
  }

  /**
   * Takes one version of `id`: `record`, or undefined for a record that cannot be read (it agrees with no
   * readable version). A contradicted id is banned before this returns; the owner drops what it holds of it.
   */
  see(id: string, record: R | undefined): Version {
    const facts =
      record === undefined ? UNREADABLE_FACTS : this.#seen.fingerprint(...this.#rules.factsOf(record));
    const sighting = this.#seen.see(id, facts);
    let verdict: Verdict;
    switch (sighting.kind) {
      case 'new':
        verdict = 'new';
        break;
      case 'banned':
        verdict = 'repeat';
        break;
      case 'other':
        verdict = 'contradicted';
        break;
      case 'same': {
        // The table holds hashes: a record still held is compared exactly (an unreadable one never agrees).
        const held = this.#rules.held(sighting.identity);
        const agrees = held === undefined || (record !== undefined && this.#rules.sameFacts(held, record));
        verdict = agrees ? 'repeat' : 'contradicted';
      }
    }
    if (verdict === 'contradicted') sighting.ban();
    return { verdict, sighting };
  }
}
