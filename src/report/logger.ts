import { MAX_LOG_LINE_BYTES, TEXT_LIMITS } from '../bounds/limits.js';
import { cut } from '../text/cut.js';
import { redactValues } from '../text/redact.js';
import { jsonBytes } from './fit.js';

export type LogFields = Record<string, unknown>;

/** Room kept for what a logger adds to the fields (level, timestamp, Powertools' context keys). */
const ENVELOPE_BYTES = 1024;

/**
 * The fields of one record, bounded so that its line stays under MAX_LOG_LINE_BYTES: as they are when they
 * fit; else every string in them cut to TEXT_LIMITS.message; else only the top-level scalars, with the
 * names of the fields left out. The records are built to fit already; this is the last guard.
 */
export function boundedFields(message: string, fields: LogFields): LogFields {
  const fits = (candidate: LogFields) =>
    jsonBytes(candidate) + Buffer.byteLength(message) + ENVELOPE_BYTES <= MAX_LOG_LINE_BYTES;
  if (fits(fields)) return fields;
  const shortened = cutStrings(fields) as LogFields;
  if (fits(shortened)) return shortened;
  const scalars = Object.fromEntries(
    Object.entries(shortened).filter(([, value]) => typeof value !== 'object' || value === null),
  );
  const leftOut = Object.keys(shortened).filter((key) => !(key in scalars));
  return { ...scalars, truncated: `left out to stay under 16 KB: ${leftOut.join(', ')}` };
}

/** A copy with every string cut (the fields are the run's own records: shallow and acyclic). */
function cutStrings(value: unknown): unknown {
  if (typeof value === 'string') return cut(value, TEXT_LIMITS.message);
  if (Array.isArray(value)) return value.map(cutStrings);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, cutStrings(item)]));
  }
  return value;
}

/** The structured logger that log records go to; the CLI and the Lambda each supply one. */
export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** The syslog priority the journal reads at the start of a line (sd-daemon(3)). */
const SYSLOG_PRIORITY = { ERROR: '<3>', WARN: '<4>', INFO: '<6>', DEBUG: '<7>' } as const;

/** One JSON object per line: level, timestamp, message, then the fields. */
export class JsonLinesLogger implements Logger {
  readonly #out: { write(text: string): unknown };
  readonly #redact: (text: string) => string;
  readonly #journal: boolean;

  /**
   * `redact` is applied to the message and every value before the line is serialised; for the journal each
   * line starts with its syslog priority.
   */
  constructor(
    out: { write(text: string): unknown },
    {
      redact = (text: string) => text,
      journal = false,
    }: { redact?: (text: string) => string; journal?: boolean } = {},
  ) {
    this.#out = out;
    this.#redact = redact;
    this.#journal = journal;
  }

  info(message: string, fields?: LogFields): void {
    this.#write('INFO', message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    this.#write('WARN', message, fields);
  }

  error(message: string, fields?: LogFields): void {
    this.#write('ERROR', message, fields);
  }

  #write(level: string, rawMessage: string, rawFields: LogFields = {}): void {
    const message = this.#redact(rawMessage);
    const fields = redactValues(rawFields, this.#redact);
    const line = (shown: LogFields) =>
      JSON.stringify({ level, timestamp: new Date().toISOString(), message, ...shown });
    const text = line(fields);
    const priority = this.#journal ? SYSLOG_PRIORITY[level as keyof typeof SYSLOG_PRIORITY] : '';
    this.#out.write(
      `${priority}${Buffer.byteLength(text) <= MAX_LOG_LINE_BYTES ? text : line(boundedFields(message, fields))}\n`,
    );
  }
}
