// After `stryker run`: the mutation score over the whole scope (stryker.config.json) against its floor, per
// file, counted honestly (contract §18): killed and timed-out mutants over every valid mutant, where a mutant
// a `Stryker disable` comment switched off counts as a survivor. The table goes into the README between its
// markers, so the figures there are always the last report's, never typed by hand.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const FLOOR = 95;
const REPORT = 'reports/mutation/mutation.json';
const README = 'README.md';
const [START, END] = ['<!-- mutation-score:start -->', '<!-- mutation-score:end -->'];

const report = JSON.parse(readFileSync(REPORT, 'utf8'));
const files = Object.entries(report.files).map(([file, { mutants }]) => {
  const counts = { file, killed: 0, valid: 0, disabled: 0, survivors: [] };
  for (const mutant of mutants) {
    if (mutant.status === 'CompileError' || mutant.status === 'RuntimeError') continue;
    counts.valid++;
    if (mutant.status === 'Killed' || mutant.status === 'Timeout') counts.killed++;
    else {
      if (mutant.status === 'Ignored') counts.disabled++;
      counts.survivors.push(`${file}:${mutant.location.start.line} ${mutant.mutatorName} (${mutant.status})`);
    }
  }
  return counts;
});
const total = files.reduce(
  (sum, file) => ({
    killed: sum.killed + file.killed,
    valid: sum.valid + file.valid,
    disabled: sum.disabled + file.disabled,
  }),
  { killed: 0, valid: 0, disabled: 0 },
);
const percent = ({ killed, valid }) => (valid === 0 ? 'n/a' : `${((100 * killed) / valid).toFixed(1)} %`);
const ok = (100 * total.killed) / total.valid >= FLOOR;

const rows = files
  .sort((a, b) => a.file.localeCompare(b.file))
  .map((file) => `| \`${file.file}\` | ${percent(file)} | ${file.killed}/${file.valid} |`);
const table = [
  START,
  '| file | score | killed/valid |',
  '| --- | --- | --- |',
  ...rows,
  `| **all** (floor ${FLOOR} %, ${total.disabled} disabled counted as survivors) | **${percent(total)}** | ${total.killed}/${total.valid} |`,
  '<!-- written by scripts/mutation-score.mjs from the last report -->',
  END,
].join('\n');

const readme = readFileSync(README, 'utf8');
const at = readme.indexOf(START);
const end = readme.indexOf(END);
if (at >= 0 && end > at) {
  writeFileSync(README, readme.slice(0, at) + table + readme.slice(end + END.length));
  // The table as `biome check` wants it, so the README can be committed as written.
  execFileSync('node_modules/.bin/biome', ['format', '--write', README], { stdio: 'ignore' });
}

console.log(
  files
    .map((file) => `${file.file.padEnd(28)} ${percent(file).padStart(8)}  (${file.killed}/${file.valid})`)
    .join('\n'),
);
for (const file of files) for (const survivor of file.survivors) console.log(`  survived: ${survivor}`);
console.log(
  `${ok ? 'ok  ' : 'FAIL'} all: ${percent(total)} (floor ${FLOOR} %; disabled mutants count as survivors)`,
);
process.exitCode = ok ? 0 : 1;
