// Bundles the CLI and the Lambda handler with esbuild (ESM, Node 20+, source maps).
import { chmod, rm, writeFile } from 'node:fs/promises';
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
await build({
  ...common,
  entryPoints: { cli: 'src/cli.ts', bench: 'bench/run.ts', schema: 'scripts/schema.ts' },
  outdir: 'dist',
});
await chmod('dist/cli.js', 0o755);

// The Lambda bundle, minified. The nodejs22.x runtime provides the AWS SDK v3, so it stays out.
const lambda = await build({
  ...common,
  entryPoints: { handler: 'src/handler.ts' },
  outdir: 'dist',
  minify: true,
  metafile: true,
  external: ['@aws-sdk/*'],
  // What is imported on first use (Secrets Manager access) goes to its own chunk, out of the cold start.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
});
// Lambda loads dist/handler.js as ESM only under a package.json that says so.
await writeFile('dist/package.json', '{ "type": "module" }\n');
const sizes = Object.entries(lambda.metafile.outputs)
  .filter(([file]) => file.endsWith('.js'))
  .map(([file, { bytes }]) => `${file} ${(bytes / 1024).toFixed(0)} KB`);
// On stderr: `npm pack --json` runs the build (prepack) and its stdout must stay JSON.
console.error(sizes.join('\n'));
