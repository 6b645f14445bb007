// Bundles the CLI and the Lambda handler with esbuild (ESM, Node 20+, source maps).
import { chmod, rm } from 'node:fs/promises';
import { build } from 'esbuild';

// undici and the AWS SDK call require(); an ESM bundle needs it defined.
const banner = {
  js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
};
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  banner,
  logLevel: 'warning',
};

await rm('dist', { recursive: true, force: true });
await build({ ...common, entryPoints: { cli: 'src/cli.ts', bench: 'bench/run.ts' }, outdir: 'dist' });
await chmod('dist/cli.js', 0o755);
