// Compiles the shipped Rego guardrails (policies/) into dist/policies/guardrails-<n>.wasm and guardrails.json at
// package build time, so `meshguard check` never compiles them at run time. Runs after tsc.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPolicyBundle, SHIPPED_BUNDLE } from '../dist/policy/load.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const started = performance.now();
const manifest = await buildPolicyBundle(path.join(root, 'policies'), path.join(root, 'dist', 'policies'));
const ids = [...new Set(manifest.modules.flatMap((m) => m.groups.map((g) => g.meta.id)))];
const count = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
console.log(`policies: compiled ${count(ids.length, 'rule')} (${ids.join(', ')}) into ${count(manifest.modules.length, 'wasm module')} in ${Math.round(performance.now() - started)} ms`);
