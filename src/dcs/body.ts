// Response bodies are read as streams up to a cap (contract §7): a server cannot make the process hold more.
import type { Readable } from 'node:stream';

const MiB = 1024 * 1024;
/** A listing page (tasks or instances). */
export const LISTING_BODY_CAP = 8 * MiB;
/** Anything else: delete answers and error bodies. */
export const OTHER_BODY_CAP = 1 * MiB;

export type CappedBody = { text: string } | { tooLarge: string };

/**
 * The byte cap bounds bytes, not objects: 8 MiB of `{},` parses into 2.8 million objects (about 260 MB).
 * Every listing body is therefore scanned first, and refused past MAX_CONTAINERS objects and arrays (a real
 * page of 1,000 records holds a few thousand). The scan skips strings and costs about a millisecond a MiB.
 */
export const MAX_CONTAINERS = 100_000;

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

/** Why a body would parse into too many objects, or undefined when it may be parsed (strings are skipped). */
export function tooManyContainers(text: string): string | undefined {
  let containers = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c)
        i++; // a backslash escapes the next character
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) {
      inString = true;
    } else if ((char === 0x7b || char === 0x5b) && ++containers > MAX_CONTAINERS) {
      return `response body holds more than ${MAX_CONTAINERS} JSON objects and arrays`;
    }
  }
  return undefined;
}
