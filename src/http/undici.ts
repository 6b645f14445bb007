// undici's Agent and its request API, without the rest of undici (fetch, WebSocket, mocks, caches):
// the package's entry point loads all of it and would double the size of the Lambda bundle. These are
// internal paths: package.json pins undici exactly, and test/undici-pin.test.ts fails when they move.
import type { Dispatcher } from 'undici';
import requestApi from 'undici/lib/api/api-request.js';
import AgentClass from 'undici/lib/dispatcher/agent.js';

export const Agent = AgentClass;

export function request(
  dispatcher: Dispatcher,
  options: Dispatcher.RequestOptions,
): Promise<Dispatcher.ResponseData> {
  return requestApi.call(dispatcher, options);
}
