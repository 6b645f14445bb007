// The command-line shell over `run`: arguments in, a summary and an exit code out.
import packageJson from '../../package.json' with { type: 'json' };
import { InputError } from '../config/errors.js';
import { loadConfigFile } from '../config/load.js';
import { type AccountsIn, asCredentialSet, secretsOfSet, withCredentials } from '../credentials/accounts.js';
import { connectDcs } from '../dcs/client.js';
import { run } from '../engine/run.js';
import { accountsUsed, type Config } from '../model/config.js';
import type { RunRequest } from '../model/run-request.js';
import { LogReporter } from '../report/log-reporter.js';
import { JsonLinesLogger } from '../report/logger.js';
import type { RunReporter, RunStats } from '../report/reporter.js';
import type { RunSummary } from '../report/summary.js';
import { renderSummaryTable } from '../report/table.js';
import { startDemo } from '../simulator/demo.js';
import { redactor, redactValues } from '../text/redact.js';
import { loadAccounts, type Warning } from './accounts.js';
import { type Command, type Output, PARTIAL_EXIT_CODE, parseCommand, UsageError } from './args.js';
import { doctorCommand } from './doctor.js';
import { helpText } from './help.js';
import type { CliIo } from './io.js';
import { colorsWanted } from './lines.js';
import { checkMetricsPath, metricsFileFromEnvironment, writeMetricsFile } from './metrics-file.js';
import { pushMetrics } from './metrics-push.js';
import { serveSimulator } from './serve.js';
import { TerminalView } from './terminal.js';

/** 128 + the signal's number, as shells report a process a signal stopped. */
export const EXIT = { ok: 0, problem: 1, badInput: 2, SIGINT: 130, SIGTERM: 143 } as const;
export { PARTIAL_EXIT_CODE } from './args.js';

const DEFAULT_WIDTH = 80;

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await execute(parseCommand(argv), io);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    if (jsonOnStderr(argv, io)) {
      // One ERROR record with the field paths, like every other line a scheduler files (docs/logs.md).
      new JsonLinesLogger(io.stderr, { journal: io.journal }).error('bad input', { issues: error.issues });
    } else if (error instanceof UsageError) {
      // One line: what is wrong, and where the help is.
      const help = `dcs-task-cleanup${error.command ? ` ${error.command}` : ''} --help`;
      io.stderr.write(`dcs-task-cleanup: ${error.message}; see '${help}'\n`);
    } else {
      io.stderr.write(`dcs-task-cleanup: invalid input\n${indent(error.message)}\n`);
    }
    return EXIT.badInput;
  }
}

/**
 * Whether stderr carries JSON lines only: with `--log-format json` or `--json`, and whenever stderr is not a
 * terminal, unless `--log-format pretty` asks for text (the same choice as the run's view).
 */
function jsonOnStderr(argv: readonly string[], io: CliIo): boolean {
  const at = argv.indexOf('--log-format');
  const format = at >= 0 ? argv[at + 1] : argv.find((arg) => arg.startsWith('--log-format='))?.slice(13);
  if (format === 'pretty') return false;
  return format === 'json' || argv.includes('--json') || !io.stderr.isTTY;
}

async function execute(command: Command, io: CliIo): Promise<number> {
  switch (command.name) {
    case 'help':
      io.stdout.write(helpText(command.command));
      return EXIT.ok;
    case 'version':
      io.stdout.write(`${packageJson.version}\n`);
      return EXIT.ok;
    case 'serve':
      return serveSimulator(command, io);
    case 'validate': {
      const config = await loadConfigFile(command.configPath, io.stdin);
      const source = command.configPath === '-' ? 'standard input' : command.configPath;
      io.stdout.write(
        `${source} is valid: ${config.targets.length} instance(s), ${config.fleets.length} fleet(s), ` +
          `accounts ${accountsUsed(config).join(', ')}, dryRun ${config.dryRun}\n`,
      );
      return EXIT.ok;
    }
    case 'doctor': {
      const config = await loadConfigFile(command.configPath, io.stdin);
      const { accounts: keys, warnings } = await loadAccounts(config, command.credentialsPath, io.env);
      return withCredentials(keys, config.sources, { env: io.env }, (accounts) =>
        doctorCommand(config, accounts, command, io, warnings),
      );
    }
    case 'run': {
      const config = await loadConfigFile(command.configPath, io.stdin);
      const { accounts: keys, warnings } = await loadAccounts(config, command.credentialsPath, io.env);
      // --metrics-file, or else what the environment asks for (the recipes); checked before any request.
      const metrics =
        command.metricsFile === undefined
          ? await metricsFileFromEnvironment(io.env.DCS_TASK_CLEANUP_METRICS)
          : await checkMetricsPath('--metrics-file', command.metricsFile).then(() => ({
              path: command.metricsFile,
              warning: undefined,
            }));
      const all = metrics.warning ? [...warnings, metrics.warning] : warnings;
      return withCredentials(keys, config.sources, { env: io.env }, (accounts) =>
        runAndReport(config, command.request, accounts, command.output, io, all, {
          metricsFile: metrics.path,
          metricsPush: command.metricsPush,
          partialExitCode: command.partialExitCode,
        }),
      );
    }
    case 'simulate': {
      const demo = await startDemo();
      try {
        if (!command.output.json) io.stdout.write(demo.description);
        const code = await runAndReport(demo.config, {}, demo.accounts, command.output, io, []);
        // The demo's own failures are part of the show; a stop signal is not.
        return code === EXIT.SIGINT || code === EXIT.SIGTERM ? code : EXIT.ok;
      } finally {
        await demo.stop();
      }
    }
  }
}

/** A URL as logs show it: no user or password. */
function shownUrl(url: string): string {
  const { origin, pathname } = new URL(url);
  return `${origin}${pathname}`;
}

/** Where a run's metrics go, and the exit code of a partial run. */
interface MetricsOut {
  metricsFile?: string | undefined;
  metricsPush?: string | undefined;
  partialExitCode?: number;
}

async function runAndReport(
  config: Config,
  request: RunRequest,
  accountsIn: AccountsIn,
  output: Output,
  io: CliIo,
  warnings: readonly Warning[],
  { metricsFile, metricsPush, partialExitCode = PARTIAL_EXIT_CODE }: MetricsOut = {},
): Promise<number> {
  const accounts = asCredentialSet(accountsIn);
  // Temporary credentials and id tokens arrive during the run: the redactor asks at each text.
  const redact = redactor(() => secretsOfSet(accounts));
  const view = chooseView(output, io, redact);
  const stop = stopOnSignals(io, view);
  try {
    for (const { message, fields } of warnings) view.reporter.warning(message, fields);
    const { summary, stats, incompleteBecause } = await run(config, request, {
      dcs: connectDcs(accounts),
      reporter: view.reporter,
      reportEachDeferred: output.verbose,
      signal: stop.signal,
    });
    const width = io.stdout.isTTY ? io.stdout.columns || DEFAULT_WIDTH : undefined;
    // Task names in the summary are the server's text: they pass the redactor like everything on stderr,
    // value by value before JSON is made of them.
    io.stdout.write(
      output.json
        ? `${JSON.stringify(redactValues(summary, redact), null, 2)}\n`
        : redact(renderSummaryTable(summary, width, incompleteBecause)),
    );
    const metricsWritten = metricsFile === undefined || (await writeMetrics(metricsFile, summary, stats, io));
    if (metricsPush !== undefined) {
      // A push that fails is one WARN: the run's status and exit code stay what the run made them.
      await pushMetrics(metricsPush, summary, stats).catch((error: Error) =>
        view.reporter.warning('metrics not pushed', { url: shownUrl(metricsPush), error: error.message }),
      );
    }
    return exitCodeOf(summary.status, { signal: stop.received, metricsWritten, partialExitCode });
  } finally {
    stop.dispose();
    view.close();
  }
}

/**
 * The exit code of a run (docs/cli.md): its status (0 ok, 3 or --partial-exit-code partial, 1 failed), the
 * signal that stopped it (130, 143), or 1 when its metrics file could not be written.
 */
export function exitCodeOf(
  status: RunSummary['status'],
  {
    signal,
    metricsWritten,
    partialExitCode,
  }: { signal: 'SIGINT' | 'SIGTERM' | undefined; metricsWritten: boolean; partialExitCode: number },
): number {
  if (signal) return EXIT[signal];
  if (!metricsWritten || status === 'failed') return EXIT.problem;
  return status === 'partial' ? partialExitCode : EXIT.ok;
}

/** After a first stop signal, the process ends within this long even if something hangs. */
const STOP_WITHIN_MS = 15_000;

/**
 * The first SIGINT or SIGTERM stops the run gently: no new request starts, those in flight finish, the rest
 * is deferred and the summary is written. A second one ends the process at once.
 */
function stopOnSignals(io: CliIo, view: ReturnType<typeof chooseView>) {
  const controller = new AbortController();
  const state: { received: 'SIGINT' | 'SIGTERM' | undefined } = { received: undefined };
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
    const handler = () => {
      if (state.received) {
        view.close();
        (io.exit ?? process.exit)(EXIT[signal]);
        return;
      }
      state.received = signal;
      view.reporter.warning(`${signal}: stopping; requests in flight finish, the rest is deferred`, {
        again: 'a second signal stops at once',
      });
      controller.abort(signal);
      // Whatever a file or the network still does, the process ends within STOP_WITHIN_MS of the signal.
      setTimeout(() => (io.exit ?? process.exit)(EXIT[signal]), STOP_WITHIN_MS).unref();
    };
    io.signals?.on(signal, handler);
    return [signal, handler] as const;
  });
  return {
    signal: controller.signal,
    get received() {
      return state.received;
    },
    dispose: () => {
      for (const [signal, handler] of handlers) io.signals?.off(signal, handler);
    },
  };
}

/**
 * Pretty on a terminal (unless --json), JSON lines otherwise; --log-format decides when given. Either way
 * every byte to stderr passes the redactor.
 */
function chooseView(output: Output, io: CliIo, redact: (text: string) => string) {
  const pretty = output.logFormat ? output.logFormat === 'pretty' : !output.json && Boolean(io.stderr.isTTY);
  if (!pretty) {
    return {
      reporter: new LogReporter(
        new JsonLinesLogger(io.stderr, { redact, journal: io.journal }),
      ) as RunReporter,
      close: () => {},
    };
  }
  const out = { write: (text: string) => io.stderr.write(redact(text)) };
  const terminal = Boolean(io.stderr.isTTY);
  const view = new TerminalView(out, {
    verbose: output.verbose,
    color: colorsWanted(io.stderr, io.env),
    // A progress line redrawn in place needs a terminal that takes escape sequences.
    live: terminal && io.env.TERM !== 'dumb',
    // Into a file or a pipe each record stays one line, for grep.
    width: terminal ? io.stderr.columns || DEFAULT_WIDTH : Number.POSITIVE_INFINITY,
  });
  return { reporter: view as RunReporter, close: () => view.close() };
}

/** The metrics file, or one line on stderr saying why it could not be written (the run itself is done). */
async function writeMetrics(path: string, summary: RunSummary, stats: RunStats, io: CliIo): Promise<boolean> {
  try {
    await writeMetricsFile(path, summary, stats);
    return true;
  } catch (error) {
    io.stderr.write(`dcs-task-cleanup: cannot write the metrics file ${path}: ${(error as Error).message}\n`);
    return false;
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
