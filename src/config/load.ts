import { readFile } from 'node:fs/promises';
import type { Config } from '../model/config.js';
import { InputError } from './errors.js';
import { parseConfig } from './resolve.js';

/** A config read from standard input (`--config -`) stops here: no config is this large. */
const MAX_STDIN_CONFIG_BYTES = 4 * 1024 * 1024;

/** Reads and validates a JSON config file; `-` is standard input (`stdin`). */
export async function loadConfigFile(path: string, stdin?: AsyncIterable<Buffer | string>): Promise<Config> {
  if (path === '-') return parseConfigText(await readStdin(stdin), 'standard input');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw InputError.of(
      '--config',
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      {
        cause: error,
      },
    );
  }
  return parseConfigText(text, path);
}

async function readStdin(stdin: AsyncIterable<Buffer | string> | undefined): Promise<string> {
  if (!stdin) throw InputError.of('--config', '- (standard input) is not available here');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += bytes.length;
    if (size > MAX_STDIN_CONFIG_BYTES) {
      throw InputError.of(
        '--config',
        `- (standard input) is larger than ${MAX_STDIN_CONFIG_BYTES / 1024 / 1024} MiB`,
      );
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses config JSON text; `source` names it in errors. */
export function parseConfigText(text: string, source: string): Config {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw InputError.of('', `${source} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseConfig(json);
}
