import { cut, TEXT_LIMITS } from '../text/cut.js';
import { parseJsonOrNull } from './json.js';

/**
 * Why a DCS request did not succeed:
 * - `http`: the API answered with an error status;
 * - `network`: reset, refused or timed out (no usable answer);
 * - `tls`: the endpoint's certificate is not trusted or not valid (a set-up problem: not retried);
 * - `malformed`: a 2xx whose body is not what the API documents, or any body over its size cap;
 * - `not-sent`: the run stopped sending (time budget spent or authentication halted) before this request.
 */
export type DcsErrorKind = 'http' | 'network' | 'tls' | 'malformed' | 'not-sent';

/** Why a not-sent request was not sent: the time budget ran out, or the run was stopped (signal, 401s). */
export type NotSentReason = 'budget' | 'interrupted';

export interface DcsErrorDetails {
  kind: DcsErrorKind;
  httpStatus: number | null;
  errorCode: string | null;
  message: string;
  requestId: string | null;
  attempts: number;
  notSent?: NotSentReason;
}

export class DcsError extends Error implements DcsErrorDetails {
  override readonly name = 'DcsError';
  readonly kind: DcsErrorKind;
  readonly httpStatus: number | null;
  readonly errorCode: string | null;
  readonly requestId: string | null;
  readonly notSent: NotSentReason | undefined;
  attempts: number;

  constructor(details: DcsErrorDetails) {
    super(details.message);
    this.kind = details.kind;
    this.httpStatus = details.httpStatus;
    this.errorCode = details.errorCode;
    this.requestId = details.requestId;
    this.attempts = details.attempts;
    this.notSent = details.notSent;
  }

  /** The `error` object of a RunSummary instance. */
  toSummaryError(): { httpStatus: number | null; errorCode: string | null; message: string } {
    return { httpStatus: this.httpStatus, errorCode: this.errorCode, message: this.message };
  }
}

const CERTIFICATE_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/;

/** An error answer, read from the Huawei error body (`error_code`/`error_msg`, or `error.code`/`error.message`). */
export function errorFromResponse(
  response: { status: number; body: string; requestId: string | undefined },
  attempts: number,
  redact: (text: string) => string,
): DcsError {
  const parsed = parseJsonOrNull(response.body) as {
    error_code?: unknown;
    error_msg?: unknown;
    request_id?: unknown;
    error?: { code?: unknown; message?: unknown };
  } | null;
  const code = parsed?.error_code ?? parsed?.error?.code;
  const message = parsed?.error_msg ?? parsed?.error?.message;
  const bodyRequestId = parsed?.request_id;
  return new DcsError({
    kind: 'http',
    httpStatus: response.status,
    errorCode: typeof code === 'string' && code !== '' ? cut(code, TEXT_LIMITS.errorCode) : null,
    message:
      typeof message === 'string' && message !== ''
        ? cut(redact(message), TEXT_LIMITS.message)
        : `HTTP ${response.status}`,
    requestId: requestIdOf(response.requestId ?? bodyRequestId),
    attempts,
  });
}

/**
 * A request that got no usable answer: reset, refused, a certificate problem, or no complete answer within
 * `timeoutMs` (headers and the whole body: a trickling server is cut off like a silent one).
 */
export function errorFromException(
  error: unknown,
  attempts: number,
  redact: (text: string) => string,
  timeoutMs: number,
): DcsError {
  const { code, message, name } = error as { code?: string; message?: string; name?: string };
  const cause = (error as { cause?: { code?: string } }).cause?.code;
  const tls = CERTIFICATE_ERROR.test(`${code} ${cause}`);
  const detail =
    name === 'TimeoutError'
      ? `no complete answer within ${timeoutMs} ms`
      : [code ?? cause, message].filter(Boolean).join(' ') || String(error);
  return new DcsError({
    kind: tls ? 'tls' : 'network',
    httpStatus: null,
    errorCode: null,
    message: cut(redact(`${tls ? 'TLS' : 'network'} error: ${detail}`), TEXT_LIMITS.message),
    requestId: null,
    attempts,
  });
}

export function malformedError(message: string, httpStatus: number | null, attempts: number): DcsError {
  return new DcsError({ kind: 'malformed', httpStatus, errorCode: null, message, requestId: null, attempts });
}

export function notSentError(reason: string, why: NotSentReason = 'interrupted'): DcsError {
  return new DcsError({
    kind: 'not-sent',
    httpStatus: null,
    errorCode: null,
    message: `not sent: ${reason}`,
    requestId: null,
    attempts: 0,
    notSent: why,
  });
}

function requestIdOf(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? cut(value, TEXT_LIMITS.requestId) : null;
}

/** Error codes that mean "not now": the task is skipped and tried again at the next run. */
export const NOT_NOW_CODES = new Set(['DCS.4017', 'DCS.4957', '111400017']);
/** 404 with this code on DELETE: the instance itself is gone. */
export const INSTANCE_GONE_CODES = new Set(['DCS.3022', '111404022']);
