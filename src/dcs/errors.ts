import { STATUS_CODES } from 'node:http';
import { CleanupError } from '../errors/cleanup-error.js';
import type { NotSentReason, TransportError } from '../http/request.js';
import { cut, TEXT_LIMITS } from '../text/cut.js';
import { parseJsonQuietly } from '../text/json.js';

/**
 * Why a DCS request did not succeed:
 * - `http`: the API answered with an error status;
 * - `network`: reset, refused or timed out (no usable answer);
 * - `tls`: the endpoint's certificate is not trusted or not valid (a set-up problem: not retried);
 * - `malformed`: a 2xx whose body is not what the API documents, or any body over its size cap;
 * - `not-sent`: the run stopped sending (time budget spent or authentication halted) before this request.
 */
export type DcsErrorKind = 'http' | 'network' | 'tls' | 'malformed' | 'not-sent';

export type { NotSentReason } from '../http/request.js';

const CODES: Record<DcsErrorKind, string> = {
  http: 'DCS_HTTP',
  network: 'DCS_NETWORK',
  tls: 'DCS_TLS',
  malformed: 'DCS_MALFORMED',
  'not-sent': 'DCS_NOT_SENT',
};

export interface DcsErrorDetails {
  kind: DcsErrorKind;
  httpStatus: number | null;
  errorCode: string | null;
  /** What went wrong, in the server's words (cut) or ours; null when an error answer said nothing. */
  detail: string | null;
  requestId: string | null;
  attempts: number;
  notSent?: NotSentReason;
}

export class DcsError extends CleanupError implements DcsErrorDetails {
  override readonly name = 'DcsError';
  readonly code: string;
  readonly kind: DcsErrorKind;
  readonly httpStatus: number | null;
  readonly errorCode: string | null;
  readonly requestId: string | null;
  readonly notSent: NotSentReason | undefined;
  readonly detail: string | null;
  attempts: number;

  constructor(details: DcsErrorDetails, options?: { cause?: unknown }) {
    super(details.detail ?? statusText(details.httpStatus), options);
    this.code = CODES[details.kind];
    this.detail = details.detail;
    this.kind = details.kind;
    this.httpStatus = details.httpStatus;
    this.errorCode = details.errorCode;
    this.requestId = details.requestId;
    this.attempts = details.attempts;
    this.notSent = details.notSent;
  }

  /** The `error` object of a RunSummary instance: the status's reason phrase when the server said nothing. */
  toSummaryError(): { httpStatus: number | null; errorCode: string | null; message: string } {
    return { httpStatus: this.httpStatus, errorCode: this.errorCode, message: this.message };
  }
}

/** `Internal Server Error` for 500: what an answer without a message says. */
export function statusText(status: number | null): string {
  return (status !== null && STATUS_CODES[status]) || 'no message';
}

/** An error answer, read from the Huawei error body (`error_code`/`error_msg`, or `error.code`/`error.message`). */
export function errorFromResponse(
  response: { status: number; text: string; requestId: string | undefined },
  attempts: number,
  redact: (text: string) => string,
): DcsError {
  const parsed = parseJsonQuietly(response.text) as {
    error_code?: unknown;
    error_msg?: unknown;
    request_id?: unknown;
    error?: { code?: unknown; message?: unknown };
  } | null;
  const code = parsed?.error_code ?? parsed?.error?.code;
  const message = parsed?.error_msg ?? parsed?.error?.message;
  return new DcsError({
    kind: 'http',
    httpStatus: response.status,
    errorCode: typeof code === 'string' && code !== '' ? cut(code, TEXT_LIMITS.errorCode) : null,
    // null when the server said nothing: views show the status then, never an invented text.
    detail: typeof message === 'string' && message !== '' ? cut(redact(message), TEXT_LIMITS.message) : null,
    requestId: requestIdOf(response.requestId ?? parsed?.request_id),
    attempts,
  });
}

/** A request that got no usable answer (see TransportError). */
export function errorFromTransport(error: TransportError, redact: (text: string) => string): DcsError {
  return new DcsError(
    {
      kind: error.kind,
      httpStatus: null,
      errorCode: null,
      detail: cut(redact(error.message), TEXT_LIMITS.message),
      requestId: null,
      attempts: error.attempts,
    },
    { cause: error },
  );
}

export function malformedError(
  message: string,
  httpStatus: number | null,
  attempts: number,
  options?: { cause?: unknown },
): DcsError {
  return new DcsError(
    { kind: 'malformed', httpStatus, errorCode: null, detail: message, requestId: null, attempts },
    options,
  );
}

/**
 * A request the run did not send; an endpoint found down and an account without credentials say so
 * themselves (`endpoint unavailable: …`, `credentials unavailable: …`).
 */
export function notSentError(
  reason: string,
  why: NotSentReason = 'interrupted',
  options?: { cause?: unknown },
): DcsError {
  return new DcsError(
    {
      kind: 'not-sent',
      httpStatus: null,
      errorCode: null,
      detail: why === 'unavailable' || why === 'credentials' ? reason : `not sent: ${reason}`,
      requestId: null,
      attempts: 0,
      notSent: why,
    },
    options,
  );
}

function requestIdOf(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? cut(value, TEXT_LIMITS.requestId) : null;
}

/** A code DCS itself gives (`DCS.xxxx`, or the legacy nine digits `111xxxxxx`), not the gateway's or a proxy's. */
const DCS_CODE = /^(DCS\.\d{4}|111\d{6})$/;

/** Whether an error answer came from DCS: its error JSON with a DCS code (docs/safety.md, "A 404 must come from DCS"). */
export function isFromDcs(error: DcsError): boolean {
  return error.kind === 'http' && error.errorCode !== null && DCS_CODE.test(error.errorCode);
}

/** A 404 that names no instance or task of DCS: the gateway has no such API there (or a proxy answered). */
export function notDcsApiMessage(endpoint: string, error: DcsError): string {
  const answer = [error.httpStatus, error.errorCode].filter((part) => part !== null).join(' ');
  return `the endpoint ${endpoint} does not serve the DCS API here: check \`endpoint\` and the region (${answer}: ${error.message})`;
}

/** Error codes that mean "not now": the task is skipped and tried again at the next run. */
export const NOT_NOW_CODES = new Set(['DCS.4017', 'DCS.4957', '111400017']);
/** 404 with this code on DELETE: the instance itself is gone. */
export const INSTANCE_GONE_CODES = new Set(['DCS.3022', '111404022']);
