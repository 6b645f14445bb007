// docs/cli.md, "Terminal view": through a real pseudo-terminal (`script`), and through TTY-flagged streams.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { WriteStream } from 'node:tty';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { colorsWanted } from '../src/cli/lines.js';
import { main } from '../src/cli/main.js';
import { TerminalView } from '../src/cli/terminal.js';
import type { DcsSimulator } from '../src/simulator/server.js';
import {
  BUILT_CLI,
  CREDENTIALS_ENV,
  configFor,
  instanceId,
  PROJECT,
  said,
  seed,
  startSimulator,
  taskId,
  tasks,
} from './helpers.js';

const execute = promisify(execFile);
const ENV = CREDENTIALS_ENV;
const ESC = '\x1b';
const SGR = new RegExp(`${ESC}\\[[0-9;]*m`);
const ANSI = new RegExp(`${ESC}\\[[0-9;]*[A-Za-z]`, 'g');
const REDRAW = new RegExp(`\r${ESC}\\[2K.*\\d+/2 instances · \\d+/\\d+ tasks`);
/** A record's continuation lines joined back: parts wrap onto lines indented under the label. */
const oneLinePerRecord = (text: string) => text.replace(/\n {9}/g, ' · ');
const A = instanceId(1);
const B = instanceId(2);

let simulator: DcsSimulator;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dcs-terminal-'));
});
afterEach(async () => simulator?.stop());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fleet where one task fails, one is skipped and one is deferred; the rest are routine deletes. */
async function eventfulRun(): Promise<string> {
  simulator = await startSimulator();
  seed(simulator, A, tasks(5, { ageDays: 10 }));
  seed(simulator, B, tasks(4, { ageDays: 10, first: 10 }));
  simulator.inject({
    method: 'DELETE',
    taskId: taskId(4),
    fault: { type: 'status', status: 500, errorCode: 'DCS.5006' },
  });
  simulator.inject({
    method: 'DELETE',
    taskId: taskId(3),
    fault: {
      type: 'status',
      status: 400,
      errorCode: 'DCS.4017',
      message: 'The instance still has a running job task.',
    },
  });
  const path = join(dir, 'config.json');
  const config = configFor(simulator.endpoint, [A, B], {
    limits: { concurrency: 2, requestsPerSecond: 1000, maxAttempts: 2 },
  });
  config.instances[0] = { ...config.instances[0], maxDeletesPerInstance: 4 } as (typeof config.instances)[0];
  writeFileSync(path, JSON.stringify(config));
  return path;
}

/** Runs the built BUILT_CLI in a pseudo-terminal of 80 columns; resolves to what the terminal received. */
async function inTerminal(args: string, env: Record<string, string> = {}) {
  const command = `stty cols 80 rows 60; exec node ${BUILT_CLI} ${args}`;
  const result = await execute('script', ['-qec', command, '/dev/null'], {
    // Only what a person's shell would have: CI runners set CI=true, which Node reads as "no colours".
    env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), TERM: 'xterm-256color', ...ENV, ...env },
  }).catch((error: { code: number; stdout: string }) => error);
  return { code: 'code' in result ? result.code : 0, output: result.stdout.replaceAll('\r\n', '\n') };
}

/** The lines a person sees: escape sequences removed, each redraw (\r) a line of its own. */
const visibleLines = (output: string) =>
  output
    .replace(ANSI, '')
    .split(/\n|\r/)
    .filter((line) => line.trim() !== '');

describe('in a terminal (pseudo-terminal, 80 columns)', () => {
  it('no text from a response reaches the terminal raw, in any field; 20 problem lines per instance', async () => {
    simulator = await startSimulator();
    const hostileText = '\x1b[2J\x1b]0;owned\x07\r\u202e\u200b';
    seed(
      simulator,
      A,
      tasks(25, { ageDays: 10 }).map((task) => ({ ...task, name: `name${hostileText}` })),
    );
    simulator.addRawTasks(PROJECT, A, [{ id: `bad${hostileText}`, status: 'SUCCESS' }]);
    simulator.inject({
      method: 'DELETE',
      fault: {
        type: 'status',
        status: 400,
        errorCode: `CODE${hostileText}`,
        message: `message${hostileText}`,
        headers: { 'X-Request-Id': 'req\x9bid' },
      },
    });
    const path = join(dir, 'hostile.json');
    writeFileSync(path, JSON.stringify(configFor(simulator.endpoint, [A])));
    const { output } = await inTerminal(`run --config ${path}`);
    for (const raw of ['\x1b[2J', '\x1b]0;', '\x07', '\u202e', '\u200b']) expect(output).not.toContain(raw);
    expect(output).toContain('CODE\\x1b[2J\\x1b]0;owned\\x07\\x0d\\u{202e}\\u{200b}');
    expect(output).toContain('name\\x1b[2J');
    expect(output).toContain('message\\x1b[2J');
    expect(output).toContain('\\x9bid');
    const lines = visibleLines(output);
    // 1 ignored record and 25 failed tasks: 20 lines shown, the rest counted.
    expect(lines.filter((line) => /^(FAILED|ignored) /.test(line))).toHaveLength(20);
    expect(lines.some((line) => line.includes(`(… 6 more on instance ${A})`))).toBe(true);
  });

  it('shows progress, one readable line per failed, skipped and deferred task, and fits 80 columns', async () => {
    const config = await eventfulRun();
    const { code, output } = await inTerminal(`run --config ${config}`);
    expect(code).toBe(1);
    const text = oneLinePerRecord(output.replace(ANSI, ''));
    expect(text).toMatch(
      new RegExp(
        `FAILED +EXTEND ${taskId(4)}, 10d old · on instance ${A} \\(cn-north-4\\) · 500 DCS.5006 after 2 attempts · request [0-9a-f]{32}`,
      ),
    );
    expect(text).toMatch(new RegExp(`skipped +EXTEND ${taskId(3)}, 10d old`));
    expect(text).toContain('400 DCS.4017 after 1 attempt');
    expect(text).toContain('The instance still has a running job task.');
    expect(text).toMatch(/deferred +1 task · on instance e2a3b1c0-1111-4222-8333-000000000001/);
    expect(text).toContain('over maxDeletesPerInstance: next run');
    // Routine outcomes are counted, not printed.
    expect(visibleLines(output).some((line) => /^deleted /.test(line))).toBe(false);
    expect(text).toMatch(
      /NOT OK +in [\d.]+ s · 2 instances · 9 stale: 6 deleted, 1 skipped, 1 deferred, 1 failed/,
    );
    // The live progress line, redrawn in place.
    expect(output).toMatch(REDRAW);
    expect(output).toMatch(SGR);
    // Then the summary (stdout is the terminal too): no JSON anywhere.
    expect(text).toMatch(/^NOT OK · run /m);
    expect(visibleLines(output).some((line) => line.startsWith('{'))).toBe(false);
    for (const line of visibleLines(output)) expect(line.length, line).toBeLessThanOrEqual(80);
  });

  it('--verbose prints routine outcomes too', async () => {
    const config = await eventfulRun();
    const { output } = await inTerminal(`run --config ${config} --verbose`);
    expect(visibleLines(output).filter((line) => /^deleted /.test(line))).toHaveLength(6);
    expect(visibleLines(output).filter((line) => /^listed /.test(line))).toHaveLength(2);
  });

  it('no colour with NO_COLOR', async () => {
    const config = await eventfulRun();
    const { output } = await inTerminal(`run --config ${config}`, { NO_COLOR: '1' });
    expect(output).toContain('FAILED');
    expect(output).not.toMatch(SGR);
  });

  it('--log-format json keeps stderr to the JSON lines of §5, even on a terminal', async () => {
    const config = await eventfulRun();
    const summary = join(dir, 'summary.txt');
    const { output } = await inTerminal(`run --config ${config} --log-format json > ${summary}`);
    const lines = output.split('\n').filter((line) => line.trim() !== '');
    const records = lines.map((line) => JSON.parse(line));
    // 8 tasks acted on, and the deferred one in its instance's `tasks deferred` record.
    expect(records.filter((record) => record.outcome)).toHaveLength(8);
    expect(records.filter((record) => record.message === 'tasks deferred')).toMatchObject([{ count: 1 }]);
    expect(readFileSync(summary, 'utf8')).toMatch(/^NOT OK · run /);
  });

  it('the demo reads well in 80 columns', async () => {
    const { code, output } = await inTerminal('simulate');
    expect(code).toBe(0);
    for (const line of visibleLines(output)) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(oneLinePerRecord(output.replace(ANSI, ''))).toMatch(/ok +in [\d.]+ s · 5 instances/);
  }, 60_000);
});

describe('choosing the log format', () => {
  function streams(tty: boolean) {
    const make = () => {
      const stream = Object.assign(new PassThrough(), { isTTY: tty, columns: 80 });
      let text = '';
      stream.on('data', (chunk) => {
        text += chunk;
      });
      return { stream, text: () => text };
    };
    return { stdout: make(), stderr: make() };
  }

  async function cli(argv: string[], tty: boolean, env: Record<string, string> = {}) {
    const io = streams(tty);
    const code = await main(argv, {
      stdout: io.stdout.stream,
      stderr: io.stderr.stream,
      env: { ...ENV, ...env },
    });
    return { code, stdout: io.stdout.text(), stderr: io.stderr.text() };
  }

  it.each<[string, 'pretty' | 'json', string[], boolean]>([
    ['a terminal', 'pretty', [], true],
    ['no terminal', 'json', [], false],
    ['a terminal with --json', 'json', ['--json'], true],
    ['a terminal with --log-format json', 'json', ['--log-format', 'json'], true],
    ['no terminal with --log-format pretty', 'pretty', ['--log-format', 'pretty'], false],
  ])('%s → %s on stderr', async (_name, expected, flags, tty) => {
    const config = await eventfulRun();
    const { stderr } = await cli(['run', '--config', config, ...flags], tty);
    const lines = stderr.split(/\n/).filter((line) => line.trim() !== '');
    const json = lines.every((line) => line.startsWith('{') && JSON.parse(line));
    expect(json).toBe(expected === 'json');
    if (expected === 'pretty') {
      expect(stderr).toContain('FAILED');
      // Without a terminal: no colours and no progress line.
      if (!tty) expect(stderr).not.toContain(ESC);
    }
  });

  it('rejects another --log-format', async () => {
    const { code, stderr } = await cli(['run', '--config', 'x.json', '--log-format', 'yaml'], false);
    expect(code).toBe(2);
    expect(said(stderr)).toContain('--log-format: must be pretty or json, not "yaml"');
  });
});

describe('colours', () => {
  // Node's own tty.WriteStream decides what the terminal supports (TERM, CI, FORCE_COLOR, NODE_DISABLE_COLORS).
  const terminal = Object.assign(Object.create(WriteStream.prototype) as WriteStream, { isTTY: true });
  it.each<
    [string, { isTTY?: boolean; hasColors?: (env?: object) => boolean }, Record<string, string>, boolean]
  >([
    ['a terminal', terminal, { TERM: 'xterm-256color' }, true],
    ['not a terminal', { isTTY: false }, { TERM: 'xterm-256color' }, false],
    ['NO_COLOR=1', terminal, { TERM: 'xterm-256color', NO_COLOR: '1' }, false],
    ['an empty NO_COLOR (no-color.org: not set)', terminal, { TERM: 'xterm-256color', NO_COLOR: '' }, true],
    ['TERM=dumb', terminal, { TERM: 'dumb' }, false],
    ['a terminal under CI=true', terminal, { TERM: 'xterm-256color', CI: 'true' }, false],
    ['FORCE_COLOR=1 under CI=true', terminal, { TERM: 'xterm-256color', CI: 'true', FORCE_COLOR: '1' }, true],
    ['a stream that cannot tell', { isTTY: true }, {}, true],
  ])('%s → %s', (_name, stream, env, expected) => {
    expect(colorsWanted(stream, env)).toBe(expected);
  });
});

describe('TerminalView', () => {
  const target = {
    region: 'cn-north-4',
    projectId: PROJECT,
    endpoint: 'https://x',
    account: 'default',
    instanceId: A,
    source: 'config' as const,
    policy: {} as never,
  };

  it('prints what the API sent as plain text: control characters cannot drive the terminal', () => {
    let out = '';
    const view = new TerminalView(
      { write: (text: string) => (out += text) },
      { verbose: false, color: false, live: false, width: 80 },
    );
    view.taskOutcome({
      runId: 'r',
      target,
      task: {
        id: taskId(1),
        name: 'EXTEND\x1b]0;owned\x07\x1b[2J',
        status: 'SUCCESS',
        createdAt: '',
        createdAtMs: Date.now(),
      },
      result: {
        outcome: 'failed',
        httpStatus: 500,
        errorCode: 'DCS.5006',
        message: 'bad\r\x1b[31mred',
        requestId: null,
        attempts: 1,
        durationMs: 1,
      },
    });
    for (const control of [ESC, '\x07', '\r']) expect(out).not.toContain(control);
    expect(out).toContain('EXTEND\\x1b]0;owned\\x07\\x1b[2J');
    expect(out).toContain('bad\\x0d\\x1b[31mred');
  });

  it('--verbose prints every routine line; problem lines stop at 20 per instance', () => {
    let out = '';
    const view = new TerminalView(
      { write: (text: string) => (out += text) },
      { verbose: true, color: false, live: false, width: Number.POSITIVE_INFINITY },
    );
    const result = (outcome: 'deleted' | 'failed') => ({
      outcome,
      httpStatus: outcome === 'deleted' ? 204 : 500,
      errorCode: null,
      message: null,
      requestId: null,
      attempts: 1,
      durationMs: 1,
    });
    for (let n = 0; n < 30; n++) {
      const task = {
        id: taskId(n),
        name: 'EXTEND',
        status: 'SUCCESS',
        createdAt: '',
        createdAtMs: Date.now(),
      };
      view.taskOutcome({ runId: 'r', target, task, result: result('deleted') });
      view.taskOutcome({ runId: 'r', target, task, result: result('failed') });
    }
    view.instanceFinished({ runId: 'r', summary: { instanceId: A } as never });
    const lines = out.trim().split('\n');
    expect(lines.filter((line) => line.startsWith('deleted '))).toHaveLength(30);
    expect(lines.filter((line) => line.startsWith('FAILED '))).toHaveLength(20);
    expect(lines.at(-1)?.trim()).toBe(`(… 10 more on instance ${A})`);
  });
});
