export type LogFields = Record<string, unknown>;

/** The structured logger that log records go to; the CLI and the Lambda each supply one. */
export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** One JSON object per line: level, timestamp, message, then the fields. */
export class JsonLinesLogger implements Logger {
  readonly #out: { write(text: string): unknown };

  constructor(out: { write(text: string): unknown }) {
    this.#out = out;
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

  #write(level: string, message: string, fields: LogFields = {}): void {
    this.#out.write(
      `${JSON.stringify({ level, timestamp: new Date().toISOString(), message, ...fields })}\n`,
    );
  }
}
