#!/usr/bin/env node
/**
 * The command-line entry as one ES module (dist/cli/meshguard.mjs, the package's `bin`, and its chunks): starting the CLI
 * from the ~300 files tsc writes and its dependencies spends most of a short run resolving, reading and
 * compiling modules. The library entry (dist/index.js) and the worker scripts stay as tsc writes them.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..');
// Chunk names carry content hashes: those of an earlier build would pile up.
rmSync(path.join(ROOT, 'dist/cli/chunks'), { recursive: true, force: true });

await build({
  absWorkingDir: ROOT,
  entryPoints: { meshguard: 'dist/cli/main.js' },
  outdir: 'dist/cli',
  outExtension: { '.js': '.mjs' },
  // What only some commands load (the admission server and prom-client, @actions/core and its HTTP client
  // undici, ~1 MB of the 2.9) becomes chunks read when imported: V8 parses every byte of the entry file.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // CommonJS dependencies (ajv, prom-client, the opa-wasm SDK) call require() for Node's built-ins; an ES
  // module has no require of its own.
  banner: { js: "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);" },
  logLevel: 'warning',
});
