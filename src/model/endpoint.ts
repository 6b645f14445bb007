// An endpoint the run found down (docs/safety.md, "An endpoint that is down"): the DCS client reports it, the
// RunSummary and the Failed event carry it.

export interface UnavailableEndpoint {
  endpoint: string;
  /** The last error it gave, redacted and cut. */
  lastError: string;
}

/** An account whose credentials expired and could not be renewed (docs/credentials.md): it stopped. */
export interface UnavailableAccount {
  account: string;
  source: string;
  /** `credentials unavailable: <source>: <why>`, redacted and cut. */
  error: string;
}
