// The table of seen ids (src/policy/seen.ts) against the simpler structure it replaces, a Map from a 48-bit
// id hash to a fingerprint (contract §18): memory held at 1,000,000 ids, each looked up once more, and time.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { hashString, SeenTable } from '../src/policy/seen.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const IDS = 1_000_000;
const idOf = (n: number) => `ff8080818c0a1b2c${n.toString(16).padStart(16, '0')}`;
const held = () => {
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};
const MB = 1024 * 1024;

function measure(fill: () => unknown) {
  const before = held();
  const startedAt = performance.now();
  const structure = fill();
  const ms = performance.now() - startedAt;
  const bytes = held() - before;
  // Keeps the structure alive until it was measured.
  return { structure, mb: Number((bytes / MB).toFixed(1)), ms: Math.round(ms) };
}

export function seenTableMemory() {
  const table = measure(() => {
    const seen = new SeenTable();
    for (let n = 0; n < IDS; n++) seen.see(idOf(n), seen.fingerprint('SUCCESS', n, 'EXTEND'));
    for (let n = 0; n < IDS; n++) seen.see(idOf(n), seen.fingerprint('SUCCESS', n, 'EXTEND'));
    return seen;
  });
  const map = measure(() => {
    const seen = new Map<number, number>();
    const facts = new SeenTable({ initialSlots: 8 });
    for (let round = 0; round < 2; round++) {
      for (let n = 0; n < IDS; n++) {
        const id = idOf(n);
        const key = hashString(id, 1) * 0x1_0000 + (hashString(id, 2) >>> 16);
        const fingerprint = facts.fingerprint('SUCCESS', n, 'EXTEND');
        if (!seen.has(key)) seen.set(key, fingerprint);
      }
    }
    return seen;
  });
  return {
    ids: IDS,
    seenTable: { heldMb: table.mb, ms: table.ms, slots: (table.structure as SeenTable).slots },
    mapOfHashes: { heldMb: map.mb, ms: map.ms },
    ratio: Number((map.mb / table.mb).toFixed(2)),
  };
}
