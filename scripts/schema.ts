// `npm run schema`: writes schema/cleanup.schema.json from the config's zod schema.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configJsonSchemaText, SCHEMA_FILE } from '../src/config/json-schema.js';

const path = join(process.cwd(), SCHEMA_FILE);
const text = configJsonSchemaText();
writeFileSync(path, text);
console.log(`wrote ${SCHEMA_FILE} (${(Buffer.byteLength(text) / 1024).toFixed(1)} KB)`);
