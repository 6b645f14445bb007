#!/usr/bin/env node
import { fstatSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { main } from './cli/main.js';

// V8 lets the heap grow far past what is live before it collects: oversized listing pages then leave
// hundreds of MB of garbage (docs/bounds.md). A 10 % growing factor keeps the peak near the live set.
setFlagsFromString('--heap-growing-percent=10');

process.exitCode = await main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signals: process,
  exit: (code) => process.exit(code),
  journal: isJournal(process.env.JOURNAL_STREAM),
});

/** Whether stderr (fd 2) is the stream JOURNAL_STREAM names, `device:inode` (systemd.exec(5)). */
function isJournal(stream: string | undefined): boolean {
  if (!stream) return false;
  try {
    const { dev, ino } = fstatSync(2);
    return stream === `${dev}:${ino}`;
  } catch {
    return false;
  }
}
