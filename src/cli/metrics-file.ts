// `run --metrics-file PATH`: the run's metrics for node_exporter's textfile collector, written atomically
// (a temporary file beside it, then a rename), so that a scrape never reads half a file.
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { prometheusText, readCounters } from '../report/prometheus.js';
import type { RunStats } from '../report/reporter.js';
import type { RunSummary } from '../report/summary.js';

export async function writeMetricsFile(path: string, summary: RunSummary, stats: RunStats): Promise<void> {
  // Counters go on from the file this one replaces; a missing or foreign file starts them at 0.
  const previous = await readFile(path, 'utf8').then(readCounters, () => new Map<string, number>());
  // The collector reads only *.prom files: the temporary one is not picked up half-written.
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, prometheusText(summary, stats, previous), { mode: 0o644 });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
