#!/usr/bin/env node
/**
 * Measures what schema validation costs (after `npm run build`):
 *   node scripts/bench-schema.mjs [resources=1000]
 * The tree cycles the documents of fixtures/rules/schema-validation/good.yaml (14 kinds: built-in and Istio).
 * Each figure is the fastest of several fresh processes (compiled validators are cached per process, and
 * the machine may be shared), measured around the validation calls only, loading excluded:
 * - start-up: the first validation of each kind (reading the schema files, loading the precompiled module
 *   or compiling), with and without the build's precompiled validators;
 * - per 1,000 resources: validating every resource once more, warm.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const [, , arg = '1000', mode] = process.argv;

if (mode) {
  // Child: mode = precompiled | runtime, arg = tree directory.
  const { loadWorkspace } = await import(path.join(ROOT, 'dist/load/index.js'));
  const { DEFAULT_CONFIG } = await import(path.join(ROOT, 'dist/config/types.js'));
  const { Inventory } = await import(path.join(ROOT, 'dist/model/inventory.js'));
  const { SchemaRegistry } = await import(path.join(ROOT, 'dist/model/schema/registry.js'));
  const { checkSchema } = await import(path.join(ROOT, 'dist/model/schema/validate.js'));
  const workspace = await loadWorkspace(['.'], arg, DEFAULT_CONFIG);
  const inventory = new Inventory(workspace.resources);
  const registry = new SchemaRegistry(mode === 'precompiled');
  const pass = () => {
    const started = performance.now();
    let problems = 0;
    for (const resource of workspace.resources) problems += checkSchema(resource, inventory, registry)?.problems.length ?? 0;
    if (problems > 0) throw new Error(`${problems} problems in a valid tree`);
    return performance.now() - started;
  };
  const first = pass();
  const warm = Math.min(...[0, 1, 2, 3, 4].map(pass));
  process.stdout.write(JSON.stringify({ first, warm, resources: workspace.resources.length }));
  process.exit(0);
}

const count = Number(arg);
const documents = readFileSync(path.join(ROOT, 'fixtures/rules/schema-validation/good.yaml'), 'utf8')
  .split(/^---$/m)
  .map((d) => d.replace(/^#.*$/gm, '').trim())
  .filter(Boolean);

const dir = path.join(os.tmpdir(), 'meshguard-bench-schema');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
for (let file = 0; file * 50 < count; file++) {
  const docs = [];
  for (let i = file * 50; i < Math.min(count, (file + 1) * 50); i++) docs.push(documents[i % documents.length].replace(/^(  name: )(.+)$/m, `$1$2-${i}`));
  writeFileSync(path.join(dir, `f${file}.yaml`), `${docs.join('\n---\n')}\n`);
}

const run = (m) => JSON.parse(execFileSync(process.execPath, [import.meta.filename, dir, m], { encoding: 'utf8' }));
const best = (m) => {
  const runs = [0, 1, 2].map(() => run(m));
  return { first: Math.min(...runs.map((r) => r.first)), warm: Math.min(...runs.map((r) => r.warm)), resources: runs[0].resources };
};
const pre = best('precompiled');
const rt = best('runtime');
const perThousand = (r) => (r.warm * 1000) / r.resources;
const ms = (n) => `${n.toFixed(1)} ms`;
console.log(`${pre.resources} resources of ${documents.length} kinds`);
console.log(`first pass (start-up + one validation each): precompiled ${ms(pre.first)}, compiled at run time ${ms(rt.first)}`);
console.log(`start-up alone: precompiled ${ms(pre.first - pre.warm)}, compiled at run time ${ms(rt.first - rt.warm)}`);
console.log(`warm validation: ${ms(perThousand(pre))} per 1,000 resources (precompiled), ${ms(perThousand(rt))} (run-time compiled)`);
