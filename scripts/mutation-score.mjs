// After `stryker run`: the mutation score of each group of files against its floor (docs: README, Testing).
// Score = (killed + timed out) / (all valid mutants): survivors and mutants no test covers count against it.
import { readFileSync } from 'node:fs';

const FLOORS = [
  { name: 'src/policy/', test: (file) => file.startsWith('src/policy/'), floor: 90 },
  { name: 'listing rules of src/dcs/, src/http/retry.ts and breaker.ts', test: () => true, floor: 80 },
];
const report = JSON.parse(readFileSync('reports/mutation/mutation.json', 'utf8'));
const groups = FLOORS.map((group) => ({ ...group, killed: 0, valid: 0 }));
const rows = [];
for (const [file, { mutants }] of Object.entries(report.files)) {
  const counts = { killed: 0, valid: 0 };
  for (const { status } of mutants) {
    if (status === 'CompileError' || status === 'RuntimeError' || status === 'Ignored') continue;
    counts.valid++;
    if (status === 'Killed' || status === 'Timeout') counts.killed++;
  }
  const group = groups.find((g) => g.test(file));
  group.killed += counts.killed;
  group.valid += counts.valid;
  rows.push(`${file.padEnd(28)} ${score(counts).padStart(7)}  (${counts.killed}/${counts.valid})`);
}
console.log(rows.join('\n'));
let ok = true;
for (const group of groups) {
  const value = (100 * group.killed) / group.valid;
  const pass = value >= group.floor;
  ok &&= pass;
  console.log(`${pass ? 'ok  ' : 'FAIL'} ${group.name}: ${score(group)} (floor ${group.floor} %)`);
}
process.exitCode = ok ? 0 : 1;

function score({ killed, valid }) {
  return valid === 0 ? 'n/a' : `${((100 * killed) / valid).toFixed(1)} %`;
}
