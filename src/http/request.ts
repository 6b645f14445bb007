// The transport's vocabulary (docs/architecture.md): a request, the response it got, and how the pieces that
// handle a request (pacing, retries, and the API's signing and auth guard) are stacked, each wrapping the
// next as undici's interceptors wrap a dispatcher.
import { CleanupError } from '../errors/cleanup-error.js';
import type { NotSentReason } from '../model/reasons.js';
import type { CappedBody } from './body.js';

export interface HttpRequest {
  /** `https://host[:port]`: requests are paced per origin. */
  origin: string;
  method: 'GET' | 'DELETE' | 'PUT' | 'POST';
  /** The request target exactly as sent: the percent-encoded path and query. */
  target: string;
  headers: Readonly<Record<string, string>>;
  /** A request body (the identity sources' calls; the DCS API's requests have none). */
  body?: string;
  /** Bytes read at most of a 2xx body, and of any other body. */
  bodyCaps: { success: number; error: number };
}

export interface HttpResponse {
  status: number;
  body: CappedBody;
  requestId: string | undefined;
  retryAfter: string | undefined;
  /** The server's clock, as its Date header gave it. */
  date: string | undefined;
}

/** A response and the attempts it took. */
export interface Delivered {
  response: HttpResponse;
  attempts: number;
}

/** Sends one request (one attempt, or with what wraps it, several). */
export type Send<R extends HttpRequest, T = HttpResponse> = (request: R) => Promise<T>;
/** Wraps a Send with one concern. */
export type Interceptor<R extends HttpRequest> = (next: Send<R>) => Send<R>;

/** `interceptors` around `send`, the first one outermost. */
export function stack<R extends HttpRequest>(send: Send<R>, ...interceptors: Interceptor<R>[]): Send<R> {
  return interceptors.reduceRight((next, interceptor) => interceptor(next), send);
}

/** No usable answer: the connection failed or timed out (`network`, retried), or TLS is wrong (`tls`). */
export class TransportError extends CleanupError {
  override readonly name = 'TransportError';
  readonly code: 'TRANSPORT_NETWORK' | 'TRANSPORT_TLS';
  readonly kind: 'network' | 'tls';
  attempts = 1;

  constructor(kind: 'network' | 'tls', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.code = kind === 'tls' ? 'TRANSPORT_TLS' : 'TRANSPORT_NETWORK';
  }
}

/**
 * Why a request was not sent (src/model/reasons.ts): the time budget ran out (`budget`), the run was stopped
 * (`interrupted`: a signal, or the account's 401s), or its endpoint is down (`unavailable`).
 */
export type { NotSentReason };

export class NotSentError extends CleanupError {
  override readonly name = 'NotSentError';
  readonly code = 'NOT_SENT';
  readonly reason: NotSentReason;

  constructor(reason: NotSentReason, message: string) {
    super(message);
    this.reason = reason;
  }
}
