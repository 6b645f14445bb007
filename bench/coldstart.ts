// Cold start of the Lambda bundle: its size, and the time `import()` of it adds to a bare node start.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const DIST = import.meta.dirname;
const ENTRY = join(DIST, 'handler.js');
const CHUNKS = join(DIST, 'chunks');
const RUNS = 21;

function timeProcess(args: string[]): number {
  const startedAt = performance.now();
  const result = spawnSync(process.execPath, args, {
    env: {
      ...process.env,
      AWS_REGION: 'eu-west-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stdio: 'ignore',
  });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}`);
  return performance.now() - startedAt;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const importScript = (files: string[]) => [
  '--input-type=module',
  '-e',
  `const m = await import(${JSON.stringify(pathToFileURL(ENTRY).href)}); if (typeof m.handler !== 'function') process.exit(1);` +
    files.map((file) => `await import(${JSON.stringify(pathToFileURL(file).href)});`).join(''),
];

export function measureColdStart() {
  const chunkFiles = readdirSync(CHUNKS)
    .filter((file) => file.endsWith('.js'))
    .map((file) => join(CHUNKS, file));
  // The engine chunk, which the handler imports once it has accepted an invocation.
  const engine = chunkFiles.filter((file) => /[/\\]run-[^/\\]+\.js$/.test(file));
  const samples = { bare: [] as number[], init: [] as number[], allCode: [] as number[] };
  // Interleaved, so that machine noise hits every variant alike.
  for (let i = 0; i < RUNS; i++) {
    samples.bare.push(timeProcess(['-e', '0']));
    samples.init.push(timeProcess(importScript([])));
    samples.allCode.push(timeProcess(importScript(engine)));
  }
  const bare = median(samples.bare);
  const init = median(samples.init);
  const allCode = median(samples.allCode);
  const kb = (files: string[]) =>
    Math.round(files.reduce((sum, file) => sum + statSync(file).size, 0) / 1024);
  return {
    bundleKb: kb([ENTRY, ...chunkFiles]),
    entryKb: kb([ENTRY]),
    bundleBudgetKb: 700,
    runs: RUNS,
    bareNodeMs: Math.round(bare),
    nodeWithBundleMs: Math.round(init),
    initOverheadMs: Math.round(init - bare),
    initOverheadBudgetMs: 60,
    ratioToBareNode: Number((init / bare).toFixed(2)),
    // What a cold invocation that runs a cleanup loads in all (module init + the engine chunk).
    withEngineOverheadMs: Math.round(allCode - bare),
  };
}
