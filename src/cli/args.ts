// Command-line arguments (docs/cli.md), parsed strictly: an unknown flag is an error. One table of flags
// gives the parser its options, each command its help text and a mistyped flag its suggestion.
import { parseArgs } from 'node:util';
import leven from 'leven';
import { durationSchema, MIN_AGE_MS } from '../config/duration.js';
import { InputError } from '../config/errors.js';
import type { RunRequest } from '../model/run-request.js';

/** How a run shows itself: the summary format on stdout, the log format on stderr. */
export interface Output {
  json: boolean;
  /** Forced log format; when absent, pretty on a terminal (and not --json), JSON lines otherwise. */
  logFormat: 'pretty' | 'json' | undefined;
  verbose: boolean;
}

export type CommandName = 'run' | 'validate' | 'simulate';

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
  | { name: 'serve'; port: number; seed: number }
  | { name: 'help'; command: CommandName | undefined }
  | { name: 'version' };

/** A mistake in the command line itself: one line that names it, and a pointer to --help. */
export class UsageError extends InputError {
  readonly command: CommandName | undefined;

  constructor(path: string, message: string, command?: CommandName) {
    super([{ path, message }]);
    this.command = command;
  }
}

interface Flag {
  type: 'string' | 'boolean';
  multiple?: true;
  short?: string;
  /** What the value is, in the help text (FILE, DUR, …). */
  value?: string;
  help: string;
}

const FLAGS = {
  config: { type: 'string', value: 'FILE', help: 'the config file (JSON; schema/cleanup.schema.json)' },
  'dry-run': { type: 'boolean', help: 'select and report, delete nothing (over "dryRun")' },
  'no-dry-run': { type: 'boolean', help: 'delete for real (over "dryRun": true)' },
  instance: {
    type: 'string',
    multiple: true,
    value: 'ID',
    help: 'only this configured or discovered instance (repeat)',
  },
  'older-than': {
    type: 'string',
    value: 'DUR',
    help: 'replace every age: 90m, 12h, 7d (at least 1h)',
  },
  'time-budget': {
    type: 'string',
    value: 'DUR',
    help: 'start no new work after this; defer the rest',
  },
  credentials: { type: 'string', value: 'FILE', help: 'named accounts {"accounts":{"NAME":{"ak","sk"}}}' },
  json: { type: 'boolean', help: 'stdout: the RunSummary as one JSON document' },
  'log-format': {
    type: 'string',
    value: 'FMT',
    help: 'stderr: pretty or json (default: pretty on a tty)',
  },
  verbose: { type: 'boolean', short: 'v', help: 'also routine outcomes and each deferred task' },
  serve: { type: 'boolean', help: 'keep a simulator running for your own config' },
  port: { type: 'string', value: 'N', help: 'with --serve: its port on 127.0.0.1 (default: free)' },
  seed: { type: 'string', value: 'N', help: 'with --serve: the seed of its tasks (default 1)' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
  version: { type: 'boolean', help: 'print the version' },
} as const satisfies Record<string, Flag>;
type FlagName = keyof typeof FLAGS;

const OUTPUT_FLAGS: FlagName[] = ['json', 'log-format', 'verbose'];
const COMMANDS: Record<
  CommandName,
  { usage: string; short: string; about: string; flags: FlagName[]; notes: string[] }
> = {
  run: {
    short: 'one cleanup run over the configured instances',
    usage: 'run --config FILE [options]',
    about: 'One cleanup run over the configured and discovered instances.',
    flags: [
      'config',
      'dry-run',
      'no-dry-run',
      'instance',
      'older-than',
      'time-budget',
      'credentials',
      ...OUTPUT_FLAGS,
    ],
    notes: [
      'Credentials: CLOUD_SDK_AK, CLOUD_SDK_SK (and CLOUD_SDK_SECURITY_TOKEN) give the',
      '"default" account; --credentials gives named ones.',
      'Exit codes: 0 complete and nothing failed; 1 something failed or the run is',
      'incomplete; 2 bad arguments, config or credentials (nothing sent);',
      '130/143 stopped by SIGINT/SIGTERM (a summary is still written).',
    ],
  },
  validate: {
    short: 'check a config file',
    usage: 'validate --config FILE',
    about: 'Check a config file; print each problem with its path.',
    flags: ['config'],
    notes: ['Exit codes: 0 valid; 2 invalid.'],
  },
  simulate: {
    short: 'the demo; with --serve, a local DCS API',
    usage: 'simulate [--serve [--port N] [--seed N]] [options]',
    about: 'The demo, or (--serve) a local DCS API to try a config against.',
    flags: ['serve', 'port', 'seed', ...OUTPUT_FLAGS],
    notes: [
      'Without --serve: the demo, a real cleanup of a seeded fleet over signed HTTP.',
      'With --serve: prints its endpoint, keys and instance ids, writes a config and a',
      'credentials file for `run`, and serves until Ctrl-C or SIGTERM (exit 0).',
    ],
  },
};

const NAME = 'dcs-task-cleanup';
/** Help text fits this many columns. */
export const HELP_WIDTH = 80;

/** The help text of one command, or of the whole CLI. */
export function helpText(command?: CommandName): string {
  if (!command) {
    const commands = (Object.keys(COMMANDS) as CommandName[]).map((name) => row(name, COMMANDS[name].short));
    return [
      `Usage: ${NAME} <command> [options]`,
      '',
      'Deletes stale background tasks of Huawei Cloud DCS instances.',
      '',
      'Commands:',
      ...commands,
      '',
      'Options:',
      row(flagLabel('help'), 'show help (also after a command: run --help)'),
      row(flagLabel('version'), FLAGS.version.help),
      '',
      `Exit codes: 0 ok; 1 failures or incomplete; 2 bad input (nothing sent).`,
      '',
    ].join('\n');
  }
  const { usage, about, flags, notes } = COMMANDS[command];
  return [
    `Usage: ${NAME} ${usage}`,
    '',
    about,
    '',
    'Options:',
    ...[...flags, 'help' as const].map((flag) => row(flagLabel(flag), FLAGS[flag].help)),
    '',
    ...notes,
    '',
  ].join('\n');
}

const LABEL_COLUMNS = 19;

/** One line: the label column, then the text (the texts are written to fit HELP_WIDTH; a test holds them). */
function row(label: string, text: string): string {
  return `  ${label.padEnd(LABEL_COLUMNS)} ${text}`;
}

function flagLabel(name: FlagName): string {
  const flag: Flag = FLAGS[name];
  const short = flag.short ? `-${flag.short}, ` : '';
  return `${short}--${name}${flag.value ? ` ${flag.value}` : ''}`;
}

/** node:util's option for a flag: arrays only for the repeatable ones. */
type OptionOf<F extends Flag> = F extends { multiple: true }
  ? { type: F['type']; multiple: true; short?: string }
  : { type: F['type']; multiple?: false; short?: string };

const OPTIONS = Object.fromEntries(
  Object.entries(FLAGS).map(([name, flag]: [string, Flag]) => [
    name,
    {
      type: flag.type,
      ...(flag.multiple ? { multiple: true } : {}),
      ...(flag.short ? { short: flag.short } : {}),
    },
  ]),
) as { [K in FlagName]: OptionOf<(typeof FLAGS)[K]> };

const timeBudgetSchema = durationSchema(60_000);
const olderThanSchema = durationSchema(MIN_AGE_MS);

export function parseCommand(argv: readonly string[]): Command {
  const named = argv.find((arg) => !arg.startsWith('-'));
  const command = named && named in COMMANDS ? (named as CommandName) : undefined;
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageErrorFrom(error as Error & { code?: string }, command);
  }
  const { values, positionals } = parsed;
  const [name, ...extra] = positionals;
  if (values.version) return { name: 'version' };
  if (values.help || name === 'help') return { name: 'help', command: command ?? helpTopic(extra[0]) };
  if (!name) throw new UsageError('command', 'missing: use run, validate or simulate');
  if (!command) {
    throw new UsageError(
      'command',
      `unknown command "${name}"${suggestion(name, Object.keys(COMMANDS))}: use run, validate or simulate`,
    );
  }
  if (extra.length > 0) throw new UsageError('arguments', `unexpected argument "${extra[0]}"`, command);
  const allowed: readonly string[] = COMMANDS[command].flags;
  for (const flag of Object.keys(values)) {
    if (!allowed.includes(flag)) {
      const nearest = suggestion(
        `--${flag}`,
        allowed.map((f) => `--${f}`),
      );
      throw new UsageError(`--${flag}`, `is not an option of ${command}${nearest}`, command);
    }
  }
  const logFormat = values['log-format'];
  if (logFormat !== undefined && logFormat !== 'pretty' && logFormat !== 'json') {
    throw new UsageError('--log-format', `must be pretty or json, not "${logFormat}"`, command);
  }
  const output: Output = { json: values.json ?? false, logFormat, verbose: values.verbose ?? false };

  if (command === 'simulate') {
    if (!values.serve) {
      if (values.port !== undefined || values.seed !== undefined) {
        throw new UsageError('--port', 'and --seed go with --serve', command);
      }
      return { name: 'simulate', output };
    }
    return {
      name: 'serve',
      port: wholeNumber('--port', values.port, 0, 0, 65_535),
      seed: wholeNumber('--seed', values.seed, 1, 0, 2 ** 31 - 1),
    };
  }
  const configPath = values.config;
  if (!configPath) throw new UsageError('--config', 'is required: the path of the config file', command);
  if (command === 'validate') return { name: 'validate', configPath };

  if (values['dry-run'] && values['no-dry-run']) {
    throw new UsageError('--dry-run', 'cannot be combined with --no-dry-run', command);
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

function helpTopic(topic: string | undefined): CommandName | undefined {
  return topic && topic in COMMANDS ? (topic as CommandName) : undefined;
}

/** node:util's parse errors, said our way: the flag, what is wrong, and the nearest flag. */
function usageErrorFrom(error: Error & { code?: string }, command: CommandName | undefined): UsageError {
  const known = (command ? COMMANDS[command].flags : (Object.keys(FLAGS) as FlagName[])).map((f) => `--${f}`);
  const unknown = /^Unknown option '([^']+)'/.exec(error.message)?.[1];
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) {
    return new UsageError(unknown, `unknown option${suggestion(unknown, known)}`, command);
  }
  const missing = /^Option '(?:-\w, )?(--[\w-]+)/.exec(error.message)?.[1];
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && missing) {
    const flag = FLAGS[missing.slice(2) as FlagName] as Flag | undefined;
    const needs =
      flag?.type === 'boolean' ? 'takes no value' : `needs a value${flag?.value ? ` (${flag.value})` : ''}`;
    return new UsageError(missing, needs, command);
  }
  return new UsageError('arguments', error.message.split('.')[0] ?? 'invalid', command);
}

/** ` (did you mean --dry-run?)` when a candidate is close enough to be what was meant. */
function suggestion(typed: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = leven(typed, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(typed.length / 3))
    ? ` (did you mean ${best}?)`
    : '';
}

function wholeNumber(
  flag: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const number = /^\d{1,10}$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= min && number <= max))
    throw new UsageError(flag, `must be a whole number from ${min} to ${max}`, 'simulate');
  return number;
}

function parseFlag(flag: string, schema: typeof olderThanSchema, value: string): number {
  const result = schema.safeParse(value);
  if (!result.success) throw new UsageError(flag, result.error.issues[0]?.message ?? 'is invalid', 'run');
  return result.data;
}
