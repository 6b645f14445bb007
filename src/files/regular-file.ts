// Reading a small file the tool is pointed at (a token file, the previous metrics file): only a regular file
// within its bound is read. A FIFO or a device is refused at once, never waited on; a large file is never
// read into memory.
import { constants, open } from 'node:fs/promises';

export type FileRead = { text: string } | { refused: string };

/** The file's text, or why it was not read; opening errors (ENOENT, EACCES) are thrown as they are. */
export async function readRegularFile(path: string, maxBytes: number): Promise<FileRead> {
  // Non-blocking: opening a FIFO with no writer would otherwise wait forever.
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { refused: 'is not a regular file' };
    if (info.size > maxBytes) return { refused: `is larger than ${maxBytes} bytes` };
    return { text: await handle.readFile('utf8') };
  } finally {
    await handle.close();
  }
}
