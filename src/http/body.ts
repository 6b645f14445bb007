// Response bodies are read as streams up to a cap (docs/bounds.md): a server cannot make the process hold more.
import type { Readable } from 'node:stream';

export const MiB = 1024 * 1024;

export type CappedBody = { text: string } | { tooLarge: string };

/**
 * Reads a body up to `cap` bytes. Past the cap (or when Content-Length already announces more) it stops at
 * once and destroys the stream, which aborts the request and closes its connection.
 */
export async function readCappedBody(
  body: Readable,
  contentLength: string | undefined,
  cap: number,
): Promise<CappedBody> {
  const tooLarge = { tooLarge: `response body larger than ${cap / MiB} MiB` };
  if (contentLength !== undefined && Number(contentLength) > cap) {
    body.destroy();
    return tooLarge;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > cap) {
      body.destroy();
      return tooLarge;
    }
    chunks.push(chunk as Buffer);
  }
  return { text: Buffer.concat(chunks, size).toString('utf8') };
}
