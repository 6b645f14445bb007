// Every byte, line and count limit of docs/bounds.md, in the order that page gives them: what no server,
// backlog or failure can grow. A limit changes here and on that page together.

export const MiB = 1024 * 1024;

// Values from a response are data.

/** How long each kind of server text may be once read (task names: on output only). */
export const TEXT_LIMITS = {
  taskName: 256,
  instanceName: 256,
  errorCode: 64,
  status: 64,
  message: 512,
  requestId: 128,
} as const;
/** Characters an unusable value takes in a log line, whatever its size or depth. */
export const SHOWN_VALUE_LENGTH = 80;
/** A task name is kept whole up to this (exclusions match it whole); a longer one is no DCS task name. */
export const MAX_TASK_NAME = 1024;

// A listing is consumed page by page.

/** Bytes read at most of a listing page, and of any other body. */
export const BODY_CAPS = { listingPage: 8 * MiB, other: 1 * MiB } as const;
/** JSON objects and arrays a listing page may hold, whatever its byte size. */
export const MAX_CONTAINERS = 100_000;
/** A listing fails after this many pages in a row that bring no new valid record (a stuck server). */
export const STALLED_PAGES = 3;
/** No listing goes past this many records, whatever a server keeps sending. */
export const MAX_LISTED_RECORDS = 1_000_000;
/** Pages beyond what MAX_LISTED_RECORDS needs at the page size asked for (a server may send short pages). */
export const SPARE_PAGES = 100;
/** Contradicted ids a listing may have; also the room the selection keeps for the bans. */
export const MAX_CONFLICTS = 100;
/** Instances of one project that some fleet selects, at most. */
export const MAX_SELECTED_INSTANCES = 20_000;
/** Bytes of listing pages held at once by a run, whatever the number of instances listing. */
export const LISTING_BYTES_HELD = 32 * MiB;
/**
 * Renewals of one account's temporary credentials in one run (a 14-hour run with 15-minute credentials needs
 * about 110): a source whose credentials expire at once costs no request, memory or redaction per request.
 */
export const MAX_RENEWALS = 1_000;
/** A token file (an id token, a pod's token) is read only up to this: IAM takes id tokens of 20,000 characters. */
export const MAX_TOKEN_FILE_BYTES = 64 * 1024;

// Output does not grow with the backlog.

/** Ignored records of one listing logged one by one; the rest are counted by reason. */
export const IGNORED_LOGGED = 20;
/** No log line is longer. */
export const MAX_LOG_LINE_BYTES = 16 * 1024;
/** What the `run finished` record's summary may take of a line. */
export const LOGGED_SUMMARY_BYTES = 12 * 1024;

// Answers stay small.

/** The Lambda's answer (RunSummary): failures kept per instance and in all, and its size. */
export const ANSWER = { failuresPerInstance: 100, failures: 1_000, maxBytes: 1_000_000 } as const;
/** An EventBridge event's detail. */
export const MAX_DETAIL_BYTES = 64 * 1024;
