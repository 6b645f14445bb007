export type LogFields = Record<string, unknown>;

/** The structured logger the engine writes to; the CLI and the Lambda each supply one. */
export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** One JSON object per line: level, timestamp, message, then the fields. */
export class JsonLinesLogger implements Logger {
  readonly #out: NodeJS.WritableStream;
  readonly #redact: (text: string) => string;
  readonly #beforeWrite: (() => void) | undefined;

  constructor(
    out: NodeJS.WritableStream,
    options: { redact?: (text: string) => string; beforeWrite?: () => void } = {},
  ) {
    this.#out = out;
    this.#redact = options.redact ?? ((text) => text);
    this.#beforeWrite = options.beforeWrite;
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
    this.#beforeWrite?.();
    const record = { level, timestamp: new Date().toISOString(), message, ...fields };
    this.#out.write(`${this.#redact(JSON.stringify(record))}\n`);
  }
}
