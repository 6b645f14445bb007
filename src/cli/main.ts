// The command-line shell over `run`: arguments in, a summary and an exit code out.
import { credentialsFromEnv } from '../config/credentials.js';
import { InputError } from '../config/errors.js';
import { loadConfigFile } from '../config/load.js';
import { type RunRequest, unknownInstanceIds } from '../config/plan.js';
import type { Config } from '../config/schema.js';
import { redactor } from '../dcs/redact.js';
import type { Credentials } from '../dcs/signer.js';
import { run } from '../engine/run.js';
import { JsonLinesLogger } from '../report/logger.js';
import { renderSummaryTable } from '../report/table.js';
import { startDemo } from '../simulator/demo.js';
import { type Command, parseCommand, USAGE } from './args.js';
import { ProgressLine } from './progress.js';

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
}

export const EXIT = { ok: 0, problem: 1, badInput: 2 } as const;

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
        `${command.configPath} is valid: ${config.targets.length} instance(s), dryRun ${config.dryRun}\n`,
      );
      return EXIT.ok;
    }
    case 'run': {
      const config = await loadConfigFile(command.configPath);
      const unknown = unknownInstanceIds(config, command.request.instanceIds ?? []);
      if (unknown.length > 0) throw InputError.of('--instance', `not in the config: ${unknown.join(', ')}`);
      return runAndReport(config, command.request, credentialsFromEnv(io.env), command.json, io);
    }
    case 'simulate': {
      const demo = await startDemo();
      try {
        if (!command.json) io.stdout.write(demo.description);
        await runAndReport(demo.config, {}, demo.credentials, command.json, io);
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
  credentials: Credentials,
  json: boolean,
  io: CliIo,
): Promise<number> {
  const redact = redactor([credentials.sk, credentials.securityToken]);
  const progress = !json && io.stderr.isTTY ? new ProgressLine(io.stderr) : undefined;
  const logger = new JsonLinesLogger(io.stderr, { redact, beforeWrite: () => progress?.clear() });
  const { summary } = await run(config, request, {
    credentials,
    logger,
    onProgress: progress && ((state) => progress.update(state)),
  });
  progress?.clear();
  io.stdout.write(json ? `${JSON.stringify(summary, null, 2)}\n` : renderSummaryTable(summary));
  return summary.ok ? EXIT.ok : EXIT.problem;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
