// The CLI's flags and commands in one table: the help text of each command is written from it (one line
// per flag, within HELP_WIDTH columns), and args.ts parses with it.
import { formatDuration, MIN_AGE_MS } from '../config/duration.js';

export type CommandName = 'run' | 'validate' | 'doctor' | 'simulate';

export interface Flag {
  type: 'string' | 'boolean';
  multiple?: true;
  short?: string;
  /** What the value is, in the help text (FILE, DUR, …). */
  value?: string;
  help: string;
}

export const FLAGS = {
  config: { type: 'string', value: 'FILE', help: 'the config file (JSON; - reads standard input)' },
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
    help: `replace every age: 90m, 12h, 7d (at least ${formatDuration(MIN_AGE_MS)})`,
  },
  'time-budget': {
    type: 'string',
    value: 'DUR',
    help: 'start no new work after this; defer the rest',
  },
  credentials: { type: 'string', value: 'FILE', help: 'named accounts {"accounts":{"NAME":{"ak","sk"}}}' },
  json: { type: 'boolean', help: 'stdout: one JSON document (RunSummary or checks)' },
  'partial-exit-code': {
    type: 'string',
    value: 'N',
    help: 'exit code of a partial run (0-125, default 3)',
  },
  'metrics-file': {
    type: 'string',
    value: 'FILE',
    help: 'write Prometheus metrics there (node_exporter textfile)',
  },
  'metrics-push': {
    type: 'string',
    value: 'URL',
    help: 'push Prometheus metrics to this Pushgateway',
  },
  'log-format': {
    type: 'string',
    value: 'FMT',
    help: 'stderr: pretty or json (default: pretty on a tty)',
  },
  verbose: { type: 'boolean', short: 'v', help: 'also routine outcomes and each deferred task' },
  serve: { type: 'boolean', help: 'keep a simulator running for your own config' },
  port: { type: 'string', value: 'N', help: 'with --serve: its port on 127.0.0.1 (default: free)' },
  seed: { type: 'string', value: 'N', help: 'with --serve: the seed of its tasks (default 1)' },
  'probe-delete': {
    type: 'boolean',
    help: 'also DELETE one task id that cannot exist per instance',
  },
  'clock-skew': {
    type: 'string',
    value: 'DUR',
    help: 'with --serve: its clock that far off (20m, -20m)',
  },
  deny: { type: 'string', value: 'RIGHT', help: 'with --serve: answer 403 to list, tasks or delete' },
  'credential-lifetime': {
    type: 'string',
    value: 'DUR',
    help: 'with --serve: issued credentials last DUR (90s)',
  },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
  version: { type: 'boolean', help: 'print the version' },
} as const satisfies Record<string, Flag>;
export type FlagName = keyof typeof FLAGS;

const OUTPUT_FLAGS: FlagName[] = ['json', 'log-format', 'verbose'];
export const COMMANDS: Record<
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
      'metrics-file',
      'metrics-push',
      'partial-exit-code',
      ...OUTPUT_FLAGS,
    ],
    notes: [
      'Credentials: CLOUD_SDK_AK, CLOUD_SDK_SK (and CLOUD_SDK_SECURITY_TOKEN) give the',
      '"default" account; --credentials gives named ones.',
      "Exit codes (the summary's status): 0 ok; 3 partial (nothing failed, the time",
      'budget left work for the next run; --partial-exit-code maps it); 1 failed;',
      '2 bad arguments, config or credentials (nothing sent); 130/143 stopped by',
      'SIGINT/SIGTERM (a summary is still written). systemd: SuccessExitStatus=3;',
      'cron mails on non-zero; Kubernetes Jobs: --partial-exit-code 0.',
    ],
  },
  doctor: {
    short: 'read-only checks: why would a run fail?',
    usage: 'doctor --config FILE [--credentials FILE] [options]',
    about: 'Read-only checks: config, keys, endpoints, clocks, fleets, instances.',
    flags: ['config', 'credentials', 'json', 'probe-delete'],
    notes: [
      'Nothing is deleted: --probe-delete sends one DELETE of a random task id that',
      'the instance does not have, to check the right to delete.',
      'Exit codes: 0 nothing failed; 1 a check failed; 2 bad arguments, config or',
      'credentials (nothing sent).',
    ],
  },
  validate: {
    short: 'check a config file',
    usage: 'validate --config FILE',
    about: 'Check a config file; print each problem with its path.',
    flags: ['config', 'log-format'],
    notes: ['Exit codes: 0 valid; 2 invalid.'],
  },
  simulate: {
    short: 'the demo; with --serve, a local DCS API',
    usage: 'simulate [--serve [options]]',
    about: 'The demo, or (--serve) a local DCS API to try a config against.',
    flags: ['serve', 'port', 'seed', 'clock-skew', 'deny', 'credential-lifetime', ...OUTPUT_FLAGS],
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

const LABEL_COLUMNS = 22;

/**
 * One line: the label column, then the text (the texts are written to fit HELP_WIDTH; a test holds them). A
 * label longer than its column keeps two spaces before its text.
 */
function row(label: string, text: string): string {
  return `  ${label.padEnd(LABEL_COLUMNS)}${label.length < LABEL_COLUMNS ? ' ' : '  '}${text}`;
}

function flagLabel(name: FlagName): string {
  const flag: Flag = FLAGS[name];
  const short = flag.short ? `-${flag.short}, ` : '';
  return `${short}--${name}${flag.value ? ` ${flag.value}` : ''}`;
}
