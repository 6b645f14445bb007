// `run --metrics-file PATH`: the run's metrics for node_exporter's textfile collector, written atomically
// (a temporary file beside it, then a rename), so that a scrape never reads half a file. The path is checked
// before the first request, and no file is opened in a way that can block (docs/safety.md).

import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '../config/errors.js';
import { readRegularFile } from '../files/regular-file.js';
import { MiB } from '../http/body.js';
import { prometheusText, readCounters } from '../report/prometheus.js';
import type { RunStats } from '../report/reporter.js';
import type { RunSummary } from '../report/summary.js';

/**
 * Bad input unless `path` names a regular file or a path that does not exist yet, in a directory this user
 * can write (the rename replaces the file): a directory, a path ending in `/`, a FIFO or a device is refused.
 */
/** The sticky bit of a directory's mode (S_ISVTX). */
const STICKY = 0o1000;

export async function checkMetricsPath(flag: string, path: string): Promise<void> {
  const refuse = (why: string, cause?: unknown) => {
    throw InputError.of(flag, `${path} ${why}`, { cause });
  };
  if (path.endsWith('/')) refuse('ends in "/": name a file, not a directory');
  const directory = dirname(resolve(path));
  const existing = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    return refuse(`cannot be examined: ${error.code}`, error);
  });
  if (existing && !existing.isFile()) {
    refuse(`is not a regular file (${kindOf(existing)}): name a file the collector reads`);
  }
  const folder = await stat(directory).catch((error: NodeJS.ErrnoException) =>
    refuse(`cannot be written: its directory ${directory} is missing (${error.code})`, error),
  );
  if (!folder?.isDirectory()) refuse(`cannot be written: ${directory} is not a directory`);
  await access(directory, constants.W_OK | constants.X_OK).catch((error: NodeJS.ErrnoException) =>
    refuse(`cannot be written: this user cannot write into ${directory} (${error.code})`, error),
  );
  // In a sticky directory (/tmp) only the owner of a file, or of the directory, may replace it.
  const uid = process.getuid?.() ?? 0;
  if (existing && folder && folder.mode & STICKY && uid !== 0) {
    if (existing.uid !== uid && folder.uid !== uid) refuse(`belongs to another user in a sticky directory`);
  }
}

/**
 * The metrics file the environment asks for (`DCS_TASK_CLEANUP_METRICS`, what the recipes set): none when
 * unset or empty; none and a warning when its directory is missing (no node_exporter on this host: the run
 * still cleans); otherwise checked like `--metrics-file`.
 */
export async function metricsFileFromEnvironment(
  value: string | undefined,
): Promise<{ path: string | undefined; warning?: { message: string; fields: Record<string, unknown> } }> {
  if (!value) return { path: undefined };
  const directory = dirname(resolve(value));
  const there = await stat(directory).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (!there) {
    return {
      path: undefined,
      warning: { message: 'metrics not written: their directory is missing', fields: { directory } },
    };
  }
  await checkMetricsPath('DCS_TASK_CLEANUP_METRICS', value);
  return { path: value };
}

export async function writeMetricsFile(path: string, summary: RunSummary, stats: RunStats): Promise<void> {
  // Counters go on from the file this one replaces; a missing or foreign file starts them at 0.
  const previous = await readPrevious(path);
  // The collector reads only *.prom files: the temporary one is not picked up half-written. `wx`: a new
  // file of our own, never something already there.
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temporary, 'wx', 0o644);
    try {
      await handle.writeFile(prometheusText(summary, stats, previous));
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** The counters of the file to replace, read only if it is a regular file (opened without blocking). */
async function readPrevious(path: string): Promise<Map<string, number>> {
  try {
    const read = await readRegularFile(path, MiB);
    return 'text' in read ? readCounters(read.text) : new Map();
  } catch {
    return new Map();
  }
}

function kindOf(info: Awaited<ReturnType<typeof stat>>): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isSocket()) return 'a socket';
  return 'not a file';
}
