// A mistake in the command line itself (src/cli/args.ts and the --serve values of serve-args.ts).
import { InputError } from '../config/errors.js';
import type { CommandName } from './help.js';

/** A mistake in the command line itself: one line that names it, and a pointer to --help. */
export class UsageError extends InputError {
  override readonly name = 'UsageError';
  override readonly code = 'USAGE';
  readonly command: CommandName | undefined;

  constructor(path: string, message: string, command?: CommandName, options?: { cause?: unknown }) {
    super([{ path, message }], options);
    this.command = command;
  }
}
