#!/usr/bin/env node
/**
 * `npm run build` (and `prepare`, which npm runs on `npm ci` in a clone and on `npm pack`): builds only
 * the steps whose inputs changed since the last build, and says what it is doing, so a first install
 * is not a silent minute and a `npm pack` after a build does not rebuild everything. Each step's
 * inputs are hashed (file contents, the versions of the tools that compile them) and the hash is kept
 * in dist/.build-stamps.json; a step also runs when one of its outputs is missing.
 *
 * `--force` rebuilds every step; `--check` only says which steps are up to date (exit 0) or stale (exit 1).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const STAMPS = path.join(ROOT, 'dist/.build-stamps.json');
const force = process.argv.includes('--force');
const checkOnly = process.argv.includes('--check');

const packageVersion = (name) => JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;

/** Every file under the given paths (files or directories), sorted, as [relative path, content hash]. */
function filesOf(...relativePaths) {
  const out = [];
  const visit = (absolute) => {
    if (!existsSync(absolute)) return;
    if (statSync(absolute).isDirectory()) {
      for (const name of readdirSync(absolute).sort()) visit(path.join(absolute, name));
    } else {
      out.push([path.relative(ROOT, absolute), createHash('sha256').update(readFileSync(absolute)).digest('hex')]);
    }
  };
  for (const relative of relativePaths) visit(path.join(ROOT, relative));
  return out;
}

const node = (script, ...args) => [process.execPath, [path.join(ROOT, script), ...args]];
const bin = (name, ...args) => [process.execPath, [path.join(ROOT, 'node_modules', name), ...args]];

const STEPS = [
  {
    name: 'Rego runtime (AssemblyScript -> wasm)',
    inputs: () => [filesOf('src/rego/runtime'), packageVersion('assemblyscript')],
    outputs: ['dist/rego/runtime.wasm'],
    command: bin(
      'assemblyscript/bin/asc.js',
      'src/rego/runtime/assembly/index.ts',
      '--config', 'src/rego/runtime/asconfig.json',
      '-o', 'dist/rego/runtime.wasm',
      '--disableWarning', '210',
    ),
  },
  {
    name: 'schema validators (ajv standalone)',
    inputs: () => [filesOf('schemas', 'scripts/compile-validators.mjs', 'scripts/schema-bundles.mjs'), packageVersion('ajv')],
    outputs: ['dist/schemas/validators.cjs'],
    command: node('scripts/compile-validators.mjs'),
  },
  {
    name: 'TypeScript',
    inputs: () => [filesOf('src', 'tsconfig.json', 'package.json'), packageVersion('typescript')],
    outputs: ['dist/cli/main.js', 'dist/index.js'],
    command: bin('typescript/bin/tsc', '-p', 'tsconfig.json'),
  },
  {
    name: 'configuration and GitLab CI validators (ajv standalone)',
    // Compiled with the list and options of the module just built: its source is an input too.
    inputs: () => [filesOf('schemas/config.schema.json', 'schemas/gitlab-ci.schema.json', 'scripts/compile-standalone.mjs', 'src/model/schema/standalone.ts'), packageVersion('ajv')],
    outputs: ['dist/schemas/standalone/config.cjs', 'dist/schemas/standalone/gitlab-ci.cjs'],
    command: node('scripts/compile-standalone.mjs'),
  },
  {
    name: 'shipped Rego guardrails (policies/ -> wasm)',
    // Compiled by the toolchain just built: its sources are inputs too.
    inputs: () => [filesOf('policies', 'scripts/build-policies.mjs', 'src/rego', 'src/policy'), packageVersion('assemblyscript')],
    outputs: ['dist/policies/guardrails.json'],
    command: node('scripts/build-policies.mjs'),
  },
  {
    name: 'schema validator code caches (V8)',
    // A cache is only accepted by the Node (V8) that wrote it: its version is an input.
    inputs: () => [filesOf('schemas', 'fixtures', 'scripts/compile-validators.mjs', 'scripts/schema-bundles.mjs', 'scripts/cache-validators.mjs', 'src/model/schema/code-cache.ts'), packageVersion('ajv'), process.version],
    outputs: ['dist/schemas/validators/workloads.cjs.v8cache'],
    command: node('scripts/cache-validators.mjs'),
  },
];

const stamps = existsSync(STAMPS) ? JSON.parse(readFileSync(STAMPS, 'utf8')) : {};
const started = performance.now();
let built = 0;
let stale = 0;
for (const step of STEPS) {
  const hash = createHash('sha256').update(JSON.stringify(step.inputs())).digest('hex');
  const present = step.outputs.every((output) => existsSync(path.join(ROOT, output)));
  if (!force && present && stamps[step.name] === hash) {
    console.error(`meshguard build: ${step.name}: up to date`);
    continue;
  }
  if (checkOnly) {
    console.error(`meshguard build: ${step.name}: stale`);
    stale++;
    continue;
  }
  console.error(`meshguard build: ${step.name}...`);
  const stepStarted = performance.now();
  const [command, args] = step.command;
  const run = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  if (run.status !== 0) {
    console.error(`meshguard build: ${step.name} failed`);
    process.exit(run.status ?? 1);
  }
  stamps[step.name] = hash;
  mkdirSync(path.dirname(STAMPS), { recursive: true });
  writeFileSync(STAMPS, `${JSON.stringify(stamps, null, 2)}\n`);
  built++;
  console.error(`meshguard build: ${step.name}: ${((performance.now() - stepStarted) / 1000).toFixed(1)} s`);
}
if (checkOnly) process.exit(stale === 0 ? 0 : 1);
console.error(`meshguard build: ${built === 0 ? 'everything up to date' : `${built} of ${STEPS.length} steps built`} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
