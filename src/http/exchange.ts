// One HTTP exchange over undici: headers and the whole body within a timeout, the body read up to a cap.
import type { Dispatcher } from 'undici';
import { readCappedBody } from './body.js';
import { headerValue } from './header.js';
import { type HttpRequest, type HttpResponse, type Send, TransportError } from './request.js';
import { request as undiciRequest } from './undici.js';

const CERTIFICATE_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/;

/**
 * Sends requests through `dispatcher`. A failure to get a complete answer within `timeoutMs` (connect,
 * headers and the whole body: a trickling server is cut off like a silent one) is a TransportError.
 */
export function exchange(dispatcher: Dispatcher, timeoutMs: number): Send<HttpRequest> {
  return async (request) => {
    try {
      const response = await undiciRequest(dispatcher, {
        origin: request.origin,
        path: request.target,
        method: request.method,
        headers: { ...request.headers },
        ...(request.body === undefined ? {} : { body: request.body }),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      const body = await readCappedBody(
        response.body,
        headerValue(response.headers['content-length']),
        ok ? request.bodyCaps.success : request.bodyCaps.error,
      );
      return {
        status: response.statusCode,
        body,
        requestId: headerValue(response.headers['x-request-id']),
        retryAfter: headerValue(response.headers['retry-after']),
        date: headerValue(response.headers.date),
      } satisfies HttpResponse;
    } catch (error) {
      throw transportError(error, request.origin, timeoutMs);
    }
  };
}

function transportError(error: unknown, origin: string, timeoutMs: number): TransportError {
  const { code, message, name } = error as { code?: string; message?: string; name?: string };
  const cause = (error as { cause?: { code?: string } }).cause?.code;
  const tls = CERTIFICATE_ERROR.test(`${code} ${cause}`);
  const detail =
    name === 'TimeoutError'
      ? `no answer from ${origin} within ${timeoutMs} ms`
      : [code ?? cause, message].filter(Boolean).join(' ') || String(error);
  return new TransportError(tls ? 'tls' : 'network', `${tls ? 'TLS' : 'network'} error: ${detail}`, {
    cause: error,
  });
}
