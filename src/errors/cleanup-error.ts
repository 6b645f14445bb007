// One base for the errors the tool raises on purpose (docs/architecture.md, "Errors"): each has a stable
// `code` that scripts and tests may rely on, and keeps what caused it as `cause`.

export abstract class CleanupError extends Error {
  /** Stable, UPPER_SNAKE: e.g. `DCS_HTTP`, `INPUT_INVALID`. Messages may change; codes do not. */
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
