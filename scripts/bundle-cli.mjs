#!/usr/bin/env node
/**
 * The command-line entry as one ES module (dist/cli/meshguard.mjs, the package's `bin`): starting the CLI
 * from the ~300 files tsc writes and its dependencies spends most of a short run resolving, reading and
 * compiling modules. The library entry (dist/index.js) and the worker scripts stay as tsc writes them.
 */
import path from 'node:path';
import { build } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..');

await build({
  absWorkingDir: ROOT,
  entryPoints: ['dist/cli/main.js'],
  outfile: 'dist/cli/meshguard.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // CommonJS dependencies (ajv, prom-client, the opa-wasm SDK) call require() for Node's built-ins; an ES
  // module has no require of its own.
  banner: { js: "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);" },
  logLevel: 'warning',
});
