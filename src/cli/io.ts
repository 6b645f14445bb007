// What the CLI reads and writes: its streams, environment and stop signals (injected, so tests can drive it).

export type Stream = NodeJS.WritableStream & {
  isTTY?: boolean;
  columns?: number;
  hasColors?: (env?: object) => boolean;
};

/** Where SIGINT and SIGTERM come from (the process; a test may give its own). */
export interface Signals {
  on(signal: 'SIGINT' | 'SIGTERM', handler: () => void): unknown;
  off(signal: 'SIGINT' | 'SIGTERM', handler: () => void): unknown;
}

export interface CliIo {
  stdout: Stream;
  stderr: Stream;
  env: Record<string, string | undefined>;
  /** Standard input: `--config -` reads the config from it. */
  stdin?: AsyncIterable<Buffer | string>;
  /** Stop signals; none are listened to without them. */
  signals?: Signals;
  /** Ends the process at once (a second stop signal). */
  exit?: (code: number) => void;
  /**
   * stderr is the systemd journal (JOURNAL_STREAM names its device and inode): each line starts with its
   * syslog priority, `<3>` error … `<7>` debug, so `journalctl -p err` filters.
   */
  journal?: boolean;
}
