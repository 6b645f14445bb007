// Writing a reply on the wire: whole, streamed (a body too large to hold, generated as it goes) or trickled.
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Reply, StreamedBody } from './reply.js';

const CHUNK_BYTES = 64 * 1024;

/** Sends the reply; resolves to the body bytes written (fewer when the client hung up first). */
export async function sendReply(
  res: ServerResponse,
  reply: Reply,
  headers: Record<string, string>,
  trickle?: { intervalMs: number; bytesPerTick: number },
): Promise<number> {
  if (reply.stream) return sendStream(res, reply.status, headers, reply.stream);
  const text = reply.rawBody ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
  if (!trickle) {
    // The string goes to the socket as is: no copy on the common path.
    const length = Buffer.byteLength(text);
    res.writeHead(reply.status, { ...headers, 'Content-Length': String(length) });
    res.end(text);
    return length;
  }
  const body = Buffer.from(text);
  res.writeHead(reply.status, { ...headers, 'Content-Length': String(body.length) });
  let sent = 0;
  while (sent < body.length && !res.destroyed) {
    await new Promise((resolve) => setTimeout(resolve, trickle.intervalMs));
    res.write(body.subarray(sent, sent + trickle.bytesPerTick));
    sent += trickle.bytesPerTick;
  }
  res.end();
  return Math.min(sent, body.length);
}

async function sendStream(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  stream: StreamedBody,
): Promise<number> {
  const chunk = Buffer.from(stream.filler.repeat(Math.ceil(CHUNK_BYTES / stream.filler.length)));
  const fillerBytes = Math.max(0, stream.bytes - stream.prefix.length - stream.suffix.length);
  const length = stream.declareLength
    ? { 'Content-Length': String(stream.prefix.length + fillerBytes + stream.suffix.length) }
    : {};
  res.writeHead(status, { ...headers, ...length });
  const closed = once(res, 'close').catch(() => undefined);
  res.write(stream.prefix);
  let sent = stream.prefix.length;
  for (let left = fillerBytes; left > 0 && !res.destroyed; ) {
    const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
    left -= piece.length;
    sent += piece.length;
    if (!res.write(piece)) await Promise.race([once(res, 'drain'), closed]);
  }
  if (!res.destroyed) res.end(stream.suffix);
  return sent;
}
