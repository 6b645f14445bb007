// Command-line arguments (docs/cli.md), parsed strictly: an unknown flag is an error. The flag table of
// help.ts gives the parser its options and a mistyped flag its suggestion.
import { parseArgs } from 'node:util';
import leven from 'leven';
import { durationSchema, MIN_AGE_MS } from '../config/duration.js';
import type { RunRequest } from '../model/run-request.js';
import type { Operation } from '../simulator/faults.js';
import { COMMANDS, type CommandName, FLAGS, type Flag, type FlagName } from './help.js';
import { clockSkew, credentialLifetime, deniedOperation } from './serve-args.js';
import { UsageError } from './usage-error.js';

export { UsageError } from './usage-error.js';

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
      /** Where to write the run's Prometheus metrics (atomically), if anywhere. */
      metricsFile: string | undefined;
      /** A Prometheus Pushgateway to push the run's metrics to, if any. */
      metricsPush: string | undefined;
      /** The exit code of a partial run. */
      partialExitCode: number;
    }
  | { name: 'validate'; configPath: string }
  | {
      name: 'doctor';
      configPath: string;
      credentialsPath: string | undefined;
      json: boolean;
      probeDelete: boolean;
    }
  | { name: 'simulate'; output: Output }
  | {
      name: 'serve';
      port: number;
      seed: number;
      clockSkewMs: number;
      deny: Operation[];
      credentialLifetimeMs: number | undefined;
    }
  | { name: 'help'; command: CommandName | undefined }
  | { name: 'version' };

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
/** A partial run's exit code unless --partial-exit-code says otherwise (docs/cli.md). */
export const PARTIAL_EXIT_CODE = 3;
const olderThanSchema = durationSchema(MIN_AGE_MS);

export function parseCommand(argv: readonly string[]): Command {
  const named = argv.find((arg) => !arg.startsWith('-'));
  const command = named && named in COMMANDS ? (named as CommandName) : undefined;
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: joinNegatives(argv), options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageErrorFrom(error as Error & { code?: string }, command);
  }
  const { values, positionals } = parsed;
  const [name, ...extra] = positionals;
  if (values.version) return { name: 'version' };
  if (values.help || name === 'help') return { name: 'help', command: command ?? helpTopic(extra[0]) };
  if (!name) throw new UsageError('command', 'missing: use run, validate, doctor or simulate');
  if (!command) {
    throw new UsageError(
      'command',
      `unknown command "${name}"${suggestion(name, Object.keys(COMMANDS))}: use run, validate, doctor or simulate`,
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
      const serveOnly = (['port', 'seed', 'clock-skew', 'deny', 'credential-lifetime'] as const).find(
        (flag) => values[flag] !== undefined,
      );
      if (serveOnly) throw new UsageError(`--${serveOnly}`, 'goes with --serve', command);
      return { name: 'simulate', output };
    }
    return {
      name: 'serve',
      port: wholeNumber('--port', values.port, 0, 0, 65_535),
      seed: wholeNumber('--seed', values.seed, 1, 0, 2 ** 31 - 1),
      clockSkewMs: clockSkew(values['clock-skew']),
      deny: values.deny === undefined ? [] : [deniedOperation(values.deny)],
      credentialLifetimeMs: credentialLifetime(values['credential-lifetime']),
    };
  }
  const configPath = values.config;
  if (!configPath) throw new UsageError('--config', 'is required: the path of the config file', command);
  if (command === 'validate') return { name: 'validate', configPath };
  if (command === 'doctor') {
    return {
      name: 'doctor',
      configPath,
      credentialsPath: values.credentials,
      json: values.json ?? false,
      probeDelete: values['probe-delete'] ?? false,
    };
  }

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
    metricsFile: values['metrics-file'],
    metricsPush: pushUrl(values['metrics-push'], command),
    partialExitCode: wholeNumber(
      '--partial-exit-code',
      values['partial-exit-code'],
      PARTIAL_EXIT_CODE,
      0,
      125,
      command,
    ),
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
    return new UsageError(unknown, `unknown option${suggestion(unknown, known)}`, command, { cause: error });
  }
  const missing = /^Option '(?:-\w, )?(--[\w-]+)/.exec(error.message)?.[1];
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && missing) {
    const flag = FLAGS[missing.slice(2) as FlagName] as Flag | undefined;
    const needs =
      flag?.type === 'boolean' ? 'takes no value' : `needs a value${flag?.value ? ` (${flag.value})` : ''}`;
    return new UsageError(missing, needs, command, { cause: error });
  }
  return new UsageError('arguments', error.message.split('.')[0] ?? 'invalid', command, { cause: error });
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

/**
 * `--clock-skew -20m` as the help writes it: a value that starts with `-` and a digit is the flag's value, not
 * another flag (node's parseArgs would read `-2…` as short options).
 */
function joinNegatives(argv: readonly string[]): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    if (arg === '--clock-skew' && next !== undefined && /^-\d/.test(next)) {
      args.push(`${arg}=${next}`);
      i++;
    } else args.push(arg);
  }
  return args;
}

/** A Pushgateway's base URL: http or https, with no query or fragment. */
function pushUrl(value: string | undefined, command: CommandName | undefined): string | undefined {
  if (value === undefined) return undefined;
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (!url || !['http:', 'https:'].includes(url.protocol) || url.search || url.hash) {
    throw new UsageError('--metrics-push', `must be a Pushgateway's http(s) URL, not "${value}"`, command);
  }
  return value;
}

function wholeNumber(
  flag: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
  command: CommandName = 'simulate',
): number {
  if (value === undefined) return fallback;
  const number = /^\d{1,10}$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= min && number <= max))
    throw new UsageError(flag, `must be a whole number from ${min} to ${max}`, command);
  return number;
}

function parseFlag(flag: string, schema: typeof olderThanSchema, value: string): number {
  const result = schema.safeParse(value);
  if (!result.success) throw new UsageError(flag, result.error.issues[0]?.message ?? 'is invalid', 'run');
  return result.data;
}
