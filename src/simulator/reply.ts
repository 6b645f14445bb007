/** What the simulator answers: a status with a JSON (or raw, or streamed) body. */
export interface Reply {
  status: number;
  body?: unknown;
  /** Sent as is instead of `body` (malformed bodies). */
  rawBody?: string;
  /** Generated while it is sent, instead of `body` (bodies too large to hold). */
  stream?: StreamedBody;
  headers?: Record<string, string>;
}

/** `prefix`, then `filler` repeated until `bytes` were sent (or the client hung up), then `suffix`. */
export interface StreamedBody {
  prefix: string;
  filler: string;
  bytes: number;
  suffix: string;
  /** Announce the size in Content-Length (otherwise the body is chunked). */
  declareLength: boolean;
}

/** The error body every Huawei API (gateway and DCS) uses. */
export function apiError(status: number, errorCode: string, message = `HTTP ${status}`): Reply {
  return { status, body: { error_code: errorCode, error_msg: message, error_ext_msg: null } };
}

export function retryAfterHeader(seconds: number | undefined): Record<string, string> {
  return seconds === undefined ? {} : { 'Retry-After': String(seconds) };
}
