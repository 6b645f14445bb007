// `doctor` on the command line: one line per check as it is made (status first, the fix under a WARN or
// FAIL), or with --json one document on stdout. Every byte passes the redactor; server text is printable.

import { type CredentialSet, secretsOfSet } from '../credentials/accounts.js';
import { type Check, runDoctor } from '../doctor/doctor.js';
import type { Config } from '../model/config.js';
import { wrap } from '../report/text.js';
import { printable } from '../text/printable.js';
import { redactor, redactValues } from '../text/redact.js';
import type { Warning } from './accounts.js';
import type { CliIo } from './io.js';

const LABELS: Record<Check['status'], string> = { ok: 'ok', warn: 'WARN', fail: 'FAIL', skipped: 'skipped' };
const LABEL_WIDTH = 8;

export async function doctorCommand(
  config: Config,
  accounts: CredentialSet,
  options: { configPath: string; json: boolean; probeDelete: boolean },
  io: CliIo,
  warnings: readonly Warning[],
): Promise<number> {
  const redact = redactor(() => secretsOfSet(accounts));
  const out = (text: string) => io.stdout.write(redact(text));
  const width = io.stdout.isTTY ? io.stdout.columns || 80 : Number.POSITIVE_INFINITY;
  // What loading the credentials warned of is a check like the others: counted, and in --json.
  const warned: Check[] = warnings.map(({ message, fields }) => ({
    check: 'credentials',
    target: Object.values(fields).map(String).join(', '),
    status: 'warn',
    detail: message,
    durationMs: 0,
  }));
  if (!options.json) for (const check of warned) out(checkLines(check, width));
  const checked = await runDoctor(config, accounts, {
    probeDelete: options.probeDelete,
    configSource: options.configPath,
    onLambda: false,
    onCheck: options.json ? undefined : (check) => out(checkLines(check, width)),
  });
  const report = { ...checked, checks: [...warned, ...checked.checks] };
  if (options.json) io.stdout.write(`${JSON.stringify(redactValues(report, redact), null, 2)}\n`);
  else {
    const count = (status: Check['status']) =>
      report.checks.filter((check) => check.status === status).length;
    out(
      `\n${report.ok ? 'ok' : 'NOT OK'}: ${report.checks.length} checks, ${count('fail')} failed, ${count('warn')} warnings, ${count('skipped')} skipped; nothing was deleted\n`,
    );
  }
  return report.ok ? 0 : 1;
}

/** `FAIL    clock http://…: what was seen`, then `        fix: …` for WARN and FAIL. */
export function checkLines(check: Check, width: number): string {
  const indent = ' '.repeat(LABEL_WIDTH);
  const head = `${LABELS[check.status].padEnd(LABEL_WIDTH)}${check.check} ${printable(check.target)}: ${printable(check.detail)}`;
  const lines = wrap(head, width, indent);
  if (check.fix) lines.push(...wrap(`${indent}fix: ${printable(check.fix)}`, width, `${indent}     `));
  return `${lines.join('\n')}\n`;
}
