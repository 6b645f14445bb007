import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { boundedFields, type LogFields, type Logger } from '../report/logger.js';
import { redactValues } from '../text/redact.js';

export const SERVICE_NAME = 'dcs-task-cleanup';

/** Powertools Logger (JSON, level from POWERTOOLS_LOG_LEVEL) behind the engine's Logger, with secrets redacted. */
export class LambdaLogger implements Logger {
  readonly powertools: PowertoolsLogger;
  #redact: (text: string) => string = (text) => text;

  constructor(powertools = new PowertoolsLogger({ serviceName: SERVICE_NAME })) {
    this.powertools = powertools;
  }

  redactWith(redact: (text: string) => string): void {
    this.#redact = redact;
  }

  info(message: string, fields: LogFields = {}): void {
    this.powertools.info(this.#redact(message), this.#clean(message, fields));
  }

  warn(message: string, fields: LogFields = {}): void {
    this.powertools.warn(this.#redact(message), this.#clean(message, fields));
  }

  error(message: string, fields: LogFields = {}): void {
    this.powertools.error(this.#redact(message), this.#clean(message, fields));
  }

  /** Redacted value by value, and bounded so that CloudWatch never splits the record. */
  #clean(message: string, fields: LogFields): LogFields {
    return boundedFields(message, redactValues(fields, this.#redact));
  }
}
