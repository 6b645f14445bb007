// Command-line arguments of contract §1, parsed strictly: an unknown flag is an error.
import { parseArgs } from 'node:util';
import { durationSchema, MIN_AGE_MS } from '../config/duration.js';
import { InputError } from '../config/errors.js';
import type { RunRequest } from '../config/plan.js';

/** How a run shows itself: the summary format on stdout, the log format on stderr. */
export interface Output {
  json: boolean;
  /** Forced log format; when absent, pretty on a terminal (and not --json), JSON lines otherwise. */
  logFormat: 'pretty' | 'json' | undefined;
  verbose: boolean;
}

export type Command =
  | {
      name: 'run';
      configPath: string;
      credentialsPath: string | undefined;
      request: RunRequest;
      output: Output;
    }
  | { name: 'validate'; configPath: string }
  | { name: 'simulate'; output: Output }
  | { name: 'help' };

export const USAGE = `Usage:
  dcs-task-cleanup run --config FILE [--dry-run | --no-dry-run] [--instance ID]... [--older-than DUR]
                       [--time-budget DUR] [--credentials FILE] [--json]
                       [--log-format pretty|json] [--verbose]
  dcs-task-cleanup validate --config FILE
  dcs-task-cleanup simulate [--json] [--log-format pretty|json] [--verbose]

Durations: an integer and m, h or d (90m, 12h, 7d). Credentials: CLOUD_SDK_AK, CLOUD_SDK_SK and
optional CLOUD_SDK_SECURITY_TOKEN (the "default" account), and --credentials FILE with
{"accounts": {"NAME": {"ak","sk","securityToken"?}}}. Exit codes: 0 ok, 1 failures or incomplete,
2 bad input (nothing deleted).
`;

const OPTIONS = {
  config: { type: 'string' },
  credentials: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'no-dry-run': { type: 'boolean' },
  instance: { type: 'string', multiple: true },
  'older-than': { type: 'string' },
  'time-budget': { type: 'string' },
  json: { type: 'boolean' },
  'log-format': { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const;

const OUTPUT_FLAGS = ['json', 'log-format', 'verbose'];
const ALLOWED: Record<string, readonly string[]> = {
  run: [
    'config',
    'credentials',
    'dry-run',
    'no-dry-run',
    'instance',
    'older-than',
    'time-budget',
    ...OUTPUT_FLAGS,
  ],
  validate: ['config'],
  simulate: OUTPUT_FLAGS,
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
  const logFormat = values['log-format'];
  if (logFormat !== undefined && logFormat !== 'pretty' && logFormat !== 'json') {
    throw InputError.of('--log-format', `must be pretty or json, not "${logFormat}"`);
  }
  const output: Output = { json: values.json ?? false, logFormat, verbose: values.verbose ?? false };

  if (name === 'simulate') return { name: 'simulate', output };
  const configPath = values.config;
  if (!configPath) throw InputError.of('--config', 'is required: the path of the config file');
  if (name === 'validate') return { name: 'validate', configPath };

  if (values['dry-run'] && values['no-dry-run']) {
    throw InputError.of('--dry-run', 'cannot be combined with --no-dry-run');
  }
  const olderThan = values['older-than'];
  const timeBudget = values['time-budget'];
  const olderThanMs =
    olderThan === undefined ? undefined : parseFlag('--older-than', olderThanSchema, olderThan);
  return {
    name: 'run',
    configPath,
    credentialsPath: values.credentials,
    output,
    request: {
      dryRun: values['dry-run'] ? true : values['no-dry-run'] ? false : undefined,
      timeBudgetMs:
        timeBudget === undefined ? undefined : parseFlag('--time-budget', timeBudgetSchema, timeBudget),
      narrowing:
        values.instance === undefined && olderThanMs === undefined
          ? undefined
          : {
              instanceIds: values.instance,
              olderThanMs,
              // On the command line the operator owns the policy: --older-than replaces the age.
              olderThanMayShorten: true,
              fields: { instanceId: () => '--instance', olderThan: '--older-than' },
            },
    },
  };
}

function parseFlag(flag: string, schema: typeof olderThanSchema, value: string): number {
  const result = schema.safeParse(value);
  if (!result.success) throw InputError.of(flag, result.error.issues[0]?.message ?? 'is invalid');
  return result.data;
}
