// docs/config.md, "Schema": schema/cleanup.schema.json is generated from the zod schema, is current, and never rejects
// a config that `validate` accepts (it may be looser where JSON Schema cannot say what zod does).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, configJsonSchemaText, SCHEMA_FILE } from '../src/config/json-schema.js';
import { configSchema } from '../src/config/schema.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const ROOT = join(import.meta.dirname, '..');
const SCHEMA_PATH = join(ROOT, SCHEMA_FILE);
const ajv = new Ajv2020({ strict: true, allErrors: true });
const schemaAccepts = ajv.compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')));
const zodAccepts = (config: unknown) => configSchema.safeParse(config).success;

/** A config, not a Lambda payload: it names instances or fleets. */
const isConfig = (value: unknown): value is Json =>
  typeof value === 'object' &&
  value !== null &&
  'dryRun' in value &&
  ('instances' in value || 'fleets' in value);

/** Every JSON file in the repository that is a config: the example configs. */
function exampleConfigFiles(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (
      ['node_modules', 'dist', '.serverless', '.git', 'coverage', '.stryker-tmp', 'reports'].includes(
        entry.name,
      )
    ) {
      return [];
    }
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return exampleConfigFiles(path);
    if (!entry.name.endsWith('.json')) return [];
    return isConfig(JSON.parse(readFileSync(path, 'utf8'))) ? [path] : [];
  });
}

/** The README's JSON blocks that are configs. */
function readmeConfigs(): Json[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/```json\n([\s\S]*?)```/g)]
    .map((match) => JSON.parse(match[1] as string) as Json)
    .filter(isConfig);
}

const FILES = exampleConfigFiles();
const EXAMPLES: Json[] = [
  ...FILES.map((file) => JSON.parse(readFileSync(file, 'utf8')) as Json),
  ...readmeConfigs(),
];

const INSTANCE = {
  region: 'cn-north-4',
  projectId: '0123456789abcdef0123456789abcdef',
  instanceId: 'e2a3b1c0-1111-4222-8333-944455556666',
};
const FLEET = { region: 'cn-north-4', projectId: INSTANCE.projectId, tags: {} };

/** Values that sit near the edges of what either side accepts. */
const edgyValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    '',
    '0d',
    '59m',
    '1h',
    '7d',
    '9999999d',
    ' 7d',
    'SUCCESS',
    'FAILED',
    'EXECUTING',
    'default',
    'Prod',
    'prod-eu',
    'a'.repeat(33),
    'redis-*',
    'cache-??',
    'redis-[a]',
    '{a,b}',
    'https://dcs.cn-north-4.myhuaweicloud.com',
    'http://127.0.0.1:8080',
    'http://dcs.example.com',
    'https://x.example.com/v2',
    'cn-north-4',
    'North China',
    '0123456789ABCDEF0123456789ABCDEF',
    'E2A3B1C0-1111-4222-8333-944455556666',
    'e2a3b1c0-1111-4222-8333-94445555666',
    -1,
    0,
    1,
    1.5,
    8,
    64,
    65,
    1000,
    1001,
    10_000,
    100_000,
    100_001,
    true,
    false,
    null,
    [],
    {},
    ['SUCCESS', 'SUCCESS'],
  ),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

/** Every path into a JSON value, the root included. */
function pathsOf(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const here = [prefix];
  if (Array.isArray(value))
    return [...here, ...value.flatMap((item, index) => pathsOf(item, [...prefix, index]))];
  if (value !== null && typeof value === 'object') {
    return [...here, ...Object.entries(value).flatMap(([key, item]) => pathsOf(item, [...prefix, key]))];
  }
  return here;
}

/** An example with one to three mutations: a node replaced, removed, or given an extra key. */
const mutatedConfig: fc.Arbitrary<Json> = fc
  .tuple(
    fc.constantFrom(...EXAMPLES),
    fc.array(
      fc.record({
        at: fc.nat(),
        op: fc.constantFrom('replace', 'remove', 'add-key'),
        key: fc.oneof(
          fc.constantFrom('tags', 'names', 'account', 'olderThan', 'instanceId', 'extra'),
          fc.string(),
        ),
        value: edgyValue,
      }),
      { minLength: 1, maxLength: 3 },
    ),
  )
  .map(([example, mutations]) => {
    let config = structuredClone(example);
    for (const { at, op, key, value } of mutations) {
      const paths = pathsOf(config);
      const path = paths[at % paths.length] ?? [];
      if (path.length === 0) {
        if (op === 'replace') config = value;
        continue;
      }
      const parent = path
        .slice(0, -1)
        .reduce<Json>((node, step) => (node as Record<string, Json>)[step] as Json, config);
      const last = path.at(-1) as string | number;
      const container = parent as Record<string | number, Json>;
      if (op === 'replace') container[last] = value;
      else if (op === 'remove') {
        if (Array.isArray(parent)) parent.splice(last as number, 1);
        else delete container[last];
      } else {
        const node = container[last];
        if (node !== null && typeof node === 'object' && !Array.isArray(node)) node[key] = value;
      }
    }
    return config;
  });

describe('config JSON Schema', () => {
  it('the committed file is what the zod schema generates (run `npm run schema` after changing it)', () => {
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(configJsonSchemaText());
  });

  it('is draft 2020-12, closed, and describes every key', () => {
    const schema = configJsonSchema();
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const undescribed: string[] = [];
    const walk = (node: Record<string, unknown>, path: string) => {
      const properties = node.properties as Record<string, Record<string, unknown>> | undefined;
      if (properties) expect(node.additionalProperties, path).toBe(false);
      for (const [key, child] of Object.entries(properties ?? {})) {
        if (typeof child.description !== 'string') undescribed.push(`${path}.${key}`);
        walk(child, `${path}.${key}`);
      }
      if (node.items) walk(node.items as Record<string, unknown>, `${path}[]`);
    };
    walk(schema, '');
    expect(undescribed).toEqual([]);
  });

  it('every example config in the repository starts with "$schema" pointing at the schema, relative to it', () => {
    expect(FILES.map((file) => relative(ROOT, file))).toContain('infra/config/cleanup.json');
    for (const file of FILES) {
      const config = JSON.parse(readFileSync(file, 'utf8'));
      expect(Object.keys(config)[0], file).toBe('$schema');
      expect(resolve(dirname(file), config.$schema), file).toBe(SCHEMA_PATH);
    }
  });

  it('every example (files and README) is accepted by both the schema and validate', () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(2);
    for (const example of EXAMPLES) {
      expect(schemaAccepts(example), JSON.stringify(schemaAccepts.errors)).toBe(true);
      expect(zodAccepts(example), JSON.stringify(example)).toBe(true);
    }
  });

  // What JSON Schema cannot say: these pass the schema, and validate rejects them.
  it.each<[string, Json]>([
    ['an empty config', { dryRun: true }],
    ['a duplicate instanceId', { dryRun: true, instances: [INSTANCE, INSTANCE] }],
    ['an age under 1h', { dryRun: true, instances: [{ ...INSTANCE, olderThan: '30m' }] }],
    [
      'plain http to a remote host',
      { dryRun: true, instances: [{ ...INSTANCE, endpoint: 'http://dcs.example.com' }] },
    ],
    [
      'a repeated status',
      { dryRun: true, defaults: { statuses: ['SUCCESS', 'SUCCESS'] }, instances: [INSTANCE] },
    ],
  ])('looser than validate, never stricter: %s', (_name, config) => {
    expect(schemaAccepts(config)).toBe(true);
    expect(zodAccepts(config)).toBe(false);
  });

  it.each<[string, Json]>([
    ['no dryRun', { instances: [INSTANCE] }],
    ['an unknown key', { dryRun: true, instances: [INSTANCE], purge: true }],
    ['an upper-case account', { dryRun: true, instances: [{ ...INSTANCE, account: 'Prod' }] }],
    [
      'a fleet without tags',
      { dryRun: true, fleets: [{ region: 'cn-north-4', projectId: INSTANCE.projectId }] },
    ],
    ['a bracket glob', { dryRun: true, fleets: [{ ...FLEET, names: ['redis-[ab]'] }] }],
    ['EXECUTING', { dryRun: true, defaults: { statuses: ['EXECUTING'] }, instances: [INSTANCE] }],
    ['7 days', { dryRun: true, instances: [{ ...INSTANCE, olderThan: '7 days' }] }],
    ['concurrency 0', { dryRun: true, limits: { concurrency: 0 }, instances: [INSTANCE] }],
    ['keepLatest 1.5', { dryRun: true, defaults: { keepLatest: 1.5 }, instances: [INSTANCE] }],
  ])('both reject %s', (_name, config) => {
    expect(schemaAccepts(config)).toBe(false);
    expect(zodAccepts(config)).toBe(false);
  });

  it('property: whatever the schema rejects, validate rejects too (mutations of every example)', () => {
    const tally = { tried: 0, schemaRejected: 0, bothAccepted: 0, onlyValidateRejected: 0 };
    fc.assert(
      fc.property(mutatedConfig, (config) => {
        tally.tried++;
        const bySchema = schemaAccepts(config);
        const byZod = zodAccepts(config);
        if (!bySchema) tally.schemaRejected++;
        else if (byZod) tally.bothAccepted++;
        else tally.onlyValidateRejected++;
        return bySchema || !byZod;
      }),
      { numRuns: 4_000 },
    );
    console.log(`schema agreement: ${JSON.stringify(tally)}`);
    expect(tally.schemaRejected).toBeGreaterThan(500);
    expect(tally.bothAccepted).toBeGreaterThan(200);
  });
});
