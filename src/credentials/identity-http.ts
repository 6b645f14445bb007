// The identity sources' HTTP calls (metadata service, STS, pod identity): untrusted answers like the DCS
// API's (docs/bounds.md: at most 1 MiB, a whole answer within the timeout), and failures that say whether
// trying again may help (5xx, 429 and network failures; never another 4xx).
import type { Dispatcher } from 'undici';
import { BODY_CAPS } from '../bounds/limits.js';
import { exchange } from '../http/exchange.js';
import { TransportError } from '../http/request.js';
import { isRetryableStatus } from '../http/retry.js';
import { cut, TEXT_LIMITS } from '../text/cut.js';
import { parseJsonQuietly } from '../text/json.js';
import { printable } from '../text/printable.js';
import { CredentialsError } from './errors.js';

export interface IdentityRequest {
  /** The service, as errors name it: `the ECS metadata service (http://…)`. */
  what: string;
  url: string;
  method: 'GET' | 'PUT' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

export interface IdentityAnswer {
  status: number;
  text: string;
}

/** One call; a failure to get a whole, bounded answer is a CredentialsError naming the host. */
export type IdentityCall = (request: IdentityRequest) => Promise<IdentityAnswer>;

/** The identity timeout (docs/bounds.md): the same 10 s as any request. */
export const IDENTITY_TIMEOUT_MS = 10_000;

export function identityCaller(dispatcher: Dispatcher, timeoutMs = IDENTITY_TIMEOUT_MS): IdentityCall {
  const send = exchange(dispatcher, timeoutMs);
  return async ({ what, url, method, headers = {}, body }) => {
    const { origin, pathname, search } = new URL(url);
    try {
      const response = await send({
        origin,
        method,
        target: `${pathname}${search}`,
        headers: { 'User-Agent': 'dcs-task-cleanup', ...headers },
        ...(body === undefined ? {} : { body }),
        bodyCaps: { success: BODY_CAPS.other, error: BODY_CAPS.other },
      });
      if ('tooLarge' in response.body)
        throw new CredentialsError(`${what} sent a ${response.body.tooLarge}`, false);
      return { status: response.status, text: response.body.text };
    } catch (error) {
      if (error instanceof TransportError)
        throw new CredentialsError(`${what}: ${error.message}`, error.kind === 'network', { cause: error });
      throw error;
    }
  };
}

/**
 * A non-2xx answer as an error: `what` answered HTTP N, with the error code and message of a Huawei error
 * body when there is one (`error_code`/`error_msg`, or `code`/`message`), cut and printable.
 */
export function answerError(what: string, answer: IdentityAnswer, fix?: string): CredentialsError {
  const body = parseJsonQuietly(answer.text) as Record<string, unknown> | undefined;
  const field = (...names: string[]) =>
    names.map((name) => body?.[name]).find((value): value is string => typeof value === 'string');
  const code = field('error_code', 'code');
  const message = field('error_msg', 'message') ?? (body ? undefined : answer.text.trim());
  const detail = [code, message && cut(printable(message), TEXT_LIMITS.message)].filter(Boolean).join(': ');
  return new CredentialsError(
    `${what} answered HTTP ${answer.status}${detail ? ` ${detail}` : ''}${fix ? ` (${fix})` : ''}`,
    isRetryableStatus(answer.status),
  );
}
