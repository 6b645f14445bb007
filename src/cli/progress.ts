import type { Progress } from '../engine/run.js';

const CLEAR_LINE = '\r\x1b[2K';
const REDRAW_EVERY_MS = 100;

/** A one-line live status on a terminal; log lines clear it before they print. */
export class ProgressLine {
  readonly #out: NodeJS.WritableStream;
  #lastDrawAt = 0;
  #drawn = false;

  constructor(out: NodeJS.WritableStream) {
    this.#out = out;
  }

  update(progress: Progress): void {
    const now = Date.now();
    if (now - this.#lastDrawAt < REDRAW_EVERY_MS && progress.instancesDone < progress.instancesTotal) return;
    this.#lastDrawAt = now;
    const { outcomes } = progress;
    this.#out.write(
      `${CLEAR_LINE}instances ${progress.instancesDone}/${progress.instancesTotal} · deleted ${outcomes.deleted}` +
        ` · gone ${outcomes['already-gone']} · would-delete ${outcomes['would-delete']} · skipped ${outcomes.skipped}` +
        ` · deferred ${outcomes.deferred} · failed ${outcomes.failed}`,
    );
    this.#drawn = true;
  }

  clear(): void {
    if (!this.#drawn) return;
    this.#out.write(CLEAR_LINE);
    this.#drawn = false;
  }
}
