// What the Lambda tests share: an alert route on moto (a bus, a rule copying our events to a queue) and the
// handler's stdout and stderr captured while it runs.
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Moto } from './moto.js';

export interface PublishedEvent {
  'detail-type': string;
  detail: Record<string, unknown>;
  resources: string[];
}

/** Moto clients as the tests (not the handler) use them. */
export function motoClients(moto: Moto) {
  const config = {
    endpoint: moto.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  return { events: new EventBridgeClient(config), sqs: new SQSClient(config), config };
}

/** A bus named `name` whose rule copies every dcs-task-cleanup event to a queue; `received` drains it. */
export async function alertRoute(moto: Moto, name: string) {
  const { events, sqs } = motoClients(moto);
  await events.send(new CreateEventBusCommand({ Name: name }));
  const queue = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  await events.send(
    new PutRuleCommand({
      Name: `copy-${name}`,
      EventBusName: name,
      EventPattern: JSON.stringify({ source: ['dcs-task-cleanup'] }),
    }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: `copy-${name}`,
      EventBusName: name,
      Targets: [{ Id: 'queue', Arn: Attributes?.QueueArn }],
    }),
  );
  const received = async (): Promise<PublishedEvent[]> => {
    const all: PublishedEvent[] = [];
    for (;;) {
      const batch = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      if (!batch.Messages?.length) return all;
      all.push(...batch.Messages.map((message) => JSON.parse(message.Body ?? '{}')));
    }
  };
  return { bus: name, received };
}

/** Runs `work` with process.stdout and process.stderr captured (the handler's logs and EMF metrics). */
export async function capturingOutput<T>(work: () => Promise<T>, output: string[] = []): Promise<T> {
  const writes = [process.stdout.write, process.stderr.write];
  const capture = (chunk: unknown) => {
    output.push(String(chunk));
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  try {
    return await work();
  } finally {
    [process.stdout.write, process.stderr.write] = writes as [
      typeof process.stdout.write,
      typeof process.stderr.write,
    ];
  }
}
