import { readFile } from 'node:fs/promises';
import type { Config } from '../model/config.js';
import { InputError } from './errors.js';
import { parseConfig } from './resolve.js';

/** Reads and validates a JSON config file. */
export async function loadConfigFile(path: string): Promise<Config> {
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
