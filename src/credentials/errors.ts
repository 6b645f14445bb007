// Why temporary credentials could not be had. Messages name the source and the cause, never a secret.
import { CleanupError } from '../errors/cleanup-error.js';

/** One failed attempt to get credentials; `transient` ones (5xx, 429, network) are tried again. */
export class CredentialsError extends CleanupError {
  override readonly name = 'CredentialsError';
  readonly code = 'CREDENTIALS';
  readonly transient: boolean;

  constructor(message: string, transient: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.transient = transient;
  }
}

/** The account's credentials have expired and could not be renewed: the account stops (docs/credentials.md). */
export class CredentialsUnavailableError extends CleanupError {
  override readonly name = 'CredentialsUnavailableError';
  readonly code = 'CREDENTIALS_UNAVAILABLE';
  readonly source: string;

  constructor(source: string, why: string) {
    super(`credentials unavailable: ${source}: ${why}`);
    this.source = source;
  }
}
