// schema/cleanup.schema.json, generated from the zod schema that validates configs (docs/config.md, "Schema").
// JSON Schema cannot say refinements (duplicates, "at least one entry") or transforms (duration ranges,
// endpoint rules): there it is looser than `validate`, never stricter.
import * as z from 'zod';
import { configSchema } from './schema.js';

export const SCHEMA_FILE = 'schema/cleanup.schema.json';

export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { target: 'draft-2020-12', io: 'input' });
}

/** The file's text: what `npm run schema` writes and the freshness test compares. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
