// PutEvents with its partial failures handled: failed entries are sent again, and what still fails is returned.
import type { EventBridgeClient, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { CleanupError } from '../errors/cleanup-error.js';
import { type AlertEvent, EVENT_SOURCE } from '../report/events.js';

/** A run that was not ok could not say so: the invocation fails, so that its own alarm fires. */
export class AlertNotPublishedError extends CleanupError {
  override readonly name = 'AlertNotPublishedError';
  readonly code = 'ALERT_NOT_PUBLISHED';
}

export interface PublishOptions {
  busName: string;
  resources?: string[];
  attempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface PublishFailure {
  event: AlertEvent;
  reason: string;
}

let client: EventBridgeClient | undefined;

/** The SDK is loaded on first use, not at cold start: most invocations publish once, at the end. */
async function eventBridge() {
  const sdk = await import('@aws-sdk/client-eventbridge');
  client ??= new sdk.EventBridgeClient({});
  return { client, PutEventsCommand: sdk.PutEventsCommand };
}

export async function publishEvents(
  events: readonly AlertEvent[],
  { busName, resources = [], attempts = 3, sleep = defaultSleep }: PublishOptions,
): Promise<PublishFailure[]> {
  const { client, PutEventsCommand } = await eventBridge();
  let pending: PublishFailure[] = events.map((event) => ({ event, reason: 'not sent' }));
  for (let attempt = 1; attempt <= attempts && pending.length > 0; attempt++) {
    if (attempt > 1) await sleep(200 * 2 ** attempt);
    const entries: PutEventsRequestEntry[] = pending.map(({ event }) => ({
      Source: EVENT_SOURCE,
      DetailType: event.detailType,
      Detail: JSON.stringify(event.detail),
      EventBusName: busName,
      Resources: resources,
    }));
    try {
      const output = await client.send(new PutEventsCommand({ Entries: entries }));
      if (!output.FailedEntryCount) return [];
      pending = pending.flatMap((failure, index) => {
        const result = output.Entries?.[index];
        return result?.EventId
          ? []
          : [
              {
                event: failure.event,
                reason: `${result?.ErrorCode ?? 'unknown'}: ${result?.ErrorMessage ?? ''}`,
              },
            ];
      });
    } catch (error) {
      pending = pending.map(({ event }) => ({ event, reason: (error as Error).message }));
    }
  }
  return pending;
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
