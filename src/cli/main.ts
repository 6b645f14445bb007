// The command-line shell over `run`: arguments in, a summary and an exit code out.
import { type Accounts, secretsOf } from '../config/credentials.js';
import { InputError } from '../config/errors.js';
import { loadConfigFile } from '../config/load.js';
import type { RunRequest } from '../config/plan.js';
import { accountsUsed, type Config } from '../config/schema.js';
import { redactor } from '../dcs/redact.js';
import { run } from '../engine/run.js';
import { LogReporter } from '../report/log-reporter.js';
import { JsonLinesLogger } from '../report/logger.js';
import type { RunReporter } from '../report/reporter.js';
import { renderSummaryTable } from '../report/table.js';
import { startDemo } from '../simulator/demo.js';
import { loadAccounts, type Warning } from './accounts.js';
import { type Command, type Output, parseCommand, USAGE } from './args.js';
import { colorsWanted, TerminalView } from './terminal.js';

type Stream = NodeJS.WritableStream & {
  isTTY?: boolean;
  columns?: number;
  hasColors?: (env?: object) => boolean;
};

export interface CliIo {
  stdout: Stream;
  stderr: Stream;
  env: Record<string, string | undefined>;
}

export const EXIT = { ok: 0, problem: 1, badInput: 2 } as const;
const DEFAULT_WIDTH = 80;

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  try {
    return await execute(parseCommand(argv), io);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    if (json) {
      io.stderr.write(
        `${JSON.stringify({ level: 'ERROR', timestamp: new Date().toISOString(), message: 'invalid input', issues: error.issues })}\n`,
      );
    } else {
      io.stderr.write(`dcs-task-cleanup: invalid input\n${indent(error.message)}\n\n${USAGE}`);
    }
    return EXIT.badInput;
  }
}

async function execute(command: Command, io: CliIo): Promise<number> {
  switch (command.name) {
    case 'help':
      io.stdout.write(USAGE);
      return EXIT.ok;
    case 'validate': {
      const config = await loadConfigFile(command.configPath);
      io.stdout.write(
        `${command.configPath} is valid: ${config.targets.length} instance(s), ${config.fleets.length} fleet(s), ` +
          `accounts ${accountsUsed(config).join(', ')}, dryRun ${config.dryRun}\n`,
      );
      return EXIT.ok;
    }
    case 'run': {
      const config = await loadConfigFile(command.configPath);
      const { accounts, warnings } = await loadAccounts(config, command.credentialsPath, io.env);
      return runAndReport(config, command.request, accounts, command.output, io, warnings);
    }
    case 'simulate': {
      const demo = await startDemo();
      try {
        if (!command.output.json) io.stdout.write(demo.description);
        await runAndReport(demo.config, {}, demo.accounts, command.output, io, []);
        return EXIT.ok;
      } finally {
        await demo.stop();
      }
    }
  }
}

async function runAndReport(
  config: Config,
  request: RunRequest,
  accounts: Accounts,
  output: Output,
  io: CliIo,
  warnings: readonly Warning[],
): Promise<number> {
  const redact = redactor(secretsOf(accounts));
  const view = chooseView(output, io, redact);
  try {
    for (const { message, fields } of warnings) view.reporter.warning(message, fields);
    const { summary } = await run(config, request, {
      accounts,
      reporter: view.reporter,
      reportEachDeferred: output.verbose,
    });
    const width = io.stdout.isTTY ? (io.stdout.columns ?? DEFAULT_WIDTH) : undefined;
    // Task names in the summary are the server's text: they pass the redactor like everything on stderr.
    io.stdout.write(
      redact(output.json ? `${JSON.stringify(summary, null, 2)}\n` : renderSummaryTable(summary, width)),
    );
    return summary.ok ? EXIT.ok : EXIT.problem;
  } finally {
    view.close();
  }
}

/**
 * Pretty on a terminal (unless --json), JSON lines otherwise; --log-format decides when given. Either way
 * every byte to stderr passes the redactor.
 */
function chooseView(output: Output, io: CliIo, redact: (text: string) => string) {
  const pretty = output.logFormat ? output.logFormat === 'pretty' : !output.json && Boolean(io.stderr.isTTY);
  const out = { write: (text: string) => io.stderr.write(redact(text)) };
  if (!pretty) {
    return { reporter: new LogReporter(new JsonLinesLogger(out)) as RunReporter, close: () => {} };
  }
  const view = new TerminalView(out, {
    verbose: output.verbose,
    color: colorsWanted(io.stderr, io.env),
    live: Boolean(io.stderr.isTTY),
    width: io.stderr.columns ?? DEFAULT_WIDTH,
  });
  return { reporter: view as RunReporter, close: () => view.close() };
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
