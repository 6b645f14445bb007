/**
 * Why a DCS request did not succeed:
 * - `http`: the API answered with an error status;
 * - `network`: reset, refused or timed out (no usable answer);
 * - `tls`: the endpoint's certificate is not trusted or not valid (a set-up problem: not retried);
 * - `malformed`: a 2xx whose body is not what the API documents;
 * - `not-sent`: the run stopped sending (time budget spent or authentication halted) before this request.
 */
export type DcsErrorKind = 'http' | 'network' | 'tls' | 'malformed' | 'not-sent';

export interface DcsErrorDetails {
  kind: DcsErrorKind;
  httpStatus: number | null;
  errorCode: string | null;
  message: string;
  requestId: string | null;
  attempts: number;
}

export class DcsError extends Error implements DcsErrorDetails {
  override readonly name = 'DcsError';
  readonly kind: DcsErrorKind;
  readonly httpStatus: number | null;
  readonly errorCode: string | null;
  readonly requestId: string | null;
  attempts: number;

  constructor(details: DcsErrorDetails) {
    super(details.message);
    this.kind = details.kind;
    this.httpStatus = details.httpStatus;
    this.errorCode = details.errorCode;
    this.requestId = details.requestId;
    this.attempts = details.attempts;
  }

  /** The `error` object of a RunSummary instance. */
  toSummaryError(): { httpStatus: number | null; errorCode: string | null; message: string } {
    return { httpStatus: this.httpStatus, errorCode: this.errorCode, message: this.message };
  }
}

/** Error codes that mean "not now": the task is skipped and tried again at the next run. */
export const NOT_NOW_CODES = new Set(['DCS.4017', 'DCS.4957', '111400017']);
/** 404 with this code on DELETE: the instance itself is gone. */
export const INSTANCE_GONE_CODES = new Set(['DCS.3022', '111404022']);
