// What a simulator is started with, and what it logs of each request it received.
import type { Credentials } from '../model/credentials.js';
import type { Operation } from './faults.js';
import type { IdentityOptions } from './identity.js';
import type { StoreOptions } from './store.js';

export interface SimulatorOptions extends StoreOptions {
  credentials?: Credentials[];
  /** Added to every response. */
  latencyMs?: number;
  /** The gateway's flow control: above it, 429 APIGW.0308. Burst defaults to a tenth of a second's worth. */
  rateLimit?: { requestsPerSecond: number; burst?: number; retryAfterSeconds?: number };
  /** A Date header sent instead of the clock's (a gateway or proxy that sends nonsense). */
  dateHeader?: string;
  /** The gateway's clock (signature age is checked against it; its Date header shows it). */
  now?: () => number;
  /** Operations the credentials lack the right to: 403, as IAM answers (`simulate --serve --deny`). */
  deny?: Operation[];
  seed?: number;
  /** Serve HTTPS with this key and certificate instead of HTTP. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** The port on 127.0.0.1; a free one when absent or 0. */
  port?: number;
  /** Also serve the identity sources (OIDC issuer, IAM STS, ECS metadata, pod identity, AWS STS). */
  identity?: IdentityOptions;
}

export interface RequestLogEntry {
  method: string;
  /** The request target's path exactly as received on the wire (not decoded, not normalised). */
  path: string;
  query: string;
  operation: Operation | null;
  projectId: string | null;
  instanceId: string | null;
  taskId: string | null;
  /** The access key that signed it. */
  ak: string | null;
  /** The HTTP status answered; -1 for a reset connection. */
  status: number;
  /** Body bytes written (fewer than the body when the client hung up first). */
  bytesSent: number;
  receivedAt: number;
  /** The Signature of the Authorization header, so tests can check that no output repeats it. */
  signature: string | null;
}
