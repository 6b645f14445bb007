// Command-line arguments of contract §1, parsed strictly: an unknown flag is an error.
import { parseArgs } from 'node:util';
import { durationSchema, MIN_AGE_MS } from '../config/duration.js';
import { InputError } from '../config/errors.js';
import type { RunRequest } from '../config/plan.js';

export type Command =
  | { name: 'run'; configPath: string; request: RunRequest; json: boolean }
  | { name: 'validate'; configPath: string }
  | { name: 'simulate'; json: boolean }
  | { name: 'help' };

export const USAGE = `Usage:
  dcs-task-cleanup run --config FILE [--dry-run | --no-dry-run] [--instance ID]... [--older-than DUR]
                       [--time-budget DUR] [--json]
  dcs-task-cleanup validate --config FILE
  dcs-task-cleanup simulate [--json]

Durations: an integer and m, h or d (90m, 12h, 7d). Credentials: CLOUD_SDK_AK, CLOUD_SDK_SK and
optional CLOUD_SDK_SECURITY_TOKEN. Exit codes: 0 ok, 1 failures or incomplete, 2 bad input.
`;

const OPTIONS = {
  config: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'no-dry-run': { type: 'boolean' },
  instance: { type: 'string', multiple: true },
  'older-than': { type: 'string' },
  'time-budget': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const ALLOWED: Record<string, readonly string[]> = {
  run: ['config', 'dry-run', 'no-dry-run', 'instance', 'older-than', 'time-budget', 'json'],
  validate: ['config'],
  simulate: ['json'],
};

const timeBudgetSchema = durationSchema(60_000);
const olderThanSchema = durationSchema(MIN_AGE_MS);

export function parseCommand(argv: readonly string[]): Command {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw InputError.of('arguments', (error as Error).message);
  }
  const { values, positionals } = parsed;
  const [name, ...extra] = positionals;
  if (values.help || name === 'help') return { name: 'help' };
  if (!name) throw InputError.of('command', 'missing: use run, validate or simulate');
  const allowed = ALLOWED[name];
  if (!allowed) throw InputError.of('command', `unknown command "${name}": use run, validate or simulate`);
  if (extra.length > 0) throw InputError.of('arguments', `unexpected argument "${extra[0]}"`);
  for (const flag of Object.keys(values)) {
    if (!allowed.includes(flag)) throw InputError.of(`--${flag}`, `is not an option of ${name}`);
  }

  if (name === 'simulate') return { name: 'simulate', json: values.json ?? false };
  const configPath = values.config;
  if (!configPath) throw InputError.of('--config', 'is required: the path of the config file');
  if (name === 'validate') return { name: 'validate', configPath };

  if (values['dry-run'] && values['no-dry-run']) {
    throw InputError.of('--dry-run', 'cannot be combined with --no-dry-run');
  }
  const dryRun = values['dry-run'] ? true : values['no-dry-run'] ? false : undefined;
  return {
    name: 'run',
    configPath,
    json: values.json ?? false,
    request: {
      dryRun,
      instanceIds: values.instance,
      olderThanMs:
        values['older-than'] === undefined
          ? undefined
          : parseFlag('--older-than', olderThanSchema, values['older-than']),
      timeBudgetMs:
        values['time-budget'] === undefined
          ? undefined
          : parseFlag('--time-budget', timeBudgetSchema, values['time-budget']),
    },
  };
}

function parseFlag(flag: string, schema: typeof olderThanSchema, value: string): number {
  const result = schema.safeParse(value);
  if (!result.success) throw InputError.of(flag, result.error.issues[0]?.message ?? 'is invalid');
  return result.data;
}
