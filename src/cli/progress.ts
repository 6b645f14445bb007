// The terminal view's live progress line: instances done, tasks handled of stale, elapsed time, requests per
// second and the outcomes so far, redrawn in place at most every REDRAW_EVERY_MS (and ticking while idle).
import { OUTCOME_NAMES, OUTCOMES, type Outcome, outcomeTally } from '../report/outcomes.js';
import { clip } from '../report/text.js';

type Out = { write(text: string): unknown };

const CLEAR_LINE = '\r\x1b[2K';
const REDRAW_EVERY_MS = 100;
/** The clock and rate move even when nothing happens. */
const TICK_MS = 250;
const RATE_WINDOW_MS = 2_000;

export interface ProgressOptions {
  /** Drawn at all (a terminal that takes escape sequences); the counts are kept either way. */
  live: boolean;
  width: number;
  now: () => number;
  /** How the line is painted (dim, on a colour terminal). */
  paint: (text: string) => string;
}

export class ProgressLine {
  readonly #out: Out;
  readonly #options: ProgressOptions;
  #startedAt = 0;
  #instancesTotal = 0;
  #instancesDone = 0;
  #stale = 0;
  #handled = 0;
  readonly #outcomes = outcomeTally();
  readonly #recent: number[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** Between start and stop: the line may be drawn. */
  #running = false;
  #drawn = false;
  #lastDrawAt = 0;

  constructor(out: Out, options: ProgressOptions) {
    this.#out = out;
    this.#options = options;
  }

  start(): void {
    this.#startedAt = this.#options.now();
    this.#running = true;
    if (this.#options.live) this.#timer = setInterval(() => this.draw(true), TICK_MS).unref();
  }

  /** Stops redrawing and clears the line (also when a run ends early). */
  stop(): void {
    this.#running = false;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.clear();
  }

  instancesKnown(total: number): void {
    this.#instancesTotal = Math.max(total, 1);
    this.draw(true);
  }

  instanceDone(): void {
    this.#instancesDone++;
    this.draw(false);
  }

  staleFound(count: number): void {
    this.#stale += count;
    this.draw(false);
  }

  handled(outcome: Outcome, count = 1): void {
    this.#handled += count;
    this.#outcomes[outcome] += count;
    this.draw(false);
  }

  requestSent(): void {
    const now = this.#options.now();
    this.#recent.push(now);
    while ((this.#recent[0] ?? now) < now - RATE_WINDOW_MS) this.#recent.shift();
  }

  /** `242 deleted`, `2 gone`, …: the outcomes seen so far. */
  outcomeCounts(): string[] {
    return OUTCOME_NAMES.filter((outcome) => this.#outcomes[outcome] > 0).map(
      (outcome) => `${this.#outcomes[outcome]} ${OUTCOMES[outcome].words}`,
    );
  }

  draw(force: boolean): void {
    if (!this.#options.live || !this.#running) return;
    const now = this.#options.now();
    if (!force && now - this.#lastDrawAt < REDRAW_EVERY_MS) return;
    this.#lastDrawAt = now;
    const rate = this.#recent.filter((time) => time >= now - RATE_WINDOW_MS).length / (RATE_WINDOW_MS / 1000);
    const instances =
      this.#instancesTotal > 0
        ? `${this.#instancesDone}/${this.#instancesTotal} instances`
        : 'discovering instances…';
    // Outcome counts last: on a narrow terminal they are what gets cut (the final line repeats them).
    const text = [
      instances,
      `${this.#handled}/${this.#stale} tasks`,
      formatElapsed(now - this.#startedAt),
      `${Math.round(rate)} req/s`,
      ...this.outcomeCounts(),
    ].join(' · ');
    this.#out.write(`${CLEAR_LINE}${this.#options.paint(clip(text, this.#options.width - 1))}`);
    this.#drawn = true;
  }

  clear(): void {
    if (!this.#drawn) return;
    this.#out.write(CLEAR_LINE);
    this.#drawn = false;
  }
}

function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}
