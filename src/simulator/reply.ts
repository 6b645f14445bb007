/** What the simulator answers: a status with a JSON (or raw) body. */
export interface Reply {
  status: number;
  body?: unknown;
  /** Sent as is instead of `body` (malformed bodies). */
  rawBody?: string;
  headers?: Record<string, string>;
}

/** The error body every Huawei API (gateway and DCS) uses. */
export function apiError(status: number, errorCode: string, message = `HTTP ${status}`): Reply {
  return { status, body: { error_code: errorCode, error_msg: message, error_ext_msg: null } };
}

export function retryAfterHeader(seconds: number | undefined): Record<string, string> {
  return seconds === undefined ? {} : { 'Retry-After': String(seconds) };
}
